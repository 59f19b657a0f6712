"""Assets: filtered lists, reads and versioned writes."""

from __future__ import annotations

from django.apps import apps
from ninja import Router, Status

from assets import serializers
from assets.core.api import (
    ERRORS,
    READS_ALONG,
    body_doc,
    bulk_body,
    page_body,
    prebuilt,
    prebuilt_status,
    split_version,
)
from assets.core.errors import ValidationFailed
from assets.schemas import AssetCreateBody, AssetOut, AssetPage, AssetPatch, AssetRevert, BulkDeleteBody, BulkPatchBody
from assets.services import assets, bulk, going_back, saved_views

assets_router = Router(tags=["assets"])


def _fields_param(fields: str | None) -> list[str] | None:
    if fields is None:
        return None
    return [code.strip() for code in fields.split(",") if code.strip()]


def _file_services():
    """The files sub-app owns `remote_url`; None when it isn't installed."""
    if not apps.is_installed("assets.files"):
        return None
    from assets.files import services as file_services

    return file_services


@assets_router.get("", response={200: AssetPage, **ERRORS}, exclude_unset=True)
def list_assets(request, ordering: str | None = None, limit: int | None = None, cursor: str | None = None,
                count: bool = False, fields: str | None = None, view: str | None = None):
    """Filters: organization_id, type_id (repeatable), key, title_contains, device_id, group_id
    (+ include_descendants=true), linked_to, request_id (the assets one request wrote: an import,
    a bulk write; its change-log entries carry the id) and cf_<code>[__<op>]=value with op in ne,
    lt, lte, gt, gte, contains, icontains, in, isnull. Ordering: title, key, created_at,
    updated_at, primary_device (the primary device's title; assets without one last) or
    cf_<code>, each optionally with a leading '-'. `fields=a,b` limits custom_fields.
    `view=<id>` applies a saved view (its filters, ordering and columns as `fields`); the
    request's own parameters override it."""
    params = request.GET
    if view is not None:
        params, ordering, fields = saved_views.apply_view(request.auth, view, request.GET, ordering, fields)
    page = assets.asset_list_page(request.auth, params, ordering, limit, cursor=cursor, with_count=count)
    codes = _fields_param(fields)
    return prebuilt(page_body(page, lambda asset: serializers.asset_json(asset, codes)))


@assets_router.post("", response={201: AssetOut | list[AssetOut], **ERRORS}, openapi_extra=body_doc(AssetCreateBody))
@bulk_body(AssetCreateBody)
def create_asset(request, payload):
    """`custom_fields` is a plain map {code: value} or the patch form {set, set_primary}.
    A list of such bodies (at most 1,000) creates them all or none: 201 with the list of assets,
    or one problem whose `errors` hold {index, field, message} for every bad item."""
    if isinstance(payload, list):
        created = bulk.create_assets(request.auth, [item.model_dump(exclude_unset=True) for item in payload])
        return prebuilt_status(201, [serializers.asset_data(asset) for asset in created])
    data = payload.model_dump(exclude_unset=True)
    file_services = _file_services()
    if "remote_url" in data and file_services is not None:
        asset = file_services.create_asset(request.auth, data)
    else:
        if data.pop("remote_url", None) is not None:
            raise ValidationFailed.field("remote_url", "asset files are not enabled on this server")
        asset = assets.create_asset(request.auth, **data)
    return Status(201, serializers.asset_data(asset))


@assets_router.patch("", response={200: list[AssetOut], **ERRORS}, openapi_extra=body_doc(BulkPatchBody))
@bulk_body(BulkPatchBody)
def update_assets(request, payload):
    """A list (at most 1,000) of {id, version?, ...the single patch}: all or none. 200 with the
    list of assets; a failure is one problem (404 for an id you can't see, 409 for a stale
    version or a taken key, 400 otherwise) with {index, field, message} for every bad item."""
    changed = bulk.update_assets(request.auth, [item.model_dump(exclude_unset=True) for item in payload])
    return prebuilt([serializers.asset_data(asset) for asset in changed])


@assets_router.delete("", response={204: None, **ERRORS}, openapi_extra=body_doc(BulkDeleteBody))
@bulk_body(BulkDeleteBody)
def delete_assets(request, payload):
    """A list (at most 1,000) of {id, version?}: all or none; errors as for the bulk patch."""
    bulk.delete_assets(request.auth, [item.model_dump(exclude_unset=True) for item in payload])
    return Status(204, None)


@assets_router.get("/{asset_id}", response={200: AssetOut, **ERRORS})
def get_asset(request, asset_id: int, fields: str | None = None):
    asset = assets.read_asset(request.auth, asset_id, found=getattr(request, "read_along", None))
    return prebuilt(serializers.asset_data(asset, _fields_param(fields)))


READS_ALONG["get_asset"] = lambda request: assets.detail_read(request.resolver_match.kwargs.get("asset_id"))


@assets_router.patch("/{asset_id}", response={200: AssetOut, **ERRORS})
def update_asset(request, asset_id: int, payload: AssetPatch):
    """custom_fields: {set: {...}, unset: [...], set_primary: [...], unset_primary: [...]};
    fields not mentioned stay as they are. A stale `version` is a 409 CONFLICT."""
    changes_, version = split_version(payload)
    file_services = _file_services()
    if "remote_url" in changes_ and file_services is not None:
        asset = file_services.update_asset(request.auth, asset_id, changes_, version=version)
    else:
        if changes_.pop("remote_url", None) is not None:
            raise ValidationFailed.field("remote_url", "asset files are not enabled on this server")
        asset = assets.update_asset(request.auth, asset_id, version=version, **changes_)
    return serializers.asset_data(asset)


@assets_router.delete("/{asset_id}", response={204: None, **ERRORS})
def delete_asset(request, asset_id: int, version: int | None = None):
    assets.delete_asset(request.auth, asset_id, version=version)
    return Status(204, None)


@assets_router.post("/{asset_id}/revert", response={200: AssetOut, **ERRORS})
def revert_asset(request, asset_id: int, payload: AssetRevert):
    """A new change bringing back the title, key and custom fields that change `change_id` left
    the asset with; validated against the type's current fields, 409 when `version` is stale."""
    asset = going_back.revert_asset(request.auth, asset_id, change_id=payload.change_id, version=payload.version)
    return serializers.asset_data(asset)
