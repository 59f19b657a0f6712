"""Who may see and change what, resolved in SQL.

Every read of assets starts from `Asset.objects.visible_to(user, action)`; every write asks
the same question through `asset_scope`. A user's model-wide and organization-wide grants are
loaded once per request (`PermissionSnapshot`, one query); per-object and group-scoped grants
become EXISTS subqueries of the page's own query, so no row is ever checked in Python."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache, wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Exists,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import JSONArray

from assets import extensions
from assets.core.db import CompiledQuery
from assets.core.db.aggregates import JSONRows

ASSET_CODENAMES = {
    "view": ("view_asset", "change_asset", "delete_asset"),
    "change": ("change_asset",),
    "delete": ("delete_asset",),
}
ORG_ASSET_CODENAMES = {
    "view": ("view_org_assets", "change_org_assets", "delete_org_assets"),
    "change": ("change_org_assets",),
    "delete": ("delete_org_assets",),
}
ORG_PERMISSIONS = ("view_org_assets", "change_org_assets", "delete_org_assets", "manage_org")

GRANT_COLUMNS = ("grants_direct", "grants_via_team", "grants_org_direct", "grants_org_via_team")


def first_grant(grants: QuerySet) -> Subquery:
    """For a kind of grants held by the user directly: the id of one of them, or NULL. Ordered
    like the rest of guardian's unique index (holder, permission, object), so PostgreSQL reads
    that index: as EXISTS, with two users holding 100,000 and 1,000 grants, the generic plan
    scanned the table from its start and took 7 ms to reach the second user's first row."""
    return Subquery(grants.order_by("permission_id", "content_object_id").values("pk")[:1])


def _asset_grants_held(user_ref):
    from assets.models import AssetUserObjectPermission

    return first_grant(AssetUserObjectPermission.objects.filter(user=user_ref))


def _team_asset_grants_held(user_ref):
    from assets.models import AssetTeamObjectPermission

    # Through the user's teams: the join starts from auth_user_groups, no ordering needed.
    return Exists(AssetTeamObjectPermission.objects.filter(group__user=user_ref))


@cache
def grant_kinds() -> Mapping[str, Callable]:
    """Whether the user holds any per-object grant of a kind, as flags in the snapshot: name -> a
    function of the user id reference returning an expression that is true (or not NULL) when the
    user holds one. A condition leaves out the subqueries of kinds the user doesn't hold, and most
    users hold few kinds; building and planning the others was most of a list request's time
    besides its page query. The extensions add theirs (AssetExtension.grant_kinds)."""
    core = {"asset": _asset_grants_held, "team_asset": _team_asset_grants_held}
    return extensions.merged("grant kind", [*core.items(), *extensions.grant_kinds().items()])


def snapshot_column_names() -> tuple:
    return GRANT_COLUMNS + tuple(f"holds_{name}" for name in grant_kinds())


def snapshot_columns(user_ref) -> dict:
    """The grants a snapshot holds, as JSON arrays of [organization id or 0 for model-wide,
    permission id], and the kinds of per-object grants held, in the row of a query whose user id
    is `user_ref`: the token lookup reads them with the token, one round trip for both. The grant
    tables are read alone; `permission_name` names their permissions."""
    from assets.models import OrganizationGroupObjectPermission, OrganizationUserObjectPermission

    User = get_user_model()
    # Nested one level deeper than the grants' own subqueries, so it refers one level further out.
    memberships = User.groups.through.objects.filter(user=OuterRef(user_ref)).values("group_id")

    def grants(queryset, obj):
        # A constant in values() groups by nothing: one aggregate over all the user's rows.
        rows = (
            queryset.order_by().values(whole=Value(1))
            .annotate(rows=JSONRows(JSONArray(obj, "permission_id"))).values("rows")
        )
        return Subquery(rows, output_field=JSONField())

    zero = Value(0, output_field=BigIntegerField())
    return {
        "grants_direct": grants(User.user_permissions.through.objects.filter(user=user_ref), zero),
        "grants_via_team": grants(Group.permissions.through.objects.filter(group__in=memberships), zero),
        "grants_org_direct": grants(OrganizationUserObjectPermission.objects.filter(user=user_ref), "content_object_id"),
        "grants_org_via_team": grants(
            OrganizationGroupObjectPermission.objects.filter(group__in=memberships), "content_object_id"
        ),
        **{f"holds_{name}": held(user_ref) for name, held in grant_kinds().items()},
    }


