"""Users, teams (Django auth groups) and object permissions."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Team
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from .. import changelog
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import (
    Asset,
    AssetGroupObjectPermission,
    AssetUserObjectPermission,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from ..permissions import ASSET_CODENAMES, ORG_PERMISSIONS, can_manage_org, forget
from .common import clean_text, require_user, unique_or_duplicate

User = get_user_model()


@dataclass(frozen=True)
class GrantTarget:
    """An object type that permissions can be granted on."""

    object_type: str
    app_label: str
    codenames: tuple
    fetch: object  # callable(user, object_id) -> instance, raising NotFound
    organization_of: object  # callable(instance) -> organization id
    user_table: object
    team_table: object


_targets: dict[str, GrantTarget] = {}


def register_grant_target(target: GrantTarget) -> None:
    _targets[target.object_type] = target


def _fetch_organization(user, object_id):
    organization = Organization.objects.filter(pk=object_id).first()
    if organization is None:
        raise NotFound(f"organization {object_id} does not exist")
    return organization


def _fetch_asset(user, object_id):
    asset = Asset.objects.filter(pk=object_id).first()
    if asset is None:
        raise NotFound(f"asset {object_id} does not exist")
    return asset


register_grant_target(
    GrantTarget(
        "organization", "assets", ORG_PERMISSIONS, _fetch_organization, lambda o: o.pk,
        OrganizationUserObjectPermission, OrganizationGroupObjectPermission,
    )
)
register_grant_target(
    GrantTarget(
        "asset", "assets", ASSET_CODENAMES["view"], _fetch_asset, lambda a: a.organization_id,
        AssetUserObjectPermission, AssetGroupObjectPermission,
    )
)


def grant_targets() -> dict[str, GrantTarget]:
    return dict(_targets)


def _require_superuser(user) -> None:
    require_user(user)
    if not user.is_superuser:
        raise Forbidden("only superusers manage users")


@transaction.atomic
def create_user(actor, *, username, password, email="", is_superuser=False):
    _require_superuser(actor)
    username = clean_text(username, "username", max_length=150)
    if not isinstance(password, str) or not password:
        raise ValidationFailed.field("password", "is required")
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        raise ValidationFailed("password is too weak", errors=[{"field": "password", "message": m} for m in exc.messages])
    if not isinstance(is_superuser, bool):
        raise ValidationFailed.field("is_superuser", "must be true or false")
    email = clean_text(email or "", "email", max_length=254, required=False)
    with unique_or_duplicate(f"user '{username}' exists", "username"):
        user = User.objects.create_user(
            username=username, password=password, email=email, is_superuser=is_superuser, is_staff=is_superuser
        )
    return user


def list_users(actor):
    _require_superuser(actor)
    return User.objects.all()


def get_user(actor, user_id: int):
    require_user(actor)
    if not actor.is_superuser and actor.pk != user_id:
        raise NotFound(f"user {user_id} does not exist")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def _can_manage_teams(actor) -> bool:
    return actor.is_superuser or bool(
        OrganizationUserObjectPermission.objects.filter(user=actor, permission__codename="manage_org").exists()
    )


def list_teams(actor):
    require_user(actor)
    if actor.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(user=actor) | Team.objects.filter(pk__in=[])


@transaction.atomic
def create_team(actor, *, name):
    require_user(actor)
    if not _can_manage_teams(actor):
        raise Forbidden("creating teams needs manage_org on an organization")
    name = clean_text(name, "name", max_length=150)
    with unique_or_duplicate(f"team '{name}' exists", "name"):
        team = Team.objects.create(name=name)
    return team


def get_team(actor, team_id: int):
    require_user(actor)
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (actor.is_superuser or _can_manage_teams(actor) or team.user_set.filter(pk=actor.pk).exists()):
        raise NotFound(f"team {team_id} does not exist")
    return team


@transaction.atomic
def add_team_members(actor, team_id: int, user_ids: list[int]):
    team = get_team(actor, team_id)
    if not _can_manage_teams(actor):
        raise Forbidden("managing teams needs manage_org on an organization")
    users = list(User.objects.filter(pk__in=user_ids))
    missing = sorted(set(user_ids) - {u.pk for u in users})
    if missing:
        raise ValidationFailed.field("user_ids", f"unknown users: {', '.join(map(str, missing))}")
    team.user_set.add(*users)
    return team


@transaction.atomic
def remove_team_member(actor, team_id: int, user_id: int):
    team = get_team(actor, team_id)
    if not _can_manage_teams(actor):
        raise Forbidden("managing teams needs manage_org on an organization")
    team.user_set.remove(user_id)
    return team


@dataclass
class GrantRequest:
    permission: str
    object_type: str
    object_id: int
    user_id: int | None = None
    team_id: int | None = None


def _resolve_grant(actor, request: GrantRequest):
    require_user(actor)
    target = _targets.get(request.object_type)
    if target is None:
        raise ValidationFailed.field("object_type", f"must be one of {', '.join(sorted(_targets))}")
    codename = request.permission.split(".", 1)[-1] if isinstance(request.permission, str) else None
    if codename not in target.codenames:
        raise ValidationFailed.field(
            "permission", f"'{request.permission}' is not a permission on {request.object_type}s; use one of {', '.join(target.codenames)}"
        )
    if (request.user_id is None) == (request.team_id is None):
        raise ValidationFailed("give exactly one of user_id and team_id", errors=[{"field": "user_id", "message": "user_id or team_id"}])
    instance = target.fetch(actor, request.object_id)
    if not can_manage_org(actor, target.organization_of(instance)):
        # Don't reveal objects of organizations the actor doesn't manage.
        raise NotFound(f"{request.object_type} {request.object_id} does not exist")
    if request.user_id is not None:
        holder = User.objects.filter(pk=request.user_id).first()
        if holder is None:
            raise ValidationFailed.field("user_id", f"user {request.user_id} does not exist")
    else:
        holder = Team.objects.filter(pk=request.team_id).first()
        if holder is None:
            raise ValidationFailed.field("team_id", f"team {request.team_id} does not exist")
    return target, f"{target.app_label}.{codename}", instance, holder


@transaction.atomic
def grant_permission(actor, request: GrantRequest) -> dict:
    target, perm, instance, holder = _resolve_grant(actor, request)
    assign_perm(perm, holder, instance)
    if isinstance(holder, User):
        forget(holder)
    changelog.record(
        actor, "create", instance,
        after={"grant": perm, "user_id": request.user_id, "team_id": request.team_id},
        organization_id=target.organization_of(instance),
    )
    return _grant_dict(target.object_type, request.object_id, perm.split(".")[1], request.user_id, request.team_id)


@transaction.atomic
def revoke_permission(actor, request: GrantRequest) -> None:
    target, perm, instance, holder = _resolve_grant(actor, request)
    remove_perm(perm, holder, instance)
    if isinstance(holder, User):
        forget(holder)
    changelog.record(
        actor, "delete", instance,
        before={"grant": perm, "user_id": request.user_id, "team_id": request.team_id},
        organization_id=target.organization_of(instance),
    )


def _grant_dict(object_type, object_id, codename, user_id, team_id) -> dict:
    return {"permission": codename, "object_type": object_type, "object_id": object_id, "user_id": user_id, "team_id": team_id}


def list_permissions(actor, *, object_type=None, object_id=None, user_id=None, limit=1000) -> list[dict]:
    require_user(actor)
    types = [object_type] if object_type else sorted(_targets)
    rows: list[dict] = []
    for name in types:
        target = _targets.get(name)
        if target is None:
            raise ValidationFailed.field("object_type", f"must be one of {', '.join(sorted(_targets))}")
        for table, holder_field in ((target.user_table, "user_id"), (target.team_table, "team_id")):
            qs = table.objects.select_related("permission", "content_object").order_by("pk")
            if object_id is not None:
                qs = qs.filter(content_object_id=object_id)
            if user_id is not None:
                if holder_field == "team_id":
                    qs = qs.filter(group__user=user_id)
                else:
                    qs = qs.filter(user_id=user_id)
            for grant in qs[:limit]:
                if not can_manage_org(actor, target.organization_of(grant.content_object)):
                    continue
                holder_id = grant.user_id if holder_field == "user_id" else grant.group_id
                rows.append(
                    _grant_dict(
                        name, grant.content_object_id, grant.permission.codename,
                        holder_id if holder_field == "user_id" else None,
                        holder_id if holder_field == "team_id" else None,
                    )
                )
    return rows


def memberships(user) -> list[dict]:
    """Organizations the user holds any permission in, with the organization-wide grants."""
    from .organizations import visible_organizations
    from ..permissions import snapshot

    require_user(user)
    snap = snapshot(user)
    rows = []
    for organization in visible_organizations(user).order_by("tree_id", "lft"):
        held = sorted(snap.org_perms.get(organization.pk, set()))
        if user.is_superuser:
            held = list(ORG_PERMISSIONS)
        rows.append({"organization": {"id": organization.pk, "key": organization.key, "title": organization.title}, "permissions": held})
    return rows


def known_permission(codename: str) -> bool:
    return Permission.objects.filter(codename=codename).exists()
