"""Thumbnails and previews of uploaded images, rendered by a background task: the upload answers
at once with `renditions: pending`, the worker renders them from the stored original (checked
against the pixel and memory limits again) and marks them ready, or failed."""

from __future__ import annotations

import logging

from django_tasks import task

from assets.core.errors import ValidationFailed
from assets.tasks import enqueue_with_change

from . import storage
from .inspection import IMAGE_TYPES, render_renditions
from .models import AssetFile

logger = logging.getLogger(__name__)


def initial_status(mime_type: str) -> str:
    return AssetFile.Renditions.PENDING if mime_type in IMAGE_TYPES else AssetFile.Renditions.NONE


def schedule(record: AssetFile) -> None:
    """Inside the transaction that creates the file record: its renditions are rendered once it
    commits (a rollback takes the task away with the record)."""
    if record.renditions == AssetFile.Renditions.PENDING:
        enqueue_with_change(render, record.pk, record.storage_name)


@task()
def render(file_id: int, storage_name: str) -> str:
    """Renders and stores the renditions of file record `file_id` if it still holds the upload
    `storage_name`; a record replaced or removed meanwhile gets nothing (and nothing is left)."""
    current = AssetFile.objects.filter(pk=file_id, storage_name=storage_name)
    if not current.exists():
        return "gone"
    try:
        with storage.open_for_reading(storage_name) as original:
            renditions = render_renditions(original)
    except (ValidationFailed, OSError) as exc:
        logger.warning("renditions of %s failed: %s", storage_name, exc)
        renditions = {}
    if not renditions:
        current.update(renditions=AssetFile.Renditions.FAILED)
        return "failed"
    folder = storage_name.rsplit("/", 1)[0]
    values, written = {"renditions": AssetFile.Renditions.READY}, []
    try:
        for kind, rendition in renditions.items():
            name = storage.save(f"{folder}/{kind}.{rendition.extension}", rendition.content)
            written.append(name)
            values[f"{kind}_name"], values[f"{kind}_mime_type"] = name, rendition.mime_type
        # Conditional: only the record that still holds this upload takes them.
        if current.update(**values):
            written = []
            return "ready"
        return "gone"
    finally:
        storage.remove(written)
