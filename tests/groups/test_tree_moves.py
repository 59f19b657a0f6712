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
from tests.factories import grant, make_asset, make_user

from .conftest import make_group

# Token; the transaction (BEGIN, COMMIT); the tree lock (PostgreSQL; SQLite serializes writers);
# one read of the group with its counts, the new parent and the groups above it with the rights
# on them (and, to the top, the highest tree number); the nested-set UPDATE, which on PostgreSQL
# also carries the memberships into their new tree (SQLite: a statement of its own); the
# versioned UPDATE of the group, which returns its asset count as seen from its new place; its
# change-log row. The answer is built from these: no read after the commit.
MOVE_LIMIT = 8


def expected_move_queries(*, across_trees: bool) -> int:
    if connection.vendor == "postgresql":
        return 8
    # No lock statement; the memberships' UPDATE only when the subtree changes trees.
    return 8 if across_trees else 7


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


def move_queries(client, group_id: int, parent_id, path: list[str]):
    """The statements of one move; the answer must show the group at its new place."""
    version = AssetGroup.objects.get(pk=group_id).version
    with CaptureQueriesContext(connection) as ctx:
        response = client.patch(f"/groups/{group_id}", {"parent_id": parent_id, "version": version})
    assert response.status_code == 200, response.content
    statements = len(ctx.captured_queries)  # before the next request clears Django's query log
    body = response.json()
    assert (body["parent_id"], body["path"], body["version"]) == (parent_id, path, version + 1)
    assert body == client.get(f"/groups/{group_id}").json()
    return statements


@pytest.mark.parametrize("descendants", [3, 60])
def test_a_move_costs_the_same_statements_for_any_subtree(api_for, superuser, manager, org, descendants):
    groups = build(superuser, org, descendants)
    client = api_for(manager)  # manage_org: the permission SQL is in the reads
    client.get("/groups")  # the token's first use also stamps it
    depot = groups["depot"].pk
    across, within = expected_move_queries(across_trees=True), expected_move_queries(across_trees=False)
    assert max(across, within) <= MOVE_LIMIT
    assert move_queries(client, depot, groups["south"].pk, ["South", "Depot"]) == across
    assert move_queries(client, depot, groups["north"].pk, ["North", "Depot"]) == across
    assert move_queries(client, depot, groups["berlin"].pk, ["North", "Berlin", "Depot"]) == within
    assert move_queries(client, depot, None, ["Depot"]) == across  # to the top: a new tree
    assert tree_problems() == []
    moved = AssetGroup.objects.get(pk=depot)
    assert moved.parent_id is None and moved.level == 0 and moved.get_descendant_count() == descendants


@pytest.mark.parametrize("descendants", [3, 60])
def test_a_move_into_an_exclusive_tree_costs_the_same_statements(api_for, superuser, manager, org, vehicle_type,
                                                                 descendants):
    """The locked read also tells whether an asset would stand twice in the exclusive tree; only
    a refusal lists them."""
    groups = build(superuser, org, descendants)
    fleet = make_group(superuser, org, "Fleet", exclusive=True)
    truck = make_asset(org, vehicle_type, "Truck")
    services.add_members(superuser, groups["depot"].pk, [truck.pk])
    client = api_for(manager)
    client.get("/groups")
    assert move_queries(client, groups["depot"].pk, fleet.pk, ["Fleet", "Depot"]) == expected_move_queries(
        across_trees=True)
    assert GroupMembership.objects.get(asset=truck).exclusive is True
    # Back out, file the truck in the fleet too: coming back in would put it there twice.
    move_queries(client, groups["depot"].pk, groups["north"].pk, ["North", "Depot"])
    services.add_members(superuser, fleet.pk, [truck.pk])
    response = client.patch(f"/groups/{groups['depot'].pk}", {"parent_id": fleet.pk})
    assert response.status_code == 409, response.content
    assert f"asset(s) {truck.pk} would be in two of its groups" in response.json()["detail"]
    assert AssetGroup.objects.get(pk=groups["depot"].pk).parent_id == groups["north"].pk
    assert tree_problems() == []


def test_a_delegated_move_answers_with_the_counts_and_path_seen_from_the_new_place(api_for, superuser, org,
                                                                                    vehicle_type):
    """Someone who may change two subtrees moves a depot from one to the other: its trucks, seen
    only through a group-asset grant on the new subtree, count in the answer, and the path leaves
    out the root above the grants. The answer needs no read after the commit."""
    groups = build(superuser, org, 4)
    yard = make_group(superuser, org, "Yard", groups["south"])
    trucks = [make_asset(org, vehicle_type, f"Truck {n}") for n in range(3)]
    services.add_members(superuser, groups["depot"].pk, [t.pk for t in trucks])
    mover = make_user("mover")
    for group in (groups["north"], yard):
        grant(mover, "change_group", group)
    grant(mover, "view_group_assets", yard)
    client = api_for(mover)
    client.get("/groups")
    assert client.get(f"/groups/{groups['depot'].pk}").json()["asset_count"] == 0
    statements = move_queries(client, groups["depot"].pk, yard.pk, ["Yard", "Depot"])
    assert statements == expected_move_queries(across_trees=True)
    assert client.get(f"/groups/{groups['depot'].pk}").json()["asset_count"] == 3
    # And back: the trucks are out of sight again, the path starts at the granted North.
    move_queries(client, groups["depot"].pk, groups["north"].pk, ["North", "Depot"])
    assert client.get(f"/groups/{groups['depot'].pk}").json()["asset_count"] == 0


def test_a_move_under_a_hidden_parent_names_nothing(api_for, superuser, org):
    groups = build(superuser, org, 2)
    mover = make_user("mover")
    grant(mover, "change_group", groups["north"])
    client = api_for(mover)
    response = client.patch(f"/groups/{groups['depot'].pk}", {"parent_id": groups["south"].pk})
    assert response.status_code == 400
    assert "South" not in response.content.decode()
    assert AssetGroup.objects.get(pk=groups["depot"].pk).parent_id == groups["north"].pk


def test_a_rename_answers_with_the_groups_counts_and_path(api_for, superuser, org, vehicle_type):
    groups = build(superuser, org, 2)
    services.add_members(superuser, groups["depot"].pk, [make_asset(org, vehicle_type, "Truck").pk])
    client = api_for(superuser)
    response = client.patch(f"/groups/{groups['depot'].pk}", {"title": "Main depot"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["path"], body["children_count"], body["asset_count"]) == (["North", "Main depot"], 1, 1)
    assert body == client.get(f"/groups/{groups['depot'].pk}").json()


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
