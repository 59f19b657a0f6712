"""Users, teams and permission grants."""

from __future__ import annotations

from ninja import Router, Status

from assets.access import grants as access
from assets.core.api import ERRORS, id_filter, only_params, page_body
from assets.core.errors import ValidationFailed
from assets.core.pagination import SortKey, paginate
from assets.schemas import (
    GrantIn,
    GrantOut,
    GrantPage,
    TeamCreate,
    TeamMembers,
    TeamOut,
    TeamPage,
    UserCreate,
    UserOut,
    UserPage,
)


def user_data(user) -> dict:
    return {"id": user.pk, "username": user.username, "email": user.email, "is_superuser": user.is_superuser,
            "is_active": user.is_active}


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
