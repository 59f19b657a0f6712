"""What links add to the asset core (assets.extensions): the linked_to filter of GET /assets, and
the change-log entries of the links an asset's deletion cascades away, the links a restore brings
back, and who may read the change log of links (they may join assets of two organizations)."""

from __future__ import annotations

from types import MappingProxyType

from assets.extensions import AssetExtension

from .restore import links_of_many, restore_links
from .services import link_change_scope, linked_to_filter, log_links_of_deleted_assets


class LinksExtension(AssetExtension):
    list_filters = MappingProxyType({"linked_to": linked_to_filter})
    change_scopes = MappingProxyType({"link": link_change_scope})

    def before_delete_many(self, user, assets):
        log_links_of_deleted_assets(user, assets)

    def snapshot_deleted_many(self, assets, data):
        for asset_id, links in links_of_many(assets).items():
            data[asset_id]["links"] = links

    def restore_asset(self, user, asset, snapshot, note):
        restore_links(user, asset, snapshot.get("links") or (), note)
