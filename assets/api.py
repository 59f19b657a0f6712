"""REST endpoints for organizations, asset types, devices, assets, access and the change log.
Each endpoint parses, calls a service and shapes the answer; the rules live in services/."""

from __future__ import annotations

import json

from django.apps import apps
from django.db import connection
from django.http import HttpResponse
from ninja import Router, Status
from ninja.responses import NinjaJSONEncoder

from assets.access import grants as access
from assets.access import tokens
from assets.core.errors import ValidationFailed
from assets.core.inputs import is_id
from assets.core.pagination import SortKey, paginate

from . import serializers
from .queries import FieldTypeLookup, filter_assets, ordering_for
from .schemas import (
    AssetCreate,
    AssetOut,
    AssetPage,
    AssetPatch,
    AssetTypeCreate,
    AssetTypeOut,
    AssetTypePage,
    AssetTypePatch,
    ChangePage,
    DeviceCreate,
    DeviceOut,
    DevicePage,
    DevicePatch,
    FieldDefinitionIn,
    FieldDefinitionPatch,
    GrantIn,
    GrantOut,
    GrantPage,
    Health,
    MeOut,
    OrganizationCreate,
    OrganizationOut,
    OrganizationPage,
    OrganizationPatch,
    Problem,
    TeamCreate,
    TeamMembers,
    TeamOut,
    TeamPage,
    TokenCreate,
    TokenCreated,
    TokenPage,
    UserCreate,
    UserOut,
    UserPage,
)
from .services import asset_types, assets, changes, devices, organizations

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}
PAGING_PARAMS = ("limit", "cursor", "count")


def page_body(page, shape) -> dict:
    """A list response: `total_count` appears only when it was asked for (`?count=true`);
    list routes use `exclude_unset=True` so that the schema's default doesn't add it back."""
    body = {"items": [shape(item) for item in page.items], "page_info": page.page_info()}
    if page.total_count is not None:
        body["total_count"] = page.total_count
    return body


def prebuilt(body: dict) -> HttpResponse:
    """The asset reads answer with their own dicts, rendered as ninja would: the serializers
    already build the documented shape (tests/assets/test_prebuilt_responses.py pins them
    against the schemas), and pydantic re-validating them cost more than the SQL of a page."""
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8")


def id_filter(value: int | None, name: str) -> int | None:
    """An id query parameter: beyond 64 bits it names nothing, and SQLite can't even bind it."""
    if value is not None and not is_id(value):
        raise ValidationFailed.field(name, "is not an id")
    return value


def only_params(request, *names: str) -> None:
    """A misspelt filter must not silently widen a list: unknown query parameters are a 400."""
    allowed = set(names) | set(PAGING_PARAMS)
    unknown = sorted(name for name in request.GET if name not in allowed)
    if unknown:
        raise ValidationFailed.field(
            unknown[0], f"is not a parameter of this list; use {', '.join(sorted(allowed))}"
        )


def user_data(user) -> dict:
    return {"id": user.pk, "username": user.username, "email": user.email, "is_superuser": user.is_superuser,
            "is_active": user.is_active}


# --- health, me, tokens -------------------------------------------------------------------------
system = Router(tags=["system"])


@system.get("/health", auth=None, response={200: Health, 503: Health})
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Status(200, {"status": "ok", "database": "ok"})
    except Exception:
        return Status(503, {"status": "degraded", "database": "unavailable"})


@system.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    return {"user": user_data(request.auth), "memberships": access.memberships(request.auth)}


auth_router = Router(tags=["auth"])


@auth_router.post("/tokens", auth=None, response={201: TokenCreated, **ERRORS})
def create_token(request, payload: TokenCreate):
    token, raw = tokens.issue_token_for_credentials(
        request, username=payload.username, password=payload.password, expires_at=payload.expires_at, name=payload.name
    )
    return Status(201, {"id": token.pk, "token": raw, "expires_at": token.expires_at})


