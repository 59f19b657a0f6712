"""Asset types and their custom-field definitions."""

from __future__ import annotations

from ninja import Router, Status

from assets import serializers
from assets.core.api import ERRORS, id_filter, only_params, page_body, split_version
from assets.core.pagination import SortKey, paginate
from assets.schemas import (
    AssetTypeCreate,
    AssetTypeOut,
    AssetTypePage,
    AssetTypePatch,
    FieldDefinitionIn,
    FieldDefinitionPatch,
)
from assets.services import asset_types, organizations

types_router = Router(tags=["asset types"])


def _type_shape(organization):
    return lambda asset_type: serializers.asset_type_data(asset_type, organization)


@types_router.get("", response={200: AssetTypePage, **ERRORS}, exclude_unset=True)
def list_types(
    request, organization_id: int | None = None, code: str | None = None,
    limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    """SYSTEM types, the organization's own and those it inherits from its ancestors, each
    with its `origin` relative to `organization_id`."""
    only_params(request, "organization_id", "code")
    queryset, organization = asset_types.visible_types(request.auth, organization_id)
    if code:
        queryset = queryset.filter(code=code)
    queryset = asset_types.with_definitions(queryset)
    page = paginate(queryset, [SortKey("order"), SortKey("title")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, _type_shape(organization))


@types_router.post("", response={201: AssetTypeOut, **ERRORS})
def create_type(request, payload: AssetTypeCreate):
    data = payload.model_dump()
    asset_type = asset_types.create_type(request.auth, fields=data.pop("custom_field_definitions"), **data)
    return Status(201, serializers.asset_type_data(asset_type, asset_type.organization))


@types_router.get("/{type_id}", response={200: AssetTypeOut, **ERRORS})
def get_type(request, type_id: int, organization_id: int | None = None):
    asset_type = asset_types.get_type(request.auth, type_id)
    if organization_id is None:
        organization = asset_type.organization
    else:
        organization = organizations.get_organization(request.auth, id_filter(organization_id, "organization_id"))
    return serializers.asset_type_data(asset_type, organization)


@types_router.patch("/{type_id}", response={200: AssetTypeOut, **ERRORS})
def update_type(request, type_id: int, payload: AssetTypePatch):
    changes_, version = split_version(payload)
    asset_type = asset_types.update_type(request.auth, type_id, version=version, **changes_)
    return serializers.asset_type_data(asset_type, asset_type.organization)


@types_router.delete("/{type_id}", response={204: None, **ERRORS})
def delete_type(request, type_id: int, version: int | None = None):
    asset_types.delete_type(request.auth, type_id, version=version)
    return Status(204, None)


@types_router.post("/{type_id}/fields", response={201: AssetTypeOut, **ERRORS})
def add_field(request, type_id: int, payload: FieldDefinitionIn, version: int | None = None):
    """The type's `version` may come in the body or as `?version=`."""
    spec = payload.model_dump(exclude_unset=True)
    body_version = spec.pop("version", None)
    version = body_version if body_version is not None else version
    asset_type = asset_types.add_field(request.auth, type_id, spec, version=version)
    return Status(201, serializers.asset_type_data(asset_type, asset_type.organization))


@types_router.patch("/{type_id}/fields/{code}", response={200: AssetTypeOut, **ERRORS})
def update_field(request, type_id: int, code: str, payload: FieldDefinitionPatch):
    spec, version = split_version(payload)
    asset_type = asset_types.update_field(request.auth, type_id, code, spec, version=version)
    return serializers.asset_type_data(asset_type, asset_type.organization)


@types_router.delete("/{type_id}/fields/{code}", response={200: AssetTypeOut, **ERRORS})
def delete_field(request, type_id: int, code: str, version: int | None = None, drop_values: bool = False):
    """409 IN_USE (with `affected_assets`) while assets hold a value, unless `drop_values=true`."""
    asset_type = asset_types.delete_field(request.auth, type_id, code, version=version, drop_values=drop_values)
    return serializers.asset_type_data(asset_type, asset_type.organization)
