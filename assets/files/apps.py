from django.apps import AppConfig


class AssetFilesConfig(AppConfig):
    name = "assets.files"
    label = "asset_files"
    verbose_name = "Asset files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assets import serializers
        from assets.services import assets

        from . import services, signals  # noqa: F401  (connects the post_delete safety net)

        if services.prefetch_file not in assets.asset_prefetch_extensions:
            assets.asset_prefetch_extensions.append(services.prefetch_file)
        if services.remove_files_with_asset not in assets.asset_delete_hooks:
            assets.asset_delete_hooks.append(services.remove_files_with_asset)
        if services.add_file_to_shape not in serializers.asset_shape_extensions:
            serializers.asset_shape_extensions.append(services.add_file_to_shape)
