"""Navixy asset links (seed 000) under /compat/navixy/: a Navixy "asset link" is one of our
asset groups, `link_id` its id, `label` its title, `asset_ids` its visible members. Every call
is a POST with a JSON body, as in Navixy's API.

Errors are Navixy's `{"success": false, "status": {"code", "description"}}` with the HTTP
status of the failure. Every rule is the groups services'."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Schema

from assets.core.errors import NotFound, ValidationFailed
from assets.core.inputs import is_id
from assets.models import Asset
from assets.schemas import Strict
from config.dialects import dialect_api
from groups import services
from groups.models import AssetGroup, GroupMembership

# Navixy's status codes for the failures a client can cause.
STATUS_CODES = {
    400: (7, "Invalid parameters"),
    401: (4, "User or API key not found or session ended"),
    403: (11, "Access denied"),
    404: (201, "Not found in the database"),
    409: (247, "Entity already exists"),
    413: (5, "Wrong request format"),
    415: (5, "Wrong request format"),
}


def render(request, status: int, message: str, exc=None) -> JsonResponse:
    code, _ = STATUS_CODES.get(status, (1, "Database error"))
    return JsonResponse({"success": False, "status": {"code": code, "description": message}}, status=status)


api = dialect_api("navixy", "Navixy asset links (compatibility)", render)


class CreateIn(Strict):
    label: str
    asset_ids: list[int]


class MemberIn(Strict):
    link_id: int
    asset_id: int


class LinkIn(Strict):
    link_id: int


class ListIn(Strict):
    pass


class Failure(Schema):
    success: bool
    status: dict


ERRORS = {400: Failure, 401: Failure, 403: Failure, 404: Failure, 409: Failure}
DONE = {"success": True}


def _organization_of(user, asset_ids: list[int]) -> int:
    """The one organization of the assets (Navixy has no organization in the request)."""
    if not asset_ids:
        raise ValidationFailed.field("asset_ids", "must name at least one asset")
    ids = [pk for pk in asset_ids if is_id(pk)]
    organizations = set(Asset.objects.visible_to(user).filter(pk__in=ids).values_list("organization_id", flat=True))
    if len(organizations) > 1:
        raise ValidationFailed.field("asset_ids", "the assets of one asset link must belong to one organization")
    if not organizations:
        raise ValidationFailed.field("asset_ids", f"asset {asset_ids[0]} does not exist")
    return organizations.pop()


def _group(user, link_id: int, action: str = "view") -> AssetGroup:
    try:
        return services.get_group(user, link_id, action)
    except NotFound:
        raise NotFound(f"asset link {link_id} does not exist")


def _as_link(group: AssetGroup, members: list[int]) -> dict:
    return {"id": group.pk, "label": group.title, "asset_ids": members, "created_at": group.created_at.isoformat()}


def _members(user, groups: list[AssetGroup]) -> dict[int, list[int]]:
    """Each group's members the user can see, in one query; hidden ones are never named."""
    members: dict[int, list[int]] = {group.pk: [] for group in groups}
    rows = GroupMembership.objects.filter(
        group_id__in=members, asset__in=Asset.objects.visible_to(user).values("pk")
    ).order_by("group_id", "asset_id").values_list("group_id", "asset_id")
    for group_id, asset_id in rows:
        members[group_id].append(asset_id)
    return members


@api.post("/asset_link/create", response={200: dict, **ERRORS})
def create(request, payload: CreateIn):
    group = services.create_group(
        request.auth, organization_id=_organization_of(request.auth, payload.asset_ids),
        title=payload.label, asset_ids=payload.asset_ids,
    )
    return {"id": group.pk}


@api.post("/asset_link/set", response={200: dict, **ERRORS})
def set_asset(request, payload: MemberIn):
    _group(request.auth, payload.link_id)
    services.add_members(request.auth, payload.link_id, [payload.asset_id])
    return DONE


@api.post("/asset_link/unset", response={200: dict, **ERRORS})
def unset_asset(request, payload: MemberIn):
    _group(request.auth, payload.link_id)
    services.remove_member(request.auth, payload.link_id, payload.asset_id)
    return DONE


@api.post("/asset_link/read", response={200: dict, **ERRORS})
def read(request, payload: LinkIn):
    group = _group(request.auth, payload.link_id)
    return _as_link(group, _members(request.auth, [group])[group.pk])


@api.post("/asset_link/list", response={200: dict, **ERRORS})
def list_links(request, payload: ListIn):
    groups = list(services.list_groups(request.auth).order_by("id"))
    members = _members(request.auth, groups)
    return {"list": [_as_link(group, members[group.pk]) for group in groups]}


@api.post("/asset_link/delete", response={200: dict, **ERRORS})
def delete(request, payload: LinkIn):
    _group(request.auth, payload.link_id)
    services.delete_group(request.auth, payload.link_id)
    return DONE