_permission_names: dict[int, tuple[str, str]] = {}


def permission_name(permission_id: int) -> tuple[str, str] | None:
    """(app label, codename) of a permission, None for one that no longer exists. Permissions are
    defined by migrations, not by users: their table is read once per process and again when an
    id is missing from it (one added since), and post_migrate clears it (`forget_permission_names`).
    Joining auth_permission and django_content_type into every request's snapshot instead cost
    PostgreSQL more than the rest of the token's read. The grants are read on every request."""
    global _permission_names
    name = _permission_names.get(permission_id)
    if name is None:
        # Swapped whole, so that another thread never reads a half-filled table.
        _permission_names = {
            pk: (app_label, codename)
            for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
        }
        name = _permission_names.get(permission_id)
    return name


def forget_permission_names(**kwargs) -> None:
    global _permission_names
    _permission_names = {}


_SNAPSHOT = CompiledQuery(
    lambda user_id: get_user_model().objects.filter(pk=user_id)
    .annotate(**snapshot_columns(OuterRef("pk"))).values_list(*snapshot_column_names()),
    user_id=int,
)


class PermissionSnapshot:
    """Model-wide and organization-wide grants of one user, read with a single query (or with
    the token that authenticated the request, see `snapshot_columns`)."""

    def __init__(self, user, columns: dict | None = None):
        self.user = user
        self.global_perms: set[str] = set()
        self.org_perms: dict[int, set[str]] = {}
        if columns is None:
            found = _SNAPSHOT.rows(user_id=user.pk)
            columns = dict(zip(snapshot_column_names(), found[0], strict=True)) if found else {}
        # A kind the row doesn't tell about counts as held: the safe side.
        self.kinds_held = {name for name in grant_kinds() if columns.get(f"holds_{name}", True)}
        for name in GRANT_COLUMNS:
            for obj_id, permission_id in columns.get(name) or ():
                if (found := permission_name(permission_id)) is None:
                    continue  # deleted since the row was read: its grants go with it
                app_label, codename = found
                if obj_id == 0:
                    self.global_perms.add(f"{app_label}.{codename}")
                else:
                    self.org_perms.setdefault(obj_id, set()).add(codename)
        self.scope: frozenset[int] | None = getattr(user, "_organization_scope", None)
        if self.scope is not None:
            self._narrow_to_scope(getattr(user, "_scoped_superuser", False))

    def _narrow_to_scope(self, superuser: bool) -> None:
        """An organization-scoped token: wide grants (superuser status, model-wide permissions)
        become the same grants on each organization of the scope, and grants elsewhere vanish.
        Per-object grants are cut to the scope in SQL (`within_scope`). Model-wide grants with no
        organization-wide equivalent (view_group, view_device, add_asset...) are dropped: a scoped
        token may do less than its user, never more."""
        wide = set(ORG_PERMISSIONS) if superuser else {
            SCOPED_EQUIVALENTS[perm] for perm in self.global_perms if perm in SCOPED_EQUIVALENTS
        }
        self.global_perms = set()
        self.org_perms = {
            org_id: held for org_id in sorted(self.scope) if (held := self.org_perms.get(org_id, set()) | wide)
        }

    def shape(self) -> tuple[tuple, list[int]]:
        """(what the snapshot holds with its organizations renamed to their rank, the
        organization ids by rank): two users whose snapshots have the same shape get the same
        permission conditions but for the ids (assets.access.compiled)."""
        ids = sorted(set(self.org_perms) | set(self.scope or ()))
        per_org = tuple(
            (frozenset(self.org_perms.get(org_id, ())), self.scope is not None and org_id in self.scope)
            for org_id in ids
        )
        return (frozenset(self.global_perms), frozenset(self.kinds_held), self.scope is None, per_org), ids

    def renamed(self, user, ids: dict[int, int]) -> PermissionSnapshot:
        """The same snapshot for `user` with each organization id replaced by ids[id]."""
        copy = PermissionSnapshot.__new__(PermissionSnapshot)
        copy.user = user
        copy.global_perms = set(self.global_perms)
        copy.kinds_held = set(self.kinds_held)
        copy.org_perms = {ids[org_id]: set(held) for org_id, held in self.org_perms.items()}
        copy.scope = None if self.scope is None else frozenset(ids[org_id] for org_id in self.scope)
        return copy

    def holds(self, kind: str) -> bool:
        """Whether the user holds any per-object grant of this kind (see `grant_kinds`)."""
        return kind in self.kinds_held

    def has_global(self, *perms: str) -> bool:
        return any(p in self.global_perms for p in perms)

    def organizations_with(self, codenames) -> list[int]:
        wanted = set(codenames)
        return sorted(org_id for org_id, held in self.org_perms.items() if held & wanted)


