"""Moving a subtree of the nested-set trees in one UPDATE, whatever its size.

mptt's `move_to` re-reads both nodes, runs two UPDATEs and saves the whole row (five statements);
here the new lft/rght/tree_id/level of every row of both trees come from one statement with CASE
expressions over the old values (SQL evaluates every SET expression on the row as it was). The
caller holds the tree lock and passes rows read after taking it; the rules (permissions, cycles,
exclusive trees, versions, change log) stay in services.py.

A subtree that changes trees carries its memberships into the new tree (their root and exclusive
flag) in the same statement on PostgreSQL: a data-modifying WITH runs on the statement's one
snapshot, so it names the subtree's groups by their range before the move. SQLite has no
data-modifying WITH; it runs the memberships' UPDATE first, as its own statement."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .models import AssetGroup, GroupMembership


@dataclass(frozen=True)
class Placement:
    """Where the subtree's root lands: its new tree, bounds and level."""

    tree_id: int
    lft: int
    rght: int
    level: int


def move_subtree(node: AssetGroup, parent: AssetGroup | None, *, exclusive: bool, new_tree_id: int | None = None,
                 root_id: int | None = None) -> Placement:
    """Moves `node` with its subtree to the last child of `parent`, or (parent None) to the top
    as tree `new_tree_id`. When it changes trees, sets `exclusive` on the subtree's rows and files
    their memberships under root `root_id` with that flag. The caller refused cycles. Returns
    where the node now stands."""
    left, right, width = node.lft, node.rght, node.rght - node.lft + 1
    table = connection.ops.quote_name(AssetGroup._meta.db_table)
    inside = '"tree_id" = %s AND "lft" BETWEEN %s AND %s'
    inside_params = [node.tree_id, left, right]
    if parent is not None and parent.tree_id == node.tree_id:
        return _within_tree(table, node, parent, width)
    if parent is None:
        target_tree, offset, level_shift = new_tree_id, 1 - left, -node.level
        # Only the old tree closes its gap; the new tree is the subtree alone.
        shifts = [('"tree_id" = %s AND {col} > %s', [node.tree_id, right], -width)]
    else:
        target_tree, offset, level_shift = parent.tree_id, parent.rght - left, parent.level + 1 - node.level
        shifts = [('"tree_id" = %s AND {col} > %s', [node.tree_id, right], -width),
                  ('"tree_id" = %s AND {col} >= %s', [parent.tree_id, parent.rght], width)]
    sets, params = [], []
    for column in ('"lft"', '"rght"'):
        branches = [f"WHEN {inside} THEN {column} + %s"]
        branch_params = [*inside_params, offset]
        for condition, condition_params, shift in shifts:
            branches.append(f"WHEN {condition.format(col=column)} THEN {column} + %s")
            branch_params += [*condition_params, shift]
        sets.append(f"{column} = CASE {' '.join(branches)} ELSE {column} END")
        params += branch_params
    for column, value in (('"level"', f'"level" + {int(level_shift)}'), ('"exclusive"', "%s"), ('"tree_id"', "%s")):
        sets.append(f"{column} = CASE WHEN {inside} THEN {value} ELSE {column} END")
        params += [*inside_params, *([exclusive] if column == '"exclusive"' else []),
                   *([target_tree] if column == '"tree_id"' else [])]
    where = '("tree_id" = %s AND "rght" >= %s)'
    where_params = [node.tree_id, left]
    if parent is not None:
        where += ' OR ("tree_id" = %s AND "rght" >= %s)'
        where_params += [parent.tree_id, parent.rght]
    sql, params = f"UPDATE {table} SET {', '.join(sets)} WHERE {where}", params + where_params
    carry_sql, carry_params = _carry_memberships(table, node, root_id, exclusive)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH carried AS ({carry_sql}) {sql}", carry_params + params)
        else:
            cursor.execute(carry_sql, carry_params)
            cursor.execute(sql, params)
    return Placement(target_tree, left + offset, right + offset, node.level + level_shift)


def _carry_memberships(table: str, node: AssetGroup, root_id: int, exclusive: bool) -> tuple[str, list]:
    memberships = connection.ops.quote_name(GroupMembership._meta.db_table)
    return (
        f'UPDATE {memberships} SET "root_id" = %s, "exclusive" = %s WHERE "group_id" IN '
        f'(SELECT "id" FROM {table} WHERE "tree_id" = %s AND "lft" BETWEEN %s AND %s)',
        [root_id, exclusive, node.tree_id, node.lft, node.rght],
    )


def _within_tree(table: str, node: AssetGroup, parent: AssetGroup, width: int) -> Placement:
    """Inside one tree the subtree [lft, rght] moves to just before the parent's rght (X): the
    values between them make room by the subtree's width, in the opposite direction."""
    left, right, target = node.lft, node.rght, parent.rght
    if target > right:
        offset, low, high, between = target - right - 1, right + 1, target - 1, -width
    else:
        offset, low, high, between = target - left, target, left - 1, width
    level_shift = parent.level + 1 - node.level
    sets, params = [], []
    for column in ('"lft"', '"rght"'):
        sets.append(f"{column} = CASE WHEN {column} BETWEEN %s AND %s THEN {column} + %s "
                    f"WHEN {column} BETWEEN %s AND %s THEN {column} + %s ELSE {column} END")
        params += [left, right, offset, low, high, between]
    sets.append('"level" = CASE WHEN "lft" BETWEEN %s AND %s THEN "level" + %s ELSE "level" END')
    params += [left, right, level_shift]
    low_all, high_all = min(left, low), max(right, high)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET {", ".join(sets)} WHERE "tree_id" = %s AND '
            f'("lft" BETWEEN %s AND %s OR "rght" BETWEEN %s AND %s)',
            params + [node.tree_id, low_all, high_all, low_all, high_all],
        )
    return Placement(node.tree_id, left + offset, right + offset, node.level + level_shift)
