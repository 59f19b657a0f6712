"""Users, teams (Django auth groups) and object permissions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Team
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from guardian.shortcuts import assign_perm, remove_perm

from assets import extensions
from assets.access.permissions import (
    ASSET_CODENAMES,
    ORG_PERMISSIONS,
    can_manage_org,
    forget,
    organization_scope,
    snapshot,
)
from assets.core import changelog
from assets.core.errors import Forbidden, NotFound, ValidationFailed
from assets.core.inputs import clean_text, is_id, require_id, require_user, unique_or_duplicate
from assets.core.pagination import _decode, _encode, clean_limit
from assets.models import (
    Asset,
    AssetTeamObjectPermission,
    AssetUserObjectPermission,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)

User = get_user_model()
TeamMembership = User.groups.through


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
    # Path from a row of user_table/team_table to the organization id, so that listings filter in
    # SQL ("content_object_id" for organizations, "content_object__organization_id" for assets).
    organization_path: str | None = None
    # callable(user, instance) -> bool: may the user see the object? Decides 403 versus 404 for
    # someone who may not manage its grants. None: only managers learn that it exists.
    is_visible: object = None


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


def _organization_visible(user, organization) -> bool:
    return organization_scope(Organization.objects.filter(pk=organization.pk), user).exists()


def _asset_visible(user, asset) -> bool:
    return Asset.objects.visible_to(user).filter(pk=asset.pk).exists()


@cache
def _targets() -> Mapping[str, GrantTarget]:
    """object_type -> GrantTarget: organizations and assets, and what the extensions add
    (AssetExtension.grant_targets)."""
    core = (
        GrantTarget(
            "organization", "assets", ORG_PERMISSIONS, _fetch_organization, lambda o: o.pk,
            OrganizationUserObjectPermission, OrganizationGroupObjectPermission,
            organization_path="content_object_id", is_visible=_organization_visible,
        ),
        GrantTarget(
            "asset", "assets", ASSET_CODENAMES["view"], _fetch_asset, lambda a: a.organization_id,
            AssetUserObjectPermission, AssetTeamObjectPermission,
            organization_path="content_object__organization_id", is_visible=_asset_visible,
        ),
    )
    targets = core + tuple(t for extension in extensions.installed() for t in extension.grant_targets())
    return extensions.merged("grant target", ((target.object_type, target) for target in targets))


def grant_codenames() -> dict[str, tuple]:
    """object_type -> the permission codenames a grant on it may name (the API document states
    them, config/openapi.py)."""
    return {object_type: target.codenames for object_type, target in _targets().items()}


def _require_superuser(user) -> None:
    require_user(user)
    if not user.is_superuser:
        raise Forbidden("only superusers manage users")


@transaction.atomic
def create_user(actor, *, username, password, email="", is_superuser=False):
    _require_superuser(actor)
    username = clean_text(username, "username", max_length=150)
    try:
        User.username_validator(username)
    except DjangoValidationError as exc:
        raise ValidationFailed.field("username", " ".join(exc.messages))
    if not isinstance(password, str) or not password:
        raise ValidationFailed.field("password", "is required")
    email = clean_text(email or "", "email", max_length=254, required=False)
    try:
        # With the would-be user, so that a password like the username or email is refused too.
        validate_password(password, User(username=username, email=email))
    except DjangoValidationError as exc:
        raise ValidationFailed("password is too weak", errors=[{"field": "password", "message": m} for m in exc.messages])
    if not isinstance(is_superuser, bool):
        raise ValidationFailed.field("is_superuser", "must be true or false")
    with unique_or_duplicate(f"user '{username}' exists", "username"):
        user = User.objects.create_user(
            username=username, password=password, email=email, is_superuser=is_superuser, is_staff=is_superuser
        )
    changelog.record(actor, "create", user, object_type="user",
                     after={"username": username, "email": email, "is_superuser": is_superuser})
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


# Teams are Django auth groups, global by nature: joining one hands out every grant it holds or
# will hold, in whichever organization. So only superusers create teams and choose their
# members; an organization's managers grant its permissions to teams (POST /permissions) and see
# the teams that hold grants in organizations they manage, and the ones they belong to, without
# the other members.
def _require_superuser_for_teams(actor) -> None:
    require_user(actor)
    if not actor.is_superuser:
        raise Forbidden("teams are shared by every organization; only superusers create them and change their members")


def list_teams(actor):
    """Every team, with its members, for superusers. Others: the teams they belong to and those
    holding grants in organizations they manage; of the members, only themselves."""
    require_user(actor)
    if actor.is_superuser:
        return Team.objects.all()
    snap = snapshot(actor)
    condition = Q(user=actor)
    if snap.scope is not None:
        # An organization-scoped token: a team belongs to the organizations it holds grants in,
        # so the user's own teams count only when they hold one inside the scope.
        condition &= _holds_grants_in(sorted(snap.scope))
    managed = snap.organizations_with({"manage_org"})  # already cut to the scope
    if managed:
        condition |= _holds_grants_in(managed)
    own_membership = Prefetch("user_set", queryset=User.objects.filter(pk=actor.pk))
    return Team.objects.filter(condition).distinct().prefetch_related(own_membership)


def _holds_grants_in(organization_ids) -> Q:
    """Teams holding any grant on an object of these organizations."""
    condition = Q(pk__in=[])
    for target in _targets().values():
        path = target.organization_path or "content_object__organization_id"
        condition |= Q(pk__in=target.team_table.objects.filter(**{f"{path}__in": organization_ids}).values("group_id"))
    return condition


@transaction.atomic
def create_team(actor, *, name):
    _require_superuser_for_teams(actor)
    name = clean_text(name, "name", max_length=150)
    with unique_or_duplicate(f"team '{name}' exists", "name"):
        team = Team.objects.create(name=name)
    changelog.record(actor, "create", team, object_type="team", after={"name": name})
    return team


def get_team(actor, team_id: int):
    require_user(actor)
    team = list_teams(actor).filter(pk=team_id).first() if is_id(team_id) else None
    if team is None:
        raise NotFound(f"team {team_id} does not exist")
    return team


@transaction.atomic
def add_team_members(actor, team_id: int, user_ids: list[int]):
    _require_superuser_for_teams(actor)
    team = get_team(actor, team_id)
    user_ids = [require_id(u, "user_ids", f"{u!r} is not a user id") for u in user_ids]
    users = list(User.objects.filter(pk__in=user_ids))
    missing = sorted(set(user_ids) - {u.pk for u in users})
    if missing:
        raise ValidationFailed.field("user_ids", f"unknown users: {', '.join(map(str, missing))}")
    before = _members(team)
    team.user_set.add(*users)
    changelog.record(actor, "update", team, object_type="team", before=before, after=_members(team))
    return team


def _members(team) -> dict:
    return {"name": team.name, "member_ids": sorted(team.user_set.values_list("pk", flat=True))}


@transaction.atomic
def remove_team_member(actor, team_id: int, user_id: int):
    _require_superuser_for_teams(actor)
    team = get_team(actor, team_id)
    if not team.user_set.filter(pk=user_id).exists():
        raise NotFound(f"user {user_id} is not a member of team {team.name}")
    before = _members(team)
    team.user_set.remove(user_id)
    changelog.record(actor, "update", team, object_type="team", before=before, after=_members(team))
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
    target = _targets().get(request.object_type)
    if target is None:
        raise ValidationFailed.field("object_type", f"must be one of {', '.join(sorted(_targets()))}")
    codename = request.permission.split(".", 1)[-1] if isinstance(request.permission, str) else None
    if codename not in target.codenames:
        raise ValidationFailed.field(
            "permission", f"'{request.permission}' is not a permission on {request.object_type}s; use one of {', '.join(target.codenames)}"
        )
    if (request.user_id is None) == (request.team_id is None):
        raise ValidationFailed("give exactly one of user_id and team_id", errors=[{"field": "user_id", "message": "user_id or team_id"}])
    instance = target.fetch(actor, request.object_id)
    if not can_manage_org(actor, target.organization_of(instance)):
        if target.is_visible is not None and target.is_visible(actor, instance):
            raise Forbidden(f"granting permissions on this {request.object_type} needs manage_org on its organization")
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
    target, perm = _change_grant(actor, request, assign_perm, "create")
    return _grant_dict(target.object_type, request.object_id, perm.split(".")[1], request.user_id, request.team_id)


@transaction.atomic
def revoke_permission(actor, request: GrantRequest) -> None:
    _change_grant(actor, request, remove_perm, "delete")


def _change_grant(actor, request: GrantRequest, change, action: str) -> tuple[GrantTarget, str]:
    """Assigns or removes (`change`) the permission, drops the holder's cached snapshot and logs it."""
    target, perm, instance, holder = _resolve_grant(actor, request)
    change(perm, holder, instance)
    if isinstance(holder, User):
        forget(holder)
    _record_grant(actor, action, target, instance, perm, request)
    return target, perm