# Model-wide grants and the organization-wide grant that allows the same within one organization.
SCOPED_EQUIVALENTS = {
    **{f"assets.{codename}": codename for codename in ORG_PERMISSIONS},
    "assets.view_asset": "view_org_assets",
    "assets.change_asset": "change_org_assets",
    "assets.delete_asset": "delete_org_assets",
}


def limit_to_organizations(user, organization_ids) -> None:
    """Narrows this request's user to some organizations (an organization-scoped token): the
    permission snapshot keeps only grants there, and every per-object condition is cut to them.
    A superuser's status becomes every organization-wide grant in those organizations, so that
    no superuser shortcut in the services reaches beyond them."""
    user._organization_scope = frozenset(organization_ids)
    if user.is_superuser:
        user._scoped_superuser = True
        user.is_superuser = False
    forget(user)


def within_scope(user, condition: Q | None, field: str = "organization_id") -> Q | None:
    """`condition` cut to the organizations of the user's token scope (unchanged without one)."""
    scope = snapshot(user).scope if is_active_user(user) else None
    if scope is None:
        return condition
    limited = Q(**{f"{field}__in": sorted(scope)})
    return limited if condition is None else limited & condition


def snapshot(user) -> PermissionSnapshot:
    cached = getattr(user, "_permission_snapshot", None)
    if cached is None:
        cached = PermissionSnapshot(user)
        user._permission_snapshot = cached
    return cached


def permission_key(user) -> tuple:
    """Everything the SQL permission conditions of `user` are built from (its id and flags, and
    its snapshot, which is read afresh on every request): equal keys build the same SQL, so a
    statement compiled under a key can run again for it without ever answering for revoked
    grants. The conditions, the extensions' included, read nothing else of the user."""
    if not is_active_user(user):
        return (None,)
    if user.is_superuser:
        return (user.pk, True)
    snap = snapshot(user)
    return (
        user.pk, False, frozenset(snap.global_perms), frozenset(snap.kinds_held), snap.scope,
        frozenset((org_id, frozenset(held)) for org_id, held in snap.org_perms.items()),
    )


def attach_snapshot(user, row) -> None:
    """Give the user the snapshot read along with another query: `row` is the instance that
    query annotated with `snapshot_columns`."""
    columns = {name: getattr(row, name) for name in snapshot_column_names()}
    user._permission_snapshot = PermissionSnapshot(user, columns)


def forget(user) -> None:
    """Drop the cached snapshot (after grants change within the same request or test)."""
    if hasattr(user, "_permission_snapshot"):
        del user._permission_snapshot


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _global_allows(snap: PermissionSnapshot, action: str) -> bool:
    return snap.has_global(*(f"assets.{c}" for c in ASSET_CODENAMES[action] + ORG_ASSET_CODENAMES[action]))


