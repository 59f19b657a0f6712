"""Who may see and change groups, and which assets group-scoped grants reach, in SQL.

A grant on a group covers the group and its whole subtree: a granted node is an "ancestor or
self" of a node when both share tree_id and the granted node's lft/rght range encloses the
node's lft. Every check here is an EXISTS over the guardian tables joined on that range; no
tree is walked in Python."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from assets.access.permissions import (
    ORG_PERMISSIONS,
    first_grant,
    is_active_user,
    snapshot,
    snapshot_rule,
    within_scope,
)

from .models import AssetGroup, AssetGroupTeamObjectPermission, AssetGroupUserObjectPermission, GroupMembership

GROUP_CODENAMES = {
    "view": ("view_group", "change_group", "view_group_assets", "change_group_assets"),
    "change": ("change_group",),
}
# Group-scoped grants on assets; deleting assets is never granted through a group.
GROUP_ASSET_CODENAMES = {
    "view": ("view_group_assets", "change_group_assets"),
    "change": ("change_group_assets",),
}
ORG_CODENAMES = {"view": ORG_PERMISSIONS, "change": ("manage_org",)}
GLOBAL_PERMS = {
    "view": ("groups.view_group", "groups.change_group"),
    "change": ("groups.change_group", "assets.manage_org"),
}
GRANT_CODENAMES = GROUP_CODENAMES["view"]


def user_group_grants_held(user_ref):
    return first_grant(AssetGroupUserObjectPermission.objects.filter(user=user_ref))


def team_group_grants_held(user_ref):
    return Exists(AssetGroupTeamObjectPermission.objects.filter(group__user=user_ref))


def _grants(user, codenames, **range_refs) -> Q | None:
    """EXISTS over the user's and their teams' grants of `codenames` on groups, correlated with
    the outer query by the lookups in range_refs; None when the user holds no group grants."""
    common = {"permission__content_type__app_label": "groups", "permission__codename__in": codenames, **range_refs}
    snap = snapshot(user)
    condition = None
    # Each queryset built only for a kind the user holds: building them was ~8 % of a list request.
    for kind, grants in (
        ("group", lambda: AssetGroupUserObjectPermission.objects.filter(user_id=user.pk)),
        ("team_group", lambda: AssetGroupTeamObjectPermission.objects.filter(group__user=user.pk)),
    ):
        if snap.holds(kind):
            exists = Q(Exists(grants().filter(**common)))
            condition = exists if condition is None else condition | exists
    return condition


def _covering_grant(user, codenames, prefix: str = "") -> Q | None:
    """A grant on the outer group (named by `prefix`) or on one of its ancestors."""
    return _grants(
        user,
        codenames,
        content_object__tree_id=OuterRef(f"{prefix}tree_id"),
        content_object__lft__lte=OuterRef(f"{prefix}lft"),
        content_object__rght__gte=OuterRef(f"{prefix}lft"),
    )


def group_condition(user, action: str = "view") -> Q | None:
    """WHERE condition over AssetGroup for groups the user may `action` ("view" | "change"), or
    None when every group is allowed. Seeing one's organization through an organization-wide
    grant shows all its groups; changing them takes manage_org; grants on a group reach its
    subtree."""
    if action not in GROUP_CODENAMES:
        raise ValueError(f"unknown action {action}")
    if user.is_superuser:
        return None
    snap = snapshot(user)
    if snap.has_global(*GLOBAL_PERMS[action]):
        return None
    org_ids = snap.organizations_with(ORG_CODENAMES[action])
    condition = Q(organization_id__in=org_ids) if org_ids else Q(pk__in=[])
    covering = _covering_grant(user, GROUP_CODENAMES[action])
    return within_scope(user, condition if covering is None else condition | covering)


def visible_groups(user, action: str = "view"):
    if not is_active_user(user):
        return AssetGroup.objects.none()
    condition = group_condition(user, action)
    queryset = AssetGroup.objects.all()
    return queryset if condition is None else queryset.filter(condition)


@snapshot_rule
def sees_all_groups_of(snap, organization_id: int) -> bool:
    return snap.has_global(*GLOBAL_PERMS["view"]) or organization_id in snap.organizations_with(ORG_CODENAMES["view"])


@snapshot_rule
def can_change_groups_of(snap, organization_id: int) -> bool:
    """Changing the top level of an organization's forest (roots) takes manage_org there."""
    return snap.has_global(*GLOBAL_PERMS["change"]) or "manage_org" in snap.org_perms.get(organization_id, set())


def can_file_assets_in(user, organization_id: int) -> bool:
    """Organization-wide asset editors (change_org_assets) may file assets into any group of
    their organization: the dispatcher who files trucks into depots needn't manage the tree."""
    if not is_active_user(user):
        return False
    snap = snapshot(user)
    return snap.has_global("assets.change_org_assets") or "change_org_assets" in snap.org_perms.get(
        organization_id, set()
    )


def group_asset_condition(user, action: str) -> Q | None:
    """GroupsExtension.asset_condition: assets filed in a group whose subtree root holds
    view_group_assets / change_group_assets for the user."""
    codenames = GROUP_ASSET_CODENAMES.get(action)
    covering = _covering_grant(user, codenames, prefix="group__") if codenames else None
    if covering is None:
        return None
    return Q(Exists(GroupMembership.objects.filter(asset_id=OuterRef("pk")).filter(covering)))


def group_organization_condition(user) -> Q | None:
    """GroupsExtension.organization_condition: any grant on a group shows the group's
    organization."""
    return _grants(user, GRANT_CODENAMES, content_object__organization_id=OuterRef("pk"))
