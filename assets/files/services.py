"""Asset files: attaching, replacing and removing the one file an asset carries.

Every write needs change permission on the asset, bumps the asset's version and is change-logged
on the asset. Stored files are written before the transaction (so the row never points at
nothing) and old ones are deleted only after it commits (so a rollback never loses a file)."""

from __future__ import annotations

import mimetypes
import uuid
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assets.access.permissions import can_create_assets
from assets.core import changelog
from assets.core.db import related_or_none
from assets.core.errors import Forbidden, NotFound, ValidationFailed
from assets.core.inputs import require_user
from assets.core.versioning import check_version, save_versioned
from assets.models import Asset, ChangeLogEntry
from assets.services import assets as asset_services
from assets.services.organizations import get_organization

from . import renditions, storage
from .inspection import inspect_upload, sanitize_name
from .models import AssetFile, StagedUpload
from .public_urls import check_url, points_outside
from .uploads import max_bytes, too_large

FILE_KINDS = ("original", "thumbnail", "preview")
REMOTE_URL_MAX_LENGTH = 2048


# --- reads --------------------------------------------------------------------------------------
def prefetch_file(queryset):
    """FilesExtension.prefetch_assets: the file rides along in the asset query (one JOIN), so a
    page of assets costs the same number of queries with or without files."""
    return queryset.select_related("file")


def file_of(asset: Asset) -> AssetFile | None:
    return related_or_none(asset, "file")


def add_file_to_shape(asset: Asset, data: dict) -> None:
    """FilesExtension.shape_asset: fills `file` of the asset shape."""
    data["file"] = file_data(file_of(asset))


def url_token(record: AssetFile) -> str:
    # The upload's folder name changes with every replacement, so the URL does too and a
    # browser's cached copy of the old file is never shown for the new one.
    parts = record.storage_name.split("/")
    return parts[-2][:12] if len(parts) >= 3 else str(record.pk)


def file_url(asset_id: int, kind: str, record: AssetFile) -> str:
    return f"{reverse('asset_files:serve', args=[asset_id, kind])}?v={url_token(record)}"


def file_data(record: AssetFile | None) -> dict | None:
    if record is None:
        return None
    data = {
        "name": record.name or None,
        "mime_type": record.mime_type or None,
        "size": record.size,
        "width": record.width,
        "height": record.height,
        "orientation": record.orientation or None,
        "metadata": record.metadata or {},
        "url": None,
        "thumbnail_url": None,
        "preview_url": None,
        "remote_url": record.remote_url or None,
        "thumbnail": None,
        "preview": None,
    }
    if record.is_remote:
        data["url"] = record.remote_url
        return data
    data["url"] = file_url(record.asset_id, "original", record)
    if record.thumbnail_name:
        data["thumbnail_url"] = file_url(record.asset_id, "thumbnail", record)
    if record.preview_name:
        data["preview_url"] = file_url(record.asset_id, "preview", record)
    if record.renditions:
        # pending until the worker has rendered them, then ready (with the URLs) or failed.
        for kind in ("thumbnail", "preview"):
            data[kind] = {"status": record.renditions, "url": data[f"{kind}_url"]}
    return data


def get_file(user, asset_id: int) -> AssetFile:
    """The asset's file if the user may view the asset; 404 otherwise."""
    asset = asset_services.get_asset(user, asset_id, queryset=Asset.objects.select_related("file"))
    record = file_of(asset)
    if record is None:
        raise NotFound(f"asset {asset_id} has no file")
    return record


def stored_file(user, asset_id: int, kind: str) -> tuple[AssetFile, str, str]:
    """(record, storage name, mime type) of one kind of the asset's file, for serving it."""
    if kind not in FILE_KINDS:
        raise NotFound(f"no such file kind: {kind}")
    record = get_file(user, asset_id)
    name, mime_type = {
        "original": (record.storage_name, record.mime_type),
        "thumbnail": (record.thumbnail_name, record.thumbnail_mime_type),
        "preview": (record.preview_name, record.preview_mime_type),
    }[kind]
    if not name and not (kind == "original" and record.remote_url):
        raise NotFound(f"asset {asset_id} has no {kind}")
    if not name and not points_outside(record.remote_url):
        raise NotFound(f"asset {asset_id}'s file URL points at an internal address")
    return record, name, mime_type


def can_change(user, asset: Asset) -> bool:
    return asset_services.visible_assets(user, "change").filter(pk=asset.pk).exists()


