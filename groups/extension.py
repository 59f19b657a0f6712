"""What groups add to the asset core (assets.extensions): group-scoped grants on assets and
organizations, the group_id filter of GET /assets, `groups` in the asset shape, and "group" as a
grant target of POST /permissions."""

from __future__ import annotations

from types import MappingProxyType

from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject

from assets.access.grants import GrantTarget
from assets.access.permissions import is_active_user
from assets.core.db.aggregates import JSONRows
from assets.core.errors import DomainError, NotFound
from assets.extensions import AssetExtension

from .models import AssetGroup, AssetGroupTeamObjectPermission, AssetGroupUserObjectPermission, GroupMembership
from .permissions import (
    GRANT_CODENAMES,
    group_asset_condition,
    group_condition,
    group_organization_condition,
    sees_all_groups_of,
    team_group_grants_held,
    user_group_grants_held,
    visible_groups,
)
from .queries import filter_assets_by_group

_UNSET = object()


def visible_memberships(user):
    """Memberships in groups `user` may view: an asset they may view can also be filed in a group
    they may not (another tree, or a subtree their group-scoped grant doesn't reach), and that
    group is never named to them."""
    if not is_active_user(user):
        return GroupMembership.objects.none()
    condition = group_condition(user)
    memberships = GroupMembership.objects.all()
    return memberships if condition is None else memberships.filter(group__in=AssetGroup.objects.filter(condition))


def visible_group_rows(queryset, user):
    """GroupsExtension.prefetch_assets: each asset's groups that `user` may view, as a JSON array
    in the asset's own row, narrowed in SQL as `visible_memberships` narrows them. A prefetch
    cost a page one more query and, on a page of 1,000, more Python than the aggregate's SQL."""
    memberships = (
        visible_memberships(user).filter(asset_id=OuterRef("pk")).order_by().values("asset_id")
        .annotate(rows=JSONRows(JSONObject(id="group_id", title="group__title"))).values("rows")
    )
    return queryset.annotate(visible_group_rows=Subquery(memberships, output_field=JSONField()))


def group_rows(queryset):
    """In place of visible_group_rows for one asset: its groups as a JSON array in its own row. The
    read is compiled once for every user, so `scope_groups` narrows the rows afterwards."""
    memberships = (
        GroupMembership.objects.filter(asset_id=OuterRef("pk")).order_by().values("asset_id")
        .annotate(rows=JSONRows(JSONObject(id="group_id", title="group__title"))).values("rows")
    )
    return queryset.annotate(group_rows=Subquery(memberships, output_field=JSONField()))


def scope_groups(user, asset) -> None:
    """GroupsExtension.scope_asset. Rows annotated by `group_rows` are narrowed here, with one
    query only when the user doesn't see every group of the asset's organization (the permission
    snapshot answers that). `visible_group_rows` were narrowed in SQL; without either,
    the shape reads the memberships lazily for this user."""
    rows = getattr(asset, "group_rows", _UNSET)
    if rows is not _UNSET:
        if rows and not sees_all_groups_of(user, asset.organization_id):
            seen = set(visible_groups(user).filter(pk__in=[row["id"] for row in rows]).values_list("pk", flat=True))
            asset.group_rows = [row for row in rows if row["id"] in seen]
    elif "group_memberships" not in getattr(asset, "_prefetched_objects_cache", {}):
        asset._groups_viewer = user


def groups_of_asset(asset, data: dict) -> None:
    """The groups an asset is filed in that its reader may view (id and title, like its type):
    narrowed for that reader when the asset was read (visible_group_rows, scope_groups)."""
    rows = getattr(asset, "visible_group_rows", _UNSET)
    if rows is _UNSET:
        rows = getattr(asset, "group_rows", _UNSET)
    if rows is _UNSET:
        # Straight from the prefetch cache when it's there: the related manager that
        # `asset.group_memberships` builds on every access cost ~20 us per asset of a page.
        memberships = getattr(asset, "_prefetched_objects_cache", {}).get("group_memberships")
        if memberships is None:
            # Read without the groups for a reader: name none unless we know who reads.
            viewer = getattr(asset, "_groups_viewer", None)
            memberships = () if viewer is None else (
                visible_memberships(viewer).filter(asset_id=asset.pk).select_related("group")
                .order_by("group__title", "group_id")
            )
        data["groups"] = [{"id": m.group_id, "title": m.group.title} for m in memberships]
    elif not rows:
        data["groups"] = []
    else:  # the JSON aggregate keeps no order on SQLite
        data["groups"] = sorted(
            ({"id": row["id"], "title": row["title"]} for row in rows), key=lambda g: (g["title"], g["id"])
        )


def _fetch_group(user, object_id):
    group = AssetGroup.objects.filter(pk=object_id).first()
    if group is None:
        raise NotFound(f"group {object_id} does not exist")
    return group


class GroupsExtension(AssetExtension):
    grant_kinds = MappingProxyType({"group": user_group_grants_held, "team_group": team_group_grants_held})
    list_filters = MappingProxyType({"group_id": filter_assets_by_group})
    filter_options = frozenset({"include_descendants"})

    def asset_condition(self, user, action):
        return group_asset_condition(user, action)

    def organization_condition(self, user):
        return group_organization_condition(user)

    def grant_targets(self):
        return (
            GrantTarget(
                "group", "groups", GRANT_CODENAMES, _fetch_group, lambda group: group.organization_id,
                AssetGroupUserObjectPermission, AssetGroupTeamObjectPermission,
                organization_path="content_object__organization_id",
            ),
        )

    def prefetch_assets(self, queryset, user):
        return visible_group_rows(queryset, user)

    def annotate_asset(self, queryset):
        return group_rows(queryset)

    def scope_asset(self, user, asset):
        scope_groups(user, asset)

    def shape_asset(self, asset, data):
        groups_of_asset(asset, data)

    def snapshot_deleted_many(self, assets, data):
        # Every group, not only those its deleter may view (the prefetch): a restore by someone
        # who may see more brings back more.
        held = {asset.pk: [] for asset in assets}
        ids = list(held)
        for start in range(0, len(ids), 500):
            rows = GroupMembership.objects.filter(asset_id__in=ids[start:start + 500])
            for asset_id, group_id in rows.values_list("asset_id", "group_id"):
                held[asset_id].append(group_id)
        for asset_id, group_ids in held.items():
            data[asset_id]["group_ids"] = sorted(group_ids)

    def restore_asset(self, user, asset, snapshot, note):
        from . import services

        for group_id in snapshot.get("group_ids") or ():
            try:  # add_members is atomic: a refusal rolls back only its own savepoint
                services.add_members(user, group_id, [asset.pk])
            except DomainError as exc:
                note("groups", f"group {group_id}: {exc.detail}")
