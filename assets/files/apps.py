from django.apps import AppConfig


class AssetFilesConfig(AppConfig):
    name = "assets.files"
    label = "asset_files"
    verbose_name = "Asset files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from . import signals  # noqa: F401  (connects the post_delete safety net)

        # Every Image.open in the process, not only the upload inspection, refuses bombs: Pillow
        # raises DecompressionBombError beyond twice this.
        Image.MAX_IMAGE_PIXELS = settings.ASSET_IMAGE_MAX_PIXELS