# --- validation ---------------------------------------------------------------------------------
def clean_remote_url(value, field: str = "remote_url") -> str | None:
    """An absolute public http(s) URL (see public_urls), or None for null / empty (= no remote file)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed.field(field, "must be a string")
    if not value.strip():
        return None
    return check_url(value, field, max_length=REMOTE_URL_MAX_LENGTH)


def _remote_values(remote_url: str) -> dict:
    """What can be known about a remote file without fetching it: its name and the type its
    name suggests."""
    last_segment = unquote(urlsplit(remote_url).path.rstrip("/").rsplit("/", 1)[-1])
    mime_type = (mimetypes.guess_type(last_segment)[0] or "") if last_segment else ""
    extension = last_segment.rpartition(".")[2].lower() if "." in last_segment else ""
    name = sanitize_name(last_segment, extension)[:255] if extension else (last_segment.strip()[:255] or "")
    metadata = {"file_name": name, "mime_type": mime_type} if name else {}
    return {"remote_url": remote_url, "name": name, "mime_type": mime_type, "metadata": metadata}


# --- writes -------------------------------------------------------------------------------------
def _lock(asset_id: int) -> Asset:
    # Serializes writers of one asset's file: the second waits, then sees (and cleans up after)
    # the first one's file instead of orphaning it.
    asset = Asset.objects.select_for_update().filter(pk=asset_id).first()
    if asset is None:
        raise NotFound(f"asset {asset_id} does not exist")
    return asset


def _changeable(user, asset_id: int, version: int | None) -> Asset:
    asset = asset_services.get_asset(user, asset_id, "change", queryset=Asset.objects.all())
    check_version(asset, version)
    return asset


def _replace(user, asset: Asset, values: dict | None, *, version: int | None, bump: bool = True) -> bool:
    """Swap the asset's file record for one with `values` (None: no file). Runs inside the
    caller's transaction on a locked asset. False when there was nothing to do."""
    old = AssetFile.objects.filter(asset_id=asset.pk).first()
    if old is None and values is None:
        return False
    before = old.to_change_dict() if old is not None else None
    if old is not None:
        old.delete()  # the post_delete signal removes its stored files once we commit
    record = None
    if values is not None:
        record = AssetFile.objects.create(asset=asset, uploaded_by=user if user.pk else None, **values)
        renditions.schedule(record)
    if bump:
        asset.updated_at = timezone.now()
        save_versioned(asset, version, ["updated_at"])
    changelog.record(
        user, ChangeLogEntry.Action.UPDATE, asset,
        before={"file": before}, after={"file": record.to_change_dict() if record is not None else None},
    )
    return True


def store_upload(upload, folder: str, written: list[str]) -> dict:
    """Inspects the upload and stores it under `folder` (its renditions follow from a task once a
    file record holds it: renditions.schedule); returns the
    AssetFile column values. Every stored name is appended to `written` as it is stored, so the
    caller can remove them when something later fails."""
    inspection = inspect_upload(upload, getattr(upload, "name", None))
    values = {
        "name": inspection.name, "mime_type": inspection.mime_type, "size": inspection.size,
        "width": inspection.width, "height": inspection.height, "orientation": inspection.orientation,
        "color_space": inspection.color_space, "metadata": inspection.metadata,
    }
    values["storage_name"] = storage.save(f"{folder}/original.{inspection.extension}", upload)
    written.append(values["storage_name"])
    values["renditions"] = renditions.initial_status(inspection.mime_type)
    return values


def upload_file(user, asset_id: int, upload, *, version: int | None = None) -> Asset:
    """Store `upload` as the asset's file (replacing any previous one) with its metadata and, for
    images, a thumbnail and a preview. `upload` may be a callable returning the file, so that a
    request body is only read once the user is known to be allowed to write."""
    asset = _changeable(user, asset_id, version)
    if callable(upload):
        upload = upload()
    if upload.size is None or upload.size > max_bytes():
        raise too_large()
    written: list[str] = []
    try:
        values = store_upload(upload, storage.new_folder(asset.pk), written)
        with transaction.atomic():
            locked = _lock(asset.pk)
            check_version(locked, version)
            _replace(user, locked, values, version=version)
    except BaseException:
        # Nothing refers to the new files: the transaction rolled back (or never began).
        storage.remove(written)
        raise
    return asset_services.get_asset(user, asset.pk)


def set_remote_url(user, asset_id: int, remote_url, *, version: int | None = None) -> Asset:
    """Point the asset's file at a URL elsewhere (not fetched); null or "" removes the file."""
    url = clean_remote_url(remote_url)
    asset = _changeable(user, asset_id, version)
    with transaction.atomic():
        locked = _lock(asset.pk)
        check_version(locked, version)
        _replace(user, locked, _remote_values(url) if url else None, version=version)
    return asset_services.get_asset(user, asset.pk)


@transaction.atomic
def delete_file(user, asset_id: int, *, version: int | None = None) -> Asset:
    asset = _changeable(user, asset_id, version)
    locked = _lock(asset.pk)
    check_version(locked, version)
    if not _replace(user, locked, None, version=version):
        raise NotFound(f"asset {asset.key} has no file")
    return locked


