"""Expanding a node reads its statements compiled once per shape of the reader's grants
(assets.access.compiled): these hold them to what the ORM querysets they stand for return, for
every kind of grant, and for a second reader of the same shape with other ids (the SQL compiled
for the first must be bound to the second's own organizations and id)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group as Team
from django.contrib.auth.models import Permission
from ninja.responses import NinjaJSONEncoder

from assets.access.compiled import PermissionCompiledQuery
from assets.access.permissions import limit_to_organizations
from assets.core.errors import NotFound
from assets.core.pagination import paginate
from assets.models import Organization
from groups import services
from groups.api import group_data
from groups.models import AssetGroup
from groups.permissions import visible_groups
from groups.queries import (
    GROUP_ORDER,
    attach_paths,
    first_children_page,
    first_children_rows,
    with_children_count,
    with_counts,
)
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .conftest import make_group

FIELDS = ("pk", "title", "code", "description", "parent_id", "organization_id", "level", "lft", "rght", "tree_id",
          "exclusive", "version", "created_at", "children_count", "asset_count")


def shown(groups, subtree: bool) -> list[tuple]:
    fields = (*FIELDS, "subtree_asset_count") if subtree else FIELDS
    return [tuple(getattr(group, name) for name in fields) for group in groups]


def orm_page(user, parent, limit, subtree):
    return paginate(with_counts(visible_groups(user).filter(parent_id=parent.pk), user, subtree=subtree),
                    GROUP_ORDER, limit=limit)


def orm_path(user, group) -> list[str]:
    above = visible_groups(user).filter(tree_id=group.tree_id, lft__lt=group.lft, rght__gt=group.rght)
    return [*above.order_by("lft").values_list("title", flat=True), group.title]


@pytest.fixture
def forest(superuser, org, other_org, vehicle_type):
    """In each organization: Region -> Depot A (two assets), Depot B -> Bay; a third organization
    with the same tree, for readers of the same shape with other ids."""
    third = make_org("third-org")
    trees = {}
    for organization in (org, other_org, third):
        kind = vehicle_type if organization == org else make_type(organization, f"vehicle-{organization.pk}")
        trucks = [make_asset(organization, kind, f"Truck {organization.pk}-{n}") for n in range(2)]
        region = make_group(superuser, organization, "Region")
        depot_a = make_group(superuser, organization, "Depot A", region, asset_ids=[t.pk for t in trucks])
        depot_b = make_group(superuser, organization, "Depot B", region)
        bay = make_group(superuser, organization, "Bay", depot_b, asset_ids=[trucks[0].pk])
        trees[organization.pk] = {"region": region, "a": depot_a, "b": depot_b, "bay": bay, "trucks": trucks}
    return trees


def readers(superuser, org, other_org, forest):
    third = Organization.objects.get(pk=next(pk for pk in forest if pk not in (org.pk, other_org.pk)))
    wide = make_user("wide")
    grant(wide, "view_org_assets", org)
    grant(wide, "manage_org", other_org)
    # The same shape as `wide` (the same grants on organizations of the same order), other ids.
    low, high = sorted((other_org, third), key=lambda organization: organization.pk)
    view_first = org.pk < other_org.pk
    same_shape = make_user("same-shape")
    grant(same_shape, "view_org_assets", low if view_first else high)
    grant(same_shape, "manage_org", high if view_first else low)
    on_group = make_user("on-group")
    grant(on_group, "view_group", forest[org.pk]["b"])
    grant(on_group, "view_asset", forest[org.pk]["trucks"][1])
    in_team = make_user("in-team")
    team = Team.objects.create(name="depot-team")
    grant(team, "view_group_assets", forest[other_org.pk]["region"])
    in_team.groups.add(team)
    model_wide = make_user("model-wide")
    model_wide.user_permissions.add(Permission.objects.get(codename="view_group", content_type__app_label="groups"))
    scoped = make_user("scoped")
    grant(scoped, "view_org_assets", org)
    grant(scoped, "view_org_assets", other_org)
    limit_to_organizations(scoped, [other_org.pk])
    nobody = make_user("nobody")
    return [superuser, wide, same_shape, on_group, in_team, model_wide, scoped, nobody]


@pytest.mark.parametrize("subtree", [False, True])
def test_children_pages_are_what_the_orm_reads(superuser, org, other_org, forest, subtree):
    for user in readers(superuser, org, other_org, forest):
        for tree in forest.values():
            for parent in (tree["region"], tree["b"], tree["bay"]):
                for limit in (1, 50):
                    compiled, orm = first_children_page(user, parent.pk, limit=limit, subtree_counts=subtree), \
                        orm_page(user, parent, limit, subtree)
                    assert shown(compiled.items, subtree) == shown(orm.items, subtree), (user.username, parent.title)
                    assert (compiled.has_next_page, compiled.end_cursor) == (orm.has_next_page, orm.end_cursor)


def test_the_apis_children_rows_are_what_the_orm_reads(superuser, org, other_org, forest):
    for user in readers(superuser, org, other_org, forest):
        for tree in forest.values():
            for parent in (tree["region"], tree["b"], tree["bay"]):
                for limit in (1, 50):
                    rows, orm = first_children_rows(user, parent.pk, limit=limit), orm_page(user, parent, limit, False)
                    assert shown(rows.items, False) == shown(orm.items, False), (user.username, parent.title)
                    assert (rows.has_next_page, rows.end_cursor) == (orm.has_next_page, orm.end_cursor)
                    attach_paths(rows.items, user)
                    attach_paths(orm.items, user)
                    # Byte for byte what the API answers (SQLite's booleans are 0/1 until converted).
                    assert [json.dumps(group_data(row), cls=NinjaJSONEncoder) for row in rows.items] == \
                        [json.dumps(group_data(group), cls=NinjaJSONEncoder) for group in orm.items]


def test_paths_and_the_expanded_node_are_what_the_orm_reads(superuser, org, other_org, forest):
    for user in readers(superuser, org, other_org, forest):
        for tree in forest.values():
            for group in (tree["region"], tree["a"], tree["bay"]):
                copy = AssetGroup.objects.get(pk=group.pk)
                attach_paths([copy], user)
                assert copy.path == orm_path(user, group), user.username
                base = with_children_count(AssetGroup.objects.all())
                try:
                    expected = services.get_group(user, group.pk, queryset=base)
                except NotFound:
                    with pytest.raises(NotFound):
                        services.group_to_expand(user, group.pk)
                    continue
                found = services.group_to_expand(user, group.pk)
                assert (found.pk, found.title, found.children_count) == (
                    expected.pk, expected.title, expected.children_count)


def test_one_compile_serves_readers_of_the_same_shape(superuser, org, other_org, forest):
    wide, same_shape = readers(superuser, org, other_org, forest)[1:3]
    query = PermissionCompiledQuery(lambda user, parent_id: visible_groups(user).filter(parent_id=parent_id),
                                    parent_id=int)
    for user in (wide, same_shape):
        for tree in forest.values():
            expected = sorted(visible_groups(user).filter(parent_id=tree["region"].pk).values_list("pk", flat=True))
            assert sorted(g.pk for g in query.objects(user, parent_id=tree["region"].pk)) == expected
    assert len(query._compiled) == 1
    with pytest.raises(ValueError):
        PermissionCompiledQuery(lambda user, user_id: visible_groups(user), user_id=int)
