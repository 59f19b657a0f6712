from django.apps import AppConfig


class AssetFilesConfig(AppConfig):
    name = "assets.files"
    label = "asset_files"
    verbose_name = "Asset files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the post_delete safety net)
