"""Where asset files live: Django's default storage (MEDIA_ROOT locally, any django-storages
backend by settings), under generated names that can neither collide nor leave the storage root."""

from __future__ import annotations

import logging
import os
import uuid
from functools import partial
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def new_folder(asset_id: int) -> str:
    # Every upload gets a folder of its own, so a replacement never overwrites the file that
    # readers (and a transaction that may still roll back) refer to.
    return f"assets/{int(asset_id)}/{uuid.uuid4().hex}"


def save(name: str, content) -> str:
    """Store `content` (a File or bytes) and return the name the storage actually used."""
    if isinstance(content, bytes):
        content = ContentFile(content)
    content.seek(0)
    return default_storage.save(name, content)


def remove(names) -> None:
    """Delete stored files now; a missing file is not an error (deleting twice is harmless)."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete stored asset file %s", name)
            continue
        _prune_empty_folders(name)


def remove_after_commit(names) -> None:
    """Delete stored files once the current transaction commits: a rollback keeps the rows that
    still point at them, so the files must stay too."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(partial(remove, names), robust=True)


def _prune_empty_folders(name: str) -> None:
    """Local storage keeps empty folders behind; remove them up to (not including) assets/."""
    try:
        path = default_storage.path(name)
        root = os.path.realpath(default_storage.path("assets"))
    except (NotImplementedError, AttributeError, ValueError):
        return  # object stores have no folders
    folder = os.path.dirname(os.path.realpath(path))
    while folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return  # not empty (or already gone)
        folder = os.path.dirname(folder)


def open_for_reading(name: str):
    return default_storage.open(name, "rb")


def presigned_url(name: str, *, filename: str, mime_type: str, inline: bool) -> str | None:
    """A short-lived URL of the stored file on the object store, or None when files are served by
    the app (local storage, or ASSET_FILE_DELIVERY=stream). The store answers with our type and
    disposition, so a file that must be downloaded is downloaded there too."""
    if settings.ASSET_FILE_DELIVERY != "redirect" or not hasattr(default_storage, "bucket_name"):
        return None
    disposition = "inline" if inline else "attachment"
    quoted = quote(filename, safe="")
    return default_storage.url(name, parameters={
        "ResponseContentType": mime_type or "application/octet-stream",
        "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quoted}",
        "ResponseCacheControl": "private, no-store",
    })
