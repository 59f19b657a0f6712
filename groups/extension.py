"""What groups add to the asset core (assets.extensions): group-scoped grants on assets and
organizations, the group_id filter of GET /assets, `groups` in the asset shape, and "group" as a
grant target of POST /permissions."""

from __future__ import annotations

from types import MappingProxyType

from django.db.models import JSONField, OuterRef, Prefetch, Subquery
from django.db.models.functions import JSONObject

from assets.access.grants import GrantTarget
from assets.core.db.aggregates import JSONRows
from assets.core.errors import NotFound
from assets.extensions import AssetExtension

from .models import AssetGroup, AssetGroupTeamObjectPermission, AssetGroupUserObjectPermission, GroupMembership
from .permissions import (
    GRANT_CODENAMES,
    group_asset_condition,
    group_organization_condition,
    team_group_grants_held,
    user_group_grants_held,
)
from .queries import filter_assets_by_group

_UNSET = object()


def prefetch_groups(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "group_memberships",
            queryset=GroupMembership.objects.select_related("group").order_by("group__title", "group_id"),
        )
    )


def group_rows(queryset):
    """In place of prefetch_groups for one asset: its groups as a JSON array in its own row."""
    memberships = (
        GroupMembership.objects.filter(asset_id=OuterRef("pk")).order_by().values("asset_id")
        .annotate(rows=JSONRows(JSONObject(id="group_id", title="group__title"))).values("rows")
    )
    return queryset.annotate(group_rows=Subquery(memberships, output_field=JSONField()))


def groups_of_asset(asset, data: dict) -> None:
    """The groups an asset is filed in. Whoever may view the asset sees where it is filed (id and
    title, like its type): the filing is part of the asset, and the hook that shapes it has no
    user to filter with."""
    rows = getattr(asset, "group_rows", _UNSET)
    if rows is _UNSET:
        # Straight from the prefetch cache when it's there: the related manager that
        # `asset.group_memberships` builds on every access cost ~20 us per asset of a page.
        memberships = getattr(asset, "_prefetched_objects_cache", {}).get("group_memberships")
        if memberships is None:
            memberships = asset.group_memberships.all()
        data["groups"] = [{"id": m.group_id, "title": m.group.title} for m in memberships]
    else:  # the JSON aggregate keeps no order on SQLite
        data["groups"] = sorted(
            ({"id": row["id"], "title": row["title"]} for row in rows or ()), key=lambda g: (g["title"], g["id"])
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
            ),
        )

    def prefetch_assets(self, queryset):
        return prefetch_groups(queryset)

    def annotate_asset(self, queryset):
        return group_rows(queryset)

    def shape_asset(self, asset, data):
        groups_of_asset(asset, data)
