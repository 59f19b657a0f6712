"""Quable PIM/DAM assets (seed 004) under /compat/quable/{organization key}/api/: the Quable
`id` is the asset key, `classification.id` a group's code, `attributes` the custom fields of
the organization's asset type `dam_asset`, `remotePath` the file's remote URL, `file.id` a staged
upload (POST files), `linkType.id` a link type code. `legacyId` is our integer id.

Writes go through the asset, file, group and link services; a create that also files the asset
in its classification is one transaction. Errors are API Platform's hydra errors, with
`violations` for field errors."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from ninja import Status

from assets.core.errors import NotFound, ValidationFailed
from assets.dialects.ids import asset_id_by_key, organization_by_key
from assets.files import services as files
from assets.files.api import MULTIPART_FILE_BODY
from assets.files.inspection import human_size
from assets.files.uploads import limit_upload_size, uploaded_file
from assets.models import Asset, AssetType, Organization
from assets.schemas import Strict
from assets.services import assets as asset_services
from config.dialects import dialect_api
from groups import services as groups
from groups.models import AssetGroup, GroupMembership
from groups.permissions import visible_groups
from links import services as links

DAM_TYPE = "dam_asset"
VOCAB = "https://quable.example/api/docs.jsonld#"
ASSET_CONTEXT = {
    "@vocab": VOCAB,
    "hydra": "http://www.w3.org/ns/hydra/core#",
    **{name: f"AssetOutput/{name}" for name in (
        "name", "isActive", "attributes", "metadata", "url", "originalFilename", "thumbnailUrl", "previewUrl",
        "classifications", "documentLinks", "variantLinks", "dateCreated", "dateModified", "thumbnails", "legacyId",
        "active",
    )},
}
CLASSIFICATION_CONTEXT = {
    "@vocab": VOCAB,
    "hydra": "http://www.w3.org/ns/hydra/core#",
    **{name: f"ClassificationOutput/{name}" for name in (
        "parentCode", "catalogId", "isActive", "attributes", "assetLinks", "mainAssetUrl", "mainAssetThumbnailUrl",
        "dateCreated", "dateModified", "createdBy", "updatedBy", "legacyId", "active",
    )},
}


def render(request, status: int, message: str, exc=None) -> JsonResponse:
    body = {"@context": "/api/contexts/Error", "@type": "hydra:Error", "hydra:title": "An error occurred",
            "hydra:description": message}
    errors = getattr(exc, "errors", None)
    if errors and isinstance(errors, list) and all(isinstance(e, dict) for e in errors):
        body["violations"] = [{"propertyPath": e.get("field") or "", "message": e.get("message", "")} for e in errors]
    return JsonResponse(body, status=status)


api = dialect_api("quable", "Quable DAM (compatibility)", render)


class Ref(Strict):
    id: str


class AssetIn(Strict):
    id: str
    name: str | None = None
    classification: Ref | None = None
    attributes: dict | None = None
    remotePath: str | None = None
    file: Ref | None = None


class AssetUpdate(Strict):
    id: str | None = None
    name: str | None = None
    classification: Ref | None = None
    attributes: dict | None = None
    remotePath: str | None = None
    file: Ref | None = None


class LinkIn(Strict):
    origin: Ref
    target: Ref
    linkType: Ref
    attributes: list | dict | None = None
    sequence: int | None = None


ERRORS = {400: dict, 401: dict, 403: dict, 404: dict, 409: dict}


# --- ids ----------------------------------------------------------------------------------------
def _organization(user, key: str) -> Organization:
    return organization_by_key(user, key, f"instance {key} does not exist")


def _dam_type(organization: Organization) -> AssetType:
    """The nearest `dam_asset` type: the organization's own, an ancestor's, then a system one."""
    candidates = list(AssetType.objects.available_to(organization).filter(code=DAM_TYPE).select_related("organization"))
    if not candidates:
        raise ValidationFailed(f"organization {organization.key} has no asset type '{DAM_TYPE}' for Quable attributes")
    return max(candidates, key=lambda t: -1 if t.organization_id is None else t.organization.level)


def _asset_id(organization: Organization, key: str, field: str | None = None) -> int:
    found = asset_id_by_key(organization.key, key)
    if found is None:
        if field:
            raise ValidationFailed.field(field, f"asset {key} does not exist")
        raise NotFound(f"asset {key} does not exist")
    return found


@contextmanager
def _known_as(key: str):
    """The services name an asset they won't show by its integer id; the client knows it by key
    (and a hidden asset must read exactly like a missing one)."""
    try:
        yield
    except NotFound:
        raise NotFound(f"asset {key} does not exist")


def _classification(user, organization: Organization, ref: Ref | None) -> AssetGroup | None:
    if ref is None:
        return None
    group = visible_groups(user).filter(organization=organization, code=ref.id).first()
    if group is None:
        raise ValidationFailed.field("classification.id", f"classification {ref.id} does not exist")
    return group


def _attributes(asset_type: AssetType, attributes: dict | None) -> dict | None:
    """Quable attribute codes are custom field codes of dam_asset; any other is refused, never
    dropped (the asset service refuses unknown codes too, but names the field as ours)."""
    if attributes is None:
        return None
    codes = set(asset_type.field_definitions.values_list("code", flat=True))
    unknown = sorted(set(attributes) - codes)
    if unknown:
        raise ValidationFailed(
            f"unknown attributes: {', '.join(unknown)}",
            errors=[{"field": f"attributes.{code}", "message": f"is not an attribute of {DAM_TYPE}"} for code in unknown],
        )
    return {"set": attributes}


# --- the asset shape ----------------------------------------------------------------------------
def _absolute(request, url: str | None) -> str | None:
    if not url:
        return url
    return url if url.startswith(("http://", "https://")) else request.build_absolute_uri(url)


def _metadata(record) -> dict | list:
    if record is None:
        return []
    return {
        "color_space": record.color_space or None,
        "file_size": human_size(record.size) if record.size is not None else None,
        "width": str(record.width) if record.width is not None else None,
        "height": str(record.height) if record.height is not None else None,
        "orientation": record.orientation or None,
        "file_name": record.name or None,
        "mime_type": record.mime_type or None,
        "detail": (record.metadata or {}).get("detail", {}),
    }


def _classifications(user, asset: Asset) -> list[dict]:
    rows = (
        AssetGroup.objects.filter(
            pk__in=GroupMembership.objects.filter(asset_id=asset.pk).values("group_id"),
        )
        .filter(pk__in=visible_groups(user).values("pk"))
        .order_by("id")
        .values_list("pk", "code")
    )
    return [
        {"@context": CLASSIFICATION_CONTEXT, "@type": "Classification", "@id": f"/api/classifications/{code or pk}",
         "catalogId": None, "id": code or str(pk), "legacyId": pk}
        for pk, code in rows
    ]


def _document_links(user, asset: Asset) -> list[dict]:
    found = links.link_queryset(links.visible_links(user)).filter(target_id=asset.pk).order_by("sequence", "id")
    return [
        {"@type": "DocumentLink", "id": str(link.pk), "origin": {"id": link.source.key},
         "linkType": {"id": link.link_type.code}, "sequence": link.sequence}
        for link in found
    ]


def asset_body(request, asset: Asset) -> dict:
    record = files.file_of(asset)
    data = files.file_data(record) or {}
    thumbnail, preview = _absolute(request, data.get("thumbnail_url")), _absolute(request, data.get("preview_url"))
    return {
        "@context": ASSET_CONTEXT,
        "@type": "Asset",
        "@id": f"/api/assets/{asset.key}",
        "name": asset.title,
        "active": True,
        "attributes": asset.custom_fields or [],
        "metadata": _metadata(record),
        "url": _absolute(request, data.get("url")) or "",
        "originalFilename": data.get("name") or "",
        "thumbnailUrl": thumbnail or "",
        "previewUrl": preview or "",
        "classifications": _classifications(request.auth, asset),
        "documentLinks": _document_links(request.auth, asset),
        "variantLinks": [],
        "dateCreated": asset.created_at.isoformat(timespec="seconds"),
        "dateModified": asset.updated_at.isoformat(timespec="seconds"),
        "thumbnails": {"preview": preview, "thumbnail": thumbnail},
        "id": asset.key,
        "legacyId": asset.pk,
    }


def _read(request, asset_id: int) -> Asset:
    return asset_services.get_asset(request.auth, asset_id)


def _file_changes(payload) -> dict:
    changes = {}
    if payload.remotePath is not None:
        changes["remote_url"] = payload.remotePath
    if payload.file is not None:
        changes["file_id"] = payload.file.id
    return changes


# --- endpoints ----------------------------------------------------------------------------------
@api.post("/{instance}/api/assets", response={201: dict, **ERRORS})
def create_asset(request, instance: str, payload: AssetIn):
    organization = _organization(request.auth, instance)
    asset_type = _dam_type(organization)
    group = _classification(request.auth, organization, payload.classification)
    data = {
        "organization_id": organization.pk, "type_id": asset_type.pk, "key": payload.id,
        "title": payload.name or payload.id, "custom_fields": _attributes(asset_type, payload.attributes),
        **_file_changes(payload),
    }
    with transaction.atomic():
        asset = files.create_asset(request.auth, data)
        if group is not None:
            groups.add_members(request.auth, group.pk, [asset.pk])
    return Status(201, asset_body(request, _read(request, asset.pk)))


@api.get("/{instance}/api/assets/{asset_key}", response={200: dict, **ERRORS})
def get_asset(request, instance: str, asset_key: str):
    organization = _organization(request.auth, instance)
    with _known_as(asset_key):
        return asset_body(request, _read(request, _asset_id(organization, asset_key)))


@api.put("/{instance}/api/assets/{asset_key}", response={200: dict, **ERRORS})
def update_asset(request, instance: str, asset_key: str, payload: AssetUpdate):
    """Only what the body names changes."""
    organization = _organization(request.auth, instance)
    asset_id = _asset_id(organization, asset_key)
    if payload.id is not None and payload.id != asset_key:
        raise ValidationFailed.field("id", "must be the id of the URL (asset ids don't change here)")
    with _known_as(asset_key):
        asset = asset_services.get_asset(request.auth, asset_id, "change")
    group = _classification(request.auth, organization, payload.classification)
    changes = _file_changes(payload)
    if payload.name is not None:
        changes["title"] = payload.name
    if payload.attributes is not None:
        changes["custom_fields"] = _attributes(asset.type, payload.attributes)
    with transaction.atomic():
        if changes:
            files.update_asset(request.auth, asset_id, changes)
        if group is not None and not GroupMembership.objects.filter(group=group, asset_id=asset_id).exists():
            groups.add_members(request.auth, group.pk, [asset_id])
    return asset_body(request, _read(request, asset_id))


@api.delete("/{instance}/api/assets/{asset_key}", response={204: None, **ERRORS})
def delete_asset(request, instance: str, asset_key: str):
    organization = _organization(request.auth, instance)
    with _known_as(asset_key):
        asset_services.delete_asset(request.auth, _asset_id(organization, asset_key))
    return HttpResponse(status=204)


@api.post("/{instance}/api/files", response={201: dict, **ERRORS, 413: dict}, openapi_extra=MULTIPART_FILE_BODY)
def upload_file(request, instance: str):
    """multipart/form-data: fileType=asset and the file."""
    organization = _organization(request.auth, instance)

    def read_upload():
        limit_upload_size(request)
        upload = uploaded_file(request)
        file_type = request.POST.get("fileType", "asset")
        if file_type != "asset":
            raise ValidationFailed.field("fileType", "only 'asset' files are supported")
        return upload

    staged = files.stage_upload(request.auth, organization.pk, read_upload)
    stamp = staged.created_at.isoformat(timespec="seconds")
    return Status(201, {
        "name": staged.values.get("name"),
        "location": {"container": organization.key, "filename": str(staged.id)},
        "metadatas": {"mime_type": staged.values.get("mime_type")},
        "id": str(staged.id),
        "type": "asset",
        "status": "available",
        "dateModified": stamp,
        "dateCreated": stamp,
        "expiresAt": staged.expires_at.isoformat(timespec="seconds"),
    })


@api.post("/{instance}/api/links", response={201: dict, **ERRORS})
def create_link(request, instance: str, payload: LinkIn):
    organization = _organization(request.auth, instance)
    values = {"sequence": payload.sequence} if payload.sequence is not None else {}
    if isinstance(payload.attributes, dict) and payload.attributes:
        values["properties"] = payload.attributes
    source_id = _asset_id(organization, payload.origin.id, "origin.id")
    target_id = _asset_id(organization, payload.target.id, "target.id")
    try:
        link = links.create_link(request.auth, link_type=payload.linkType.id, source_id=source_id,
                                 target_id=target_id, **values)
    except NotFound as exc:
        origin = (exc.entity_type, exc.entity_id) == ("asset", source_id)
        field, key = ("origin.id", payload.origin.id) if origin else ("target.id", payload.target.id)
        raise ValidationFailed.field(field, f"asset {key} does not exist")
    return Status(201, {
        "@type": "Link", "id": str(link.pk), "origin": {"id": link.source.key}, "target": {"id": link.target.key},
        "linkType": {"id": link.link_type.code}, "attributes": link.properties or [], "sequence": link.sequence,
    })
