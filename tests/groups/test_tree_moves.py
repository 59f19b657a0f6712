"""Moving subtrees: a constant number of statements whatever the subtree's size, and trees that
stay sound and keep their shape through many random moves (within a tree, across trees, to the
top, into an exclusive tree)."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.core.errors import Cycle, Duplicate
from assets.models import ChangeLogEntry
from groups import services
from groups.models import AssetGroup, GroupMembership
from groups.queries import tree_problems
from tests.factories import make_asset

from .conftest import make_group

# Token; the transaction (2); the tree lock (PostgreSQL; SQLite serializes writers); one read of the group, the new parent and its
# root with the rights on them; memberships into their new tree; the nested-set UPDATE; the
# versioned UPDATE of the group; its change-log row; the answer's group and its path.
MOVE_ACROSS_TREES = 10
# Within one tree the memberships keep their root.
MOVE_WITHIN_TREE = 9
# To the top: also the next tree number.
MOVE_TO_TOP = 11


def build(superuser, org, descendants: int):
    """Two trees; the moved depot has `descendants` groups below it (bays, some with a shelf)."""
    north, south = make_group(superuser, org, "North"), make_group(superuser, org, "South")
    berlin = make_group(superuser, org, "Berlin", north)
    depot = make_group(superuser, org, "Depot", north)
    made = 0
    while made < descendants:
        bay = make_group(superuser, org, f"Bay {made}", depot)
        made += 1
        if made < descendants:
            make_group(superuser, org, f"Shelf {made}", bay)
            made += 1
    return {"north": north, "south": south, "berlin": berlin, "depot": depot}


def move_queries(client, group_id: int, parent_id):
    version = AssetGroup.objects.get(pk=group_id).version
    with CaptureQueriesContext(connection) as ctx:
        response = client.patch(f"/groups/{group_id}", {"parent_id": parent_id, "version": version})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("descendants", [3, 60])
def test_a_move_costs_the_same_statements_for_any_subtree(api_for, superuser, manager, org, descendants):
    groups = build(superuser, org, descendants)
    client = api_for(manager)  # manage_org: the permission SQL is in the reads
    client.get("/groups")  # the token's first use also stamps it
    depot = groups["depot"].pk
    lock = 1 if connection.vendor == "postgresql" else 0
    assert move_queries(client, depot, groups["south"].pk) == MOVE_ACROSS_TREES + lock
    assert move_queries(client, depot, groups["north"].pk) == MOVE_ACROSS_TREES + lock
    assert move_queries(client, depot, groups["berlin"].pk) == MOVE_WITHIN_TREE + lock
    assert move_queries(client, depot, None) == MOVE_TO_TOP + lock
    assert tree_problems() == []
    moved = AssetGroup.objects.get(pk=depot)
    assert moved.parent_id is None and moved.level == 0 and moved.get_descendant_count() == descendants


def test_a_move_logs_the_moved_group_only_and_bumps_only_its_version(admin_api, superuser, org):
    groups = build(superuser, org, 4)
    below = {g.pk: g.version for g in groups["depot"].get_descendants()}
    logged = ChangeLogEntry.objects.count()
    response = admin_api.patch(f"/groups/{groups['depot'].pk}", {"parent_id": groups["south"].pk, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["path"] == ["South", "Depot"]
    entries = list(ChangeLogEntry.objects.order_by("pk")[logged:])
    assert [(e.object_id, e.action) for e in entries] == [(groups["depot"].pk, "update")]
    assert entries[0].before["parent_id"] == groups["north"].pk and entries[0].after["parent_id"] == groups["south"].pk
    assert dict(AssetGroup.objects.filter(pk__in=below).values_list("pk", "version")) == below


def test_a_stale_move_writes_nothing(admin_api, superuser, org):
    groups = build(superuser, org, 4)
    before = list(AssetGroup.objects.order_by("pk").values_list("pk", "tree_id", "lft", "rght", "level", "parent_id"))
    response = admin_api.patch(f"/groups/{groups['depot'].pk}", {"parent_id": groups["south"].pk, "version": 7})
    assert response.status_code == 409 and response.json()["code"] == "CONFLICT"
    after = list(AssetGroup.objects.order_by("pk").values_list("pk", "tree_id", "lft", "rght", "level", "parent_id"))
    assert after == before


def test_a_rename_with_a_move_is_one_version(admin_api, superuser, org):
    groups = build(superuser, org, 2)
    response = admin_api.patch(f"/groups/{groups['depot'].pk}",
                               {"parent_id": groups["south"].pk, "title": "Main depot", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["path"] == ["South", "Main depot"]


def shape(org) -> dict[int, tuple]:
    """Each group's parent and the set of its descendants as the nested sets say."""
    rows = list(AssetGroup.objects.filter(organization=org).values_list("pk", "parent_id", "tree_id", "lft", "rght"))
    return {
        pk: (parent_id, frozenset(o for o, _, t, lo, _ in rows if t == tree and lft < lo < rght))
        for pk, parent_id, tree, lft, rght in rows
    }


def expected_shape(parents: dict[int, int | None]) -> dict[int, tuple]:
    def below(pk):
        found = set()
        for child, parent in parents.items():
            if parent == pk:
                found |= {child, *below(child)}
        return found

    return {pk: (parent, frozenset(below(pk))) for pk, parent in parents.items()}


def test_random_moves_keep_every_tree_sound(superuser, org, vehicle_type):
    rng = random.Random(20)
    fleet = make_group(superuser, org, "Fleet", exclusive=True)
    yard = make_group(superuser, org, "Yard")
    nodes = [fleet, yard]
    for n in range(22):
        parent = rng.choice(nodes)
        asset = make_asset(org, vehicle_type, f"Truck {n}")
        nodes.append(make_group(superuser, org, f"G{n}", parent, asset_ids=[asset.pk]))
    # An asset filed twice in the yard: moving both of its groups into the fleet's tree clashes.
    twice = make_asset(org, vehicle_type, "Twice")
    yard_groups = [g for g in nodes if g.tree_id == yard.tree_id and g.pk != yard.pk][:2]
    for group in [yard, *yard_groups]:
        services.add_members(superuser, group.pk, [twice.pk])
    parents = dict(AssetGroup.objects.filter(organization=org).values_list("pk", "parent_id"))
    outcomes = {"moved": 0, "cycle": 0, "clash": 0}
    for _ in range(60):
        node = rng.choice(nodes)
        target = None if rng.random() < 0.15 else rng.choice(nodes)
        try:
            services.update_group(superuser, node.pk, parent_id=target.pk if target else None)
        except Cycle:
            outcomes["cycle"] += 1
        except Duplicate:
            outcomes["clash"] += 1
        else:
            parents[node.pk] = target.pk if target else None
            outcomes["moved"] += 1
        assert tree_problems() == []
        assert shape(org) == expected_shape(parents)
    assert outcomes["moved"] > 30 and outcomes["cycle"] > 0
    # Every membership names its group's root and that tree's exclusivity (tree_problems), and
    # no exclusive tree holds an asset twice.
    exclusive = GroupMembership.objects.filter(exclusive=True).values_list("root_id", "asset_id")
    assert len(set(exclusive)) == len(list(exclusive))
