"""A level of the tree counts the assets of each group's whole subtree (with_counts). The count
reads the (tree_id, lft) index between the group's nested-set bounds; with only a lower bound on
lft, SQLite read the rest of the tree for every row (35 ms for one level of a 10,000-group
region, bench/tree_bench.py). PostgreSQL's plans are asked with sequential scans priced out."""

from __future__ import annotations

import re

from django.db import connection

from groups.models import AssetGroup
from groups.queries import with_counts

from .conftest import make_group


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in cursor.fetchall())


def test_a_levels_subtree_counts_read_only_each_groups_own_range(superuser, org, trucks):
    root = make_group(superuser, org, "Germany")
    north = make_group(superuser, org, "North", root, asset_ids=[trucks[0].pk])
    make_group(superuser, org, "Hamburg", north, asset_ids=[trucks[1].pk, trucks[2].pk])
    make_group(superuser, org, "South", root, asset_ids=[trucks[3].pk])

    level = with_counts(AssetGroup.objects.filter(parent=root).order_by("title"), superuser)
    assert [(group.title, group.subtree_asset_count) for group in level] == [("North", 3), ("South", 1)]

    plan = plan_of(level)
    if connection.vendor == "postgresql":
        # On a table this small PostgreSQL picks mptt's tree_id index whatever the bounds; at scale
        # it takes group_tree_lft (0.6 ms a level in the bench). Here: the bound reaches the plan.
        assert re.search(r"lft <= groups_assetgroup\.rght", plan), plan
    else:
        assert re.search(r"USING (COVERING )?INDEX group_tree_lft \(tree_id=\? AND lft>\? AND lft<\?\)", plan), plan