# --- staged uploads -----------------------------------------------------------------------------
def stage_upload(user, organization_id: int, upload) -> StagedUpload:
    """Stores a file before its asset exists; the returned id is claimed by create_asset or
    update_asset as `file_id`. Takes what creating an asset in the organization takes."""
    require_user(user)
    organization = get_organization(user, organization_id)
    if not can_create_assets(user, organization.pk):
        raise Forbidden("uploading files needs change_org_assets on the organization")
    if callable(upload):
        upload = upload()
    if upload.size is None or upload.size > max_bytes():
        raise too_large()
    staged_id = uuid.uuid4()
    written: list[str] = []
    try:
        values = store_upload(upload, f"assets/staged/{staged_id.hex}", written)
        now = timezone.now()
        return StagedUpload.objects.create(
            id=staged_id, organization=organization, uploaded_by=user, values=values, created_at=now,
            expires_at=now + timedelta(seconds=settings.STAGED_UPLOAD_TTL_SECONDS),
        )
    except BaseException:
        storage.remove(written)
        raise


def _take_staged(user, file_id, organization_id: int, field: str = "file_id") -> dict:
    """Inside the caller's transaction: the AssetFile values of the user's unexpired upload in
    the organization, which is used up (a second claim finds nothing). Someone else's upload,
    an expired one and a made-up id all read alike."""
    missing = ValidationFailed.field(field, f"file {str(file_id)[:64]} does not exist")
    try:
        staged_id = uuid.UUID(str(file_id))
    except ValueError:
        raise missing
    staged = StagedUpload.objects.select_for_update().filter(
        pk=staged_id, uploaded_by_id=user.pk, organization_id=organization_id, expires_at__gt=timezone.now()
    ).first()
    if staged is None:
        raise missing
    staged.delete()  # the stored files now belong to the asset's file record
    return staged.values


def purge_staged_uploads(now=None) -> int:
    """Deletes the expired staged uploads and, once that commits, their stored files. Rows are
    locked first, so an upload being claimed right now is either claimed or purged, never both."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(StagedUpload.objects.select_for_update().filter(expires_at__lte=now))
        StagedUpload.objects.filter(pk__in=[staged.pk for staged in expired]).delete()
        storage.remove_after_commit([name for staged in expired for name in staged.storage_names()])
    return len(expired)


# --- the asset endpoints' remote_url and file_id ----------------------------------------------
def _new_file(user, asset: Asset, url: str | None, file_id) -> dict | None:
    if file_id is not None:
        return _take_staged(user, file_id, asset.organization_id)
    return _remote_values(url) if url else None


def _file_source(data: dict) -> tuple[str | None, object]:
    if data.get("remote_url") not in (None, "") and data.get("file_id") is not None:
        raise ValidationFailed.field("file_id", "send either remote_url or file_id, not both")
    return clean_remote_url(data.pop("remote_url", None)), data.pop("file_id", None)


def create_asset(user, data: dict) -> Asset:
    """assets.services.assets.create_asset plus the optional `remote_url` of POST /assets or
    `file_id` of a staged upload: checked before anything is written, stored in the same
    transaction. The file is part of the new asset, so it neither needs change permission nor
    adds a version."""
    url, file_id = _file_source(data)
    with transaction.atomic():
        asset = asset_services.create_asset(user, **data)
        values = _new_file(user, asset, url, file_id)
        if values is None:
            return asset
        _replace(user, asset, values, version=None, bump=False)
    return asset_services.get_asset(user, asset.pk)


def update_asset(user, asset_id: int, changes: dict, *, version: int | None = None) -> Asset:
    """assets.services.assets.update_asset plus `remote_url` of PATCH /assets/{id} (null or ""
    removes the file) or `file_id` of a staged upload; one PATCH is one new version."""
    if "remote_url" not in changes and "file_id" not in changes:
        return asset_services.update_asset(user, asset_id, version=version, **changes)
    url, file_id = _file_source(changes)
    with transaction.atomic():
        if changes:
            asset_services.update_asset(user, asset_id, version=version, **changes)
            locked = _lock(asset_id)
            _replace(user, locked, _new_file(user, locked, url, file_id), version=None, bump=False)
        else:
            _changeable(user, asset_id, version)
            locked = _lock(asset_id)
            check_version(locked, version)
            _replace(user, locked, _new_file(user, locked, url, file_id), version=version)
    return asset_services.get_asset(user, asset_id)


# --- asset deletion -----------------------------------------------------------------------------
def remove_files_with_assets(user, assets: list[Asset]) -> None:
    """FilesExtension.before_delete_many, inside the deleting transaction: the records go now,
    their stored files once the transaction commits (the post_delete signal collects their names)."""
    ids = [asset.pk for asset in assets]
    for start in range(0, len(ids), 500):
        AssetFile.objects.filter(asset_id__in=ids[start:start + 500]).delete()