def wide_grant_allows(user, organization_id: int, action: str) -> bool:
    """Whether superuser status, a model-wide or an organization-wide grant lets the user `action`
    every asset of the organization: the part of `asset_condition` the snapshot answers without
    a query. False means "ask `asset_access`", not "denied"."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return True
    snap = snapshot(user)
    if _global_allows(snap, action):
        return True
    return not snap.org_perms.get(organization_id, set()).isdisjoint(ORG_ASSET_CODENAMES[action])


def asset_access(user, asset_id: int, *actions: str) -> tuple[bool, ...]:
    """Whether the user may do each of `actions` to one asset, every kind of grant considered:
    one query, none when no grant the user holds could allow any of them."""
    from assets.models import Asset

    if not is_active_user(user):
        return (False,) * len(actions)
    conditions = [asset_condition(user, action) for action in actions]
    if all(condition is NOTHING for condition in conditions):
        return (False,) * len(actions)
    flags = [
        Value(True) if condition is None else Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        for condition in conditions
    ]
    found = Asset.objects.filter(pk=asset_id).order_by().values_list(*flags).first()
    return tuple(bool(flag) for flag in found) if found else (False,) * len(actions)


def allowed_actions(user, asset, actions) -> dict[str, bool]:
    """{action: allowed} for one loaded asset: wide grants from the snapshot, the rest in one
    query (asset_access)."""
    allowed = {action: wide_grant_allows(user, asset.organization_id, action) for action in actions}
    open_ = [action for action, ok in allowed.items() if not ok]
    if open_:
        allowed.update(zip(open_, asset_access(user, asset.pk, *open_), strict=True))
    return allowed


# What asset_condition returns when no grant of the user could allow the action.
NOTHING = Q(pk__in=[])


def asset_condition(user, action: str) -> Q | None:
    """The WHERE condition for assets the user may `action`, or None when every asset is allowed."""
    from assets.models import AssetTeamObjectPermission, AssetUserObjectPermission

    if user.is_superuser:
        return None
    snap = snapshot(user)
    codenames = ASSET_CODENAMES[action]
    org_codenames = ORG_ASSET_CODENAMES[action]
    if _global_allows(snap, action):
        return None
    condition = NOTHING
    org_ids = snap.organizations_with(org_codenames)
    if org_ids:
        condition |= Q(organization_id__in=org_ids)
    if snap.holds("asset"):
        direct = AssetUserObjectPermission.objects.filter(user_id=user.pk, permission__codename__in=codenames)
        if org_ids:
            # Most rows of a page pass on their organization, so the few others are cheaper to
            # probe one by one (an index lookup each) than to hash every object grant first: with
            # 100,000 grants the IN form spent ~100 ms building the set for a page of 100.
            condition |= Q(Exists(direct.filter(content_object_id=OuterRef("pk"))))
        else:
            # Without organization-wide access the page is made of granted rows only; a set built
            # once per query beats probing the grant table for every row the scan passes.
            condition |= Q(pk__in=direct.values("content_object_id"))
    if snap.holds("team_asset"):
        condition |= Q(
            pk__in=AssetTeamObjectPermission.objects.filter(
                group__user=user.pk, permission__codename__in=codenames
            ).values("content_object_id")
        )
    for extra in extensions.asset_conditions(user, action):
        condition |= extra
    return within_scope(user, condition)


def asset_scope(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    if action not in ASSET_CODENAMES:
        raise ValueError(f"unknown action {action}")
    if not is_active_user(user):
        return queryset.none()
    condition = asset_condition(user, action)
    return queryset if condition is None else queryset.filter(condition)


def can_manage_org(user, organization_id: int | None) -> bool:
    """manage_org covers types, devices, groups and members of one organization."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return True
    if organization_id is None:
        return False
    snap = snapshot(user)
    return snap.has_global("assets.manage_org") or "manage_org" in snap.org_perms.get(organization_id, set())


def snapshot_rule(rule: Callable[..., bool]) -> Callable[..., bool]:
    """A yes/no permission rule decided on the user's snapshot, `rule(snap, *args)`: an inactive
    (or anonymous) user may nothing and a superuser everything, before any snapshot is read."""

    @wraps(rule)
    def check(user, *args, **kwargs) -> bool:
        if not is_active_user(user):
            return False
        if user.is_superuser:
            return True
        return rule(snapshot(user), *args, **kwargs)

    return check


@snapshot_rule
def can_create_assets(snap, organization_id: int) -> bool:
    return snap.has_global("assets.add_asset", "assets.change_org_assets") or (
        "change_org_assets" in snap.org_perms.get(organization_id, set())
    )


def organization_scope(queryset: QuerySet, user) -> QuerySet:
    """Organizations a user holds any permission in: an organization-wide grant, or a grant on
    one of its assets (or groups, through the extensions)."""
    from assets.models import AssetTeamObjectPermission, AssetUserObjectPermission

    if not is_active_user(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    snap = snapshot(user)
    if snap.has_global(
        "assets.view_organization", "assets.manage_org", "assets.view_org_assets", "assets.view_asset",
        "assets.change_asset", "assets.delete_asset",
    ):
        return queryset
    condition = Q(pk__in=list(snap.org_perms)) if snap.org_perms else Q(pk__in=[])
    if snap.holds("asset"):
        condition |= Q(Exists(
            AssetUserObjectPermission.objects.filter(user_id=user.pk, content_object__organization_id=OuterRef("pk"))
        ))
    if snap.holds("team_asset"):
        condition |= Q(Exists(
            AssetTeamObjectPermission.objects.filter(group__user=user.pk, content_object__organization_id=OuterRef("pk"))
        ))
    for extra in extensions.organization_conditions(user):
        condition |= extra
    return queryset.filter(within_scope(user, condition, "pk"))