def _record_grant(actor, action: str, target: GrantTarget, instance, perm: str, request: GrantRequest) -> None:
    """Grants are logged as `permission` entries about the object (object_id is the object's
    id), so an asset's own history never shows a grant as if the asset had been created."""
    grant = {
        "permission": perm, "object_type": target.object_type, "object_id": instance.pk,
        "user_id": request.user_id, "team_id": request.team_id,
    }
    holder = f"user {request.user_id}" if request.user_id is not None else f"team {request.team_id}"
    entry = changelog.build_entry(
        actor, action, instance,
        before=grant if action == "delete" else None, after=grant if action == "create" else None,
        organization_id=target.organization_of(instance), object_type="permission",
    )
    entry.object_repr = f"{perm} on {target.object_type} {instance.pk} for {holder}"[:255]
    entry.save()


def _grant_dict(object_type, object_id, codename, user_id, team_id) -> dict:
    return {"permission": codename, "object_type": object_type, "object_id": object_id, "user_id": user_id, "team_id": team_id}


def list_permissions(actor, *, object_type=None, object_id=None, user_id=None, limit=None, cursor=None):
    """Grants the actor may see: all for superusers, those on objects of organizations they
    manage, and their own. Keyset-paged over (grant table, id). Returns (rows, next cursor)."""
    require_user(actor)
    limit = clean_limit(limit)
    if object_type is not None and object_type not in _targets():
        raise ValidationFailed.field("object_type", f"must be one of {', '.join(sorted(_targets()))}")
    tables = [
        (name, holder_kind, table)
        for name in ([object_type] if object_type else sorted(_targets()))
        for holder_kind, table in (("user", _targets()[name].user_table), ("team", _targets()[name].team_table))
    ]
    start_table, after_pk = 0, 0
    if cursor:
        position = _decode(cursor, 2)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in position) or not (
            0 <= position[0] < len(tables) and 0 <= position[1] < 2**63
        ):
            raise ValidationFailed.field("cursor", "is not a valid cursor")
        start_table, after_pk = position
    snap = snapshot(actor)
    manages_all = actor.is_superuser or snap.has_global("assets.manage_org")
    managed = snap.organizations_with({"manage_org"})
    # An organization-scoped token lists grants in its organizations only, the user's own too.
    scope = snap.scope
    rows: list[dict] = []
    positions: list[tuple[int, int]] = []
    for index in range(start_table, len(tables)):
        name, holder_kind, table = tables[index]
        target = _targets()[name]
        qs = table.objects.select_related("permission").order_by("pk")
        if index == start_table and after_pk:
            qs = qs.filter(pk__gt=after_pk)
        if object_id is not None:
            qs = qs.filter(content_object_id=object_id)
        if user_id is not None:
            qs = qs.filter(user_id=user_id) if holder_kind == "user" else qs.filter(group__user=user_id)
        python_check = False
        if not manages_all:
            if holder_kind == "user":
                own = Q(user_id=actor.pk)
            else:
                # EXISTS, not a join through the team's members: that would repeat the row.
                own = Q(Exists(TeamMembership.objects.filter(group_id=OuterRef("group_id"), user_id=actor.pk)))
            if target.organization_path:
                qs = qs.filter(Q(**{f"{target.organization_path}__in": managed}) | own)
            else:
                qs = qs.select_related("content_object")
                python_check = True
        if scope is not None:
            if target.organization_path:
                qs = qs.filter(**{f"{target.organization_path}__in": sorted(scope)})
            else:
                qs = qs.select_related("content_object")
                python_check = True
        for grant in qs.iterator() if python_check else qs[: limit + 1 - len(rows)]:
            if python_check and scope is not None and target.organization_of(grant.content_object) not in scope:
                continue
            if python_check and not manages_all and not can_manage_org(actor, target.organization_of(grant.content_object)):
                owned = grant.user_id == actor.pk if holder_kind == "user" else (
                    actor.groups.filter(pk=grant.group_id).exists()
                )
                if not owned:
                    continue
            holder_id = grant.user_id if holder_kind == "user" else grant.group_id
            rows.append(
                _grant_dict(
                    name, grant.content_object_id, grant.permission.codename,
                    holder_id if holder_kind == "user" else None,
                    holder_id if holder_kind == "team" else None,
                )
            )
            positions.append((index, grant.pk))
            if len(rows) > limit:
                break
        if len(rows) > limit:
            break
    has_next = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode(list(positions[limit - 1])) if has_next else None)


def memberships(user) -> list[dict]:
    """Organizations the user holds any permission in, with the organization-wide grants."""
    from assets.access.permissions import snapshot
    from assets.services.organizations import visible_organizations

    require_user(user)
    snap = snapshot(user)
    rows = []
    for organization in visible_organizations(user).order_by("tree_id", "lft"):
        held = sorted(snap.org_perms.get(organization.pk, set()))
        if user.is_superuser:
            held = list(ORG_PERMISSIONS)
        rows.append({"organization": {"id": organization.pk, "key": organization.key, "title": organization.title}, "permissions": held})
    return rows

