"""The one binary file an asset may carry: an upload kept in Django's storage (with its
renditions) or a reference to a file elsewhere (`remote_url`, never fetched)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from assets.models import Asset


class AssetFile(models.Model):
    class Orientation(models.TextChoices):
        PORTRAIT = "portrait", "Portrait"
        LANDSCAPE = "landscape", "Landscape"
        SQUARE = "square", "Square"

    class Renditions(models.TextChoices):
        NONE = "", "None"  # not an image, or a remote file
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="file")
    # Storage names are generated (assets/<asset id>/<uuid>/...), never taken from the client.
    storage_name = models.CharField(max_length=255, blank=True)
    thumbnail_name = models.CharField(max_length=255, blank=True)
    preview_name = models.CharField(max_length=255, blank=True)
    thumbnail_mime_type = models.CharField(max_length=50, blank=True)
    preview_mime_type = models.CharField(max_length=50, blank=True)
    # Images get a thumbnail and a preview rendered by a task after the upload (renditions.py).
    renditions = models.CharField(max_length=8, choices=Renditions.choices, blank=True, default="")
    remote_url = models.URLField(max_length=2048, blank=True)
    name = models.CharField(max_length=255, blank=True, help_text="Original file name, sanitized.")
    mime_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    orientation = models.CharField(max_length=16, choices=Orientation.choices, blank=True)
    color_space = models.CharField(max_length=32, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "asset file"
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(storage_name="") & models.Q(remote_url="")),
                name="asset_file_stored_or_remote",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.remote_url

    @property
    def is_remote(self) -> bool:
        return not self.storage_name

    def storage_names(self) -> list[str]:
        return [name for name in (self.storage_name, self.thumbnail_name, self.preview_name) if name]

    def to_change_dict(self) -> dict:
        return {
            "name": self.name, "mime_type": self.mime_type, "size": self.size, "width": self.width,
            "height": self.height, "remote_url": self.remote_url or None,
        }


class StagedUpload(models.Model):
    """A file uploaded before its asset exists (Quable's POST /api/files, then POST /api/assets
    with `file: {id}`). Only its uploader can attach it, once, before `expires_at`; the
    purge_staged_uploads command removes expired ones with their stored files."""

    id = models.UUIDField(primary_key=True)
    organization = models.ForeignKey("assets.Organization", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The AssetFile column values the upload becomes (storage names, metadata, renditions).
    values = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="staged_upload_expiry")]

    def __str__(self) -> str:
        return str(self.id)

    def storage_names(self) -> list[str]:
        return [self.values.get(key) for key in ("storage_name", "thumbnail_name", "preview_name") if self.values.get(key)]
