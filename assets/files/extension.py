"""What files add to the asset core (assets.extensions): `file` in the asset shape, read in the
assets' own query, and the asset's file removed with it."""

from __future__ import annotations

from assets.extensions import AssetExtension

from .services import add_file_to_shape, prefetch_file, remove_files_with_assets


class FilesExtension(AssetExtension):
    def prefetch_assets(self, queryset, user):
        return prefetch_file(queryset)

    def annotate_asset(self, queryset):
        return prefetch_file(queryset)

    def shape_asset(self, asset, data):
        add_file_to_shape(asset, data)

    def before_delete_many(self, user, assets):
        remove_files_with_assets(user, assets)