@auth_router.get("/tokens", response={200: TokenPage, **ERRORS}, exclude_unset=True)
def list_tokens(request, limit: int | None = None, cursor: str | None = None, count: bool = False):
    """The caller's own tokens, newest first (never the token itself: only its prefix)."""
    only_params(request)
    page = paginate(tokens.list_tokens(request.auth), [SortKey("created_at", descending=True)],
                    limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.token_data)


@auth_router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request, token_id: int):
    tokens.revoke_token(request.auth, token_id)
    return Status(204, None)


# --- users, teams, permissions ------------------------------------------------------------------
users_router = Router(tags=["access"])


@users_router.post("", response={201: UserOut, **ERRORS})
def create_user(request, payload: UserCreate):
    return Status(201, user_data(access.create_user(request.auth, **payload.model_dump())))


@users_router.get("", response={200: UserPage, **ERRORS}, exclude_unset=True)
def list_users(request, username: str | None = None, limit: int | None = None, cursor: str | None = None,
               count: bool = False):
    only_params(request, "username")
    queryset = access.list_users(request.auth)
    if username:
        queryset = queryset.filter(username=username)
    page = paginate(queryset, [SortKey("username")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, user_data)


@users_router.get("/{user_id}", response={200: UserOut, **ERRORS})
def get_user(request, user_id: int):
    return user_data(access.get_user(request.auth, user_id))


teams_router = Router(tags=["access"])


def team_data(team) -> dict:
    return {"id": team.pk, "name": team.name, "member_ids": sorted(u.pk for u in team.user_set.all())}


@teams_router.get("", response={200: TeamPage, **ERRORS}, exclude_unset=True)
def list_teams(request, limit: int | None = None, cursor: str | None = None, count: bool = False):
    only_params(request)
    queryset = access.list_teams(request.auth).prefetch_related("user_set")
    page = paginate(queryset, [SortKey("name")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, team_data)


@teams_router.post("", response={201: TeamOut, **ERRORS})
def create_team(request, payload: TeamCreate):
    return Status(201, team_data(access.create_team(request.auth, name=payload.name)))


@teams_router.get("/{team_id}", response={200: TeamOut, **ERRORS})
def get_team(request, team_id: int):
    return team_data(access.get_team(request.auth, team_id))


@teams_router.post("/{team_id}/members", response={200: TeamOut, **ERRORS})
def add_members(request, team_id: int, payload: TeamMembers):
    return team_data(access.add_team_members(request.auth, team_id, payload.user_ids))


@teams_router.delete("/{team_id}/members/{user_id}", response={200: TeamOut, **ERRORS})
def remove_member(request, team_id: int, user_id: int):
    return team_data(access.remove_team_member(request.auth, team_id, user_id))


permissions_router = Router(tags=["access"])


@permissions_router.post("", response={201: GrantOut, **ERRORS})
def grant(request, payload: GrantIn):
    return Status(201, access.grant_permission(request.auth, access.GrantRequest(**payload.model_dump())))


@permissions_router.post("/revoke", response={204: None, **ERRORS})
def revoke(request, payload: GrantIn):
    access.revoke_permission(request.auth, access.GrantRequest(**payload.model_dump()))
    return Status(204, None)


@permissions_router.get("", response={200: GrantPage, **ERRORS}, exclude_unset=True)
def list_grants(request, object_type: str | None = None, object_id: int | None = None, user_id: int | None = None,
                limit: int | None = None, cursor: str | None = None):
    only_params(request, "object_type", "object_id", "user_id")
    if request.GET.get("count"):
        raise ValidationFailed.field("count", "is not available for permissions")
    items, end_cursor = access.list_permissions(
        request.auth, object_type=object_type, object_id=id_filter(object_id, "object_id"),
        user_id=id_filter(user_id, "user_id"), limit=limit, cursor=cursor,
    )
    return {"items": items, "page_info": {"has_next_page": end_cursor is not None, "end_cursor": end_cursor}}


# --- organizations ------------------------------------------------------------------------------
organizations_router = Router(tags=["organizations"])


@organizations_router.get("", response={200: OrganizationPage, **ERRORS}, exclude_unset=True)
def list_organizations(
    request, parent_id: int | None = None, root: bool | None = None, key: str | None = None,
    limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    only_params(request, "parent_id", "root", "key")
    queryset = organizations.visible_organizations(request.auth)
    if parent_id is not None:
        queryset = queryset.filter(parent_id=id_filter(parent_id, "parent_id"))
    if root is not None:
        queryset = queryset.filter(parent__isnull=root)
    if key:
        queryset = queryset.filter(key=key)
    page = paginate(queryset, [SortKey("title")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.organization_data)


@organizations_router.post("", response={201: OrganizationOut, **ERRORS})
def create_organization(request, payload: OrganizationCreate):
    return Status(201, serializers.organization_data(organizations.create_organization(request.auth, **payload.model_dump())))


@organizations_router.get("/{organization_id}", response={200: OrganizationOut, **ERRORS})
def get_organization(request, organization_id: int):
    return serializers.organization_data(organizations.get_organization(request.auth, organization_id))


@organizations_router.patch("/{organization_id}", response={200: OrganizationOut, **ERRORS})
def update_organization(request, organization_id: int, payload: OrganizationPatch):
    changes_ = payload.model_dump(exclude_unset=True)
    version = changes_.pop("version", None)
    organization = organizations.update_organization(request.auth, organization_id, version=version, **changes_)
    return serializers.organization_data(organization)


@organizations_router.delete("/{organization_id}", response={204: None, **ERRORS})
def delete_organization(request, organization_id: int, version: int | None = None):
    organizations.delete_organization(request.auth, organization_id, version=version)
    return Status(204, None)


# --- asset types --------------------------------------------------------------------------------
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
    organization = organizations.get_organization(request.auth, organization_id) if organization_id else asset_type.organization
    return serializers.asset_type_data(asset_type, organization)


@types_router.patch("/{type_id}", response={200: AssetTypeOut, **ERRORS})
def update_type(request, type_id: int, payload: AssetTypePatch):
    changes_ = payload.model_dump(exclude_unset=True)
    version = changes_.pop("version", None)
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
    spec = payload.model_dump(exclude_unset=True)
    version = spec.pop("version", None)
    asset_type = asset_types.update_field(request.auth, type_id, code, spec, version=version)
    return serializers.asset_type_data(asset_type, asset_type.organization)


@types_router.delete("/{type_id}/fields/{code}", response={200: AssetTypeOut, **ERRORS})
def delete_field(request, type_id: int, code: str, version: int | None = None, drop_values: bool = False):
    """409 IN_USE (with `affected_assets`) while assets hold a value, unless `drop_values=true`."""
    asset_type = asset_types.delete_field(request.auth, type_id, code, version=version, drop_values=drop_values)
    return serializers.asset_type_data(asset_type, asset_type.organization)


# --- devices ------------------------------------------------------------------------------------
devices_router = Router(tags=["devices"])


def _devices_queryset(user):
    return devices.with_linked_assets(devices.visible_devices(user), user)


@devices_router.get("", response={200: DevicePage, **ERRORS}, exclude_unset=True)
def list_devices(
    request, organization_id: int | None = None, identifier: str | None = None, linked: bool | None = None,
    limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    """`asset` is the asset the device is linked to when the caller may see it; `linked` tells
    whether it is linked at all."""
    only_params(request, "organization_id", "identifier", "linked")
    queryset = _devices_queryset(request.auth)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=id_filter(organization_id, "organization_id"))
    if identifier:
        queryset = queryset.filter(identifier=identifier)
    if linked is not None:
        queryset = queryset.filter(is_linked=linked)
    page = paginate(queryset, [SortKey("title")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.device_data)


@devices_router.post("", response={201: DeviceOut, **ERRORS})
def create_device(request, payload: DeviceCreate):
    device = devices.create_device(request.auth, **payload.model_dump())
    return Status(201, serializers.device_data(_devices_queryset(request.auth).get(pk=device.pk)))


@devices_router.get("/{device_id}", response={200: DeviceOut, **ERRORS})
def get_device(request, device_id: int):
    devices.get_device(request.auth, device_id)
    return serializers.device_data(_devices_queryset(request.auth).get(pk=device_id))


@devices_router.patch("/{device_id}", response={200: DeviceOut, **ERRORS})
def update_device(request, device_id: int, payload: DevicePatch):
    changes_ = payload.model_dump(exclude_unset=True)
    version = changes_.pop("version", None)
    devices.update_device(request.auth, device_id, version=version, **changes_)
    return serializers.device_data(_devices_queryset(request.auth).get(pk=device_id))


@devices_router.delete("/{device_id}", response={204: None, **ERRORS})
def delete_device(request, device_id: int, version: int | None = None):
    devices.delete_device(request.auth, device_id, version=version)
    return Status(204, None)


# --- assets -------------------------------------------------------------------------------------
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
                count: bool = False, fields: str | None = None):
    """Filters: organization_id, type_id (repeatable), key, title_contains, device_id, group_id
    (+ include_descendants=true), linked_to, and cf_<code>[__<op>]=value with op in ne, lt, lte,
    gt, gte, contains, icontains, in, isnull. Ordering: title, created_at, updated_at or
    cf_<code>, each optionally with a leading '-'. `fields=a,b` limits custom_fields."""
    lookup = FieldTypeLookup(request.GET, ordering, user=request.auth)
    queryset, type_ids = filter_assets(assets.asset_page_queryset(request.auth), request.GET, user=request.auth,
                                       lookup=lookup)
    queryset, keys = ordering_for(queryset, ordering, type_ids, lookup=lookup)
    page = paginate(queryset, keys, limit=limit, cursor=cursor, with_count=count)
    codes = _fields_param(fields)
    return prebuilt(page_body(page, lambda asset: serializers.asset_data(asset, codes)))


@assets_router.post("", response={201: AssetOut, **ERRORS})
def create_asset(request, payload: AssetCreate):
    """`custom_fields` is a plain map {code: value} or the patch form {set, set_primary}."""
    data = payload.model_dump(exclude_unset=True)
    file_services = _file_services()
    if "remote_url" in data and file_services is not None:
        asset = file_services.create_asset(request.auth, data)
    else:
        if data.pop("remote_url", None) is not None:
            raise ValidationFailed.field("remote_url", "asset files are not enabled on this server")
        asset = assets.create_asset(request.auth, **data)
    return Status(201, serializers.asset_data(asset))


@assets_router.get("/{asset_id}", response={200: AssetOut, **ERRORS})
def get_asset(request, asset_id: int, fields: str | None = None):
    asset = assets.read_asset(request.auth, asset_id)
    return prebuilt(serializers.asset_data(asset, _fields_param(fields)))


@assets_router.patch("/{asset_id}", response={200: AssetOut, **ERRORS})
def update_asset(request, asset_id: int, payload: AssetPatch):
    """custom_fields: {set: {...}, unset: [...], set_primary: [...], unset_primary: [...]};
    fields not mentioned stay as they are. A stale `version` is a 409 CONFLICT."""
    changes_ = payload.model_dump(exclude_unset=True)
    version = changes_.pop("version", None)
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


# --- change log ---------------------------------------------------------------------------------
changes_router = Router(tags=["changes"])


@changes_router.get("", response={200: ChangePage, **ERRORS}, exclude_unset=True)
def list_changes(
    request, object_type: str | None = None, object_id: int | None = None, user: str | None = None,
    organization_id: int | None = None, limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    """Newest first; only entries about objects the caller may see."""
    only_params(request, "object_type", "object_id", "user", "organization_id")
    queryset = changes.filter_changes(
        changes.visible_changes(request.auth), object_type=object_type, object_id=object_id, user=user,
        organization_id=organization_id,
    )
    page = paginate(queryset, [SortKey("time", descending=True)], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.change_data)


def register(api) -> None:
    api.add_router("", system)
    api.add_router("/auth", auth_router)
    api.add_router("/users", users_router)
    api.add_router("/teams", teams_router)
    api.add_router("/permissions", permissions_router)
    api.add_router("/organizations", organizations_router)
    api.add_router("/asset-types", types_router)
    api.add_router("/devices", devices_router)
    api.add_router("/assets", assets_router)
    api.add_router("/changes", changes_router)
