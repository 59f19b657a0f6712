"""Read paths over links that need care: an asset's links grouped as parents / children / related /
other with counts of what the user may not see, and the parent/child tree below an asset in one
recursive query.

Unlike VAMS, a walk that is cut (depth or node cap) says so with `tree_truncated`, hidden assets
are counted once, and nothing about them (id, key, title) leaves this module."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q, Value
from django.db.models.expressions import RawSQL

from assets.access.permissions import asset_condition
from assets.core.errors import NotFound, ValidationFailed
from assets.core.inputs import id_from_text, is_id
from assets.core.pagination import SortKey, paginate
from assets.models import Asset
from assets.services.assets import get_asset

from .models import Link, LinkKind

DEFAULT_TREE_DEPTH = 10
MAX_TREE_DEPTH = 50
# At most this many entries in one tree answer (a subtree shown under several parents counts
# each time it is shown); the walk in the database is bounded by twice as many rows.
TREE_NODE_CAP = 10_000
CATEGORIES = ("parents", "children", "related", "other")


def clean_depth(depth) -> int:
    if depth is None:
        return DEFAULT_TREE_DEPTH
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_TREE_DEPTH:
        raise ValidationFailed.field("depth", f"must be between 1 and {MAX_TREE_DEPTH}")
    return depth


def category_of(kind: str, outgoing: bool) -> str:
    if kind == LinkKind.HIERARCHICAL:
        return "children" if outgoing else "parents"
    if kind == LinkKind.PEER:
        return "related"
    return "other"


@dataclass
class AssetLinks:
    """An asset's visible links by category, and per category how many hidden assets sit on the
    other end (each counted once)."""

    asset: Asset
    parents: list = field(default_factory=list)
    children: list = field(default_factory=list)
    related: list = field(default_factory=list)
    other: list = field(default_factory=list)
    unauthorized_counts: dict = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    tree_truncated: bool | None = None

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in CATEGORIES}
        data["unauthorized_counts"] = self.unauthorized_counts
        if self.tree_truncated is not None:
            data["tree_truncated"] = self.tree_truncated
        return data


def _item(*, other_id, other_key, other_title, other_org, link_id, link_type_code, label, outgoing, alias, tags,
          sequence, link_type_id=None) -> dict:
    return {
        "asset_id": other_id,
        "asset_key": other_key,
        "asset_title": other_title,
        "organization_id": other_org,
        "link_id": link_id,
        "link_type": link_type_code,
        "link_type_id": link_type_id,
        "label": label,
        "direction": "outgoing" if outgoing else "incoming",
        "alias": alias,
        "tags": tags,
        "sequence": sequence,
    }


def _sort_key(item: dict):
    return (item["sequence"], item["asset_title"].lower(), item["link_id"])


def direct_links(user, asset: Asset, *, with_children: bool = True) -> AssetLinks:
    """Every link touching the asset in one query of plain columns; the visibility of the far end
    is an EXISTS column of the same query. Without `with_children` the outgoing hierarchical
    links are left to the tree query."""
    result = AssetLinks(asset=asset)
    queryset = Link.objects.filter(Q(source_id=asset.pk) | Q(target_id=asset.pk))
    if not with_children:
        queryset = queryset.exclude(source_id=asset.pk, kind=LinkKind.HIERARCHICAL)
    condition = asset_condition(user, "view")
    if condition is not None:
        visible = Asset.objects.filter(condition)
        queryset = queryset.annotate(
            source_visible=Exists(visible.filter(pk=OuterRef("source_id"))),
            target_visible=Exists(visible.filter(pk=OuterRef("target_id"))),
        )
    else:
        queryset = queryset.annotate(source_visible=Value(True), target_visible=Value(True))
    rows = queryset.values_list(
        "pk", "kind", "source_id", "source_visible", "source__key", "source__title", "source__organization_id",
        "target_id", "target_visible", "target__key", "target__title", "target__organization_id",
        "link_type_id", "link_type__code", "link_type__source_label", "link_type__target_label",
        "alias", "tags", "sequence",
    ).order_by()
    hidden: dict[str, set] = {name: set() for name in CATEGORIES}
    for (link_id, kind, *source, target_id, target_visible, target_key, target_title, target_org,
         type_id, type_code, source_label, target_label, alias, tags, sequence) in rows:
        outgoing = source[0] == asset.pk
        category = category_of(kind, outgoing)
        other_id, visible, other_key, other_title, other_org = (
            (target_id, target_visible, target_key, target_title, target_org) if outgoing else source
        )
        if not visible:
            hidden[category].add(other_id)
            continue
        getattr(result, category).append(_item(
            other_id=other_id, other_key=other_key, other_title=other_title, other_org=other_org,
            link_id=link_id, link_type_code=type_code, link_type_id=type_id,
            label=target_label if outgoing else source_label,
            outgoing=outgoing, alias=alias, tags=tags, sequence=sequence,
        ))
    for name in CATEGORIES:
        getattr(result, name).sort(key=_sort_key)
        result.unauthorized_counts[name] = len(hidden[name])
    return result


def _visibility_sql(user, column: str) -> tuple[str, list]:
    """SQL for "the asset in `column` is visible to the user", compiled from the same permission
    condition as every other read, so the tree can't disagree with the lists. A correlated
    EXISTS probes one asset by primary key per row: cheap for the planner to cost as well (an
    IN over every visible asset is costed so high that PostgreSQL would JIT-compile the query,
    which takes longer than running it)."""
    condition = asset_condition(user, "view")
    if condition is None:
        return "1", []
    probe = Asset.objects.filter(condition).filter(pk=RawSQL(column, ())).order_by().values("pk")
    sql, params = probe.query.sql_with_params()
    return f"CASE WHEN EXISTS ({sql}) THEN 1 ELSE 0 END", list(params)


TREE_SQL = """
WITH RECURSIVE walk(link_id, source_id, target_id, depth, visible) AS (
    SELECT l.id, l.source_id, l.target_id, 1, {visible_anchor}
    FROM links_link l
    WHERE l.source_id = %s AND l.kind = %s
  UNION
    SELECT l.id, l.source_id, l.target_id, w.depth + 1, {visible_step}
    FROM walk w
    JOIN links_link l ON l.source_id = w.target_id AND l.kind = %s
    WHERE w.visible = 1 AND w.depth < %s
)
SELECT w.link_id, w.source_id, w.target_id, w.depth, w.visible,
       l.alias, l.tags, l.sequence, t.id, t.code, t.target_label, a.key, a.title, a.organization_id,
       CASE WHEN w.depth = %s AND w.visible = 1 AND EXISTS (
           SELECT 1 FROM links_link c WHERE c.source_id = w.target_id AND c.kind = %s
       ) THEN 1 ELSE 0 END AS has_more
FROM (SELECT link_id, source_id, target_id, depth, visible FROM walk LIMIT %s) w
JOIN links_link l ON l.id = w.link_id
JOIN links_linktype t ON t.id = l.link_type_id
JOIN assets_asset a ON a.id = w.target_id
"""


@dataclass
class _Edge:
    link_id: int
    target_id: int
    item: dict


def _tags(value) -> list:
    # Raw cursors return the JSON text (Django registers no jsonb loader); most links carry none.
    if value in ("[]", b"[]", None):
        return []
    return json.loads(value) if isinstance(value, str | bytes) else value


def child_tree(user, root_id: int, depth: int) -> tuple[list, int, bool]:
    """(children items nested with `children`, distinct hidden assets met, truncated?).

    ONE recursive query walks every hierarchical link below the root, breadth first, stopping at
    assets the user can't see (they are counted, never shown) and at `depth`. Then each node's
    children list is built once per depth it is shown at and shared by every parent that leads
    to it."""
    hierarchical = LinkKind.HIERARCHICAL.value
    visible_anchor, anchor_params = _visibility_sql(user, "l.target_id")
    visible_step, step_params = _visibility_sql(user, "l.target_id")
    sql = TREE_SQL.format(visible_anchor=visible_anchor, visible_step=visible_step)
    row_cap = 2 * TREE_NODE_CAP + 1
    params = [*anchor_params, root_id, hierarchical, *step_params, hierarchical, depth, depth, hierarchical, row_cap]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    truncated = len(rows) >= row_cap
    adjacency: dict[int, dict[int, _Edge]] = {}
    hidden: set[int] = set()
    has_more: set[int] = set()
    for (link_id, source_id, target_id, _depth, visible, alias, tags, sequence, type_id, type_code, target_label,
         key, title, organization_id, more) in rows:
        if not visible:
            hidden.add(target_id)
            continue
        if more:
            has_more.add(target_id)
        edges = adjacency.setdefault(source_id, {})
        if link_id not in edges:
            edges[link_id] = _Edge(link_id, target_id, _item(
                other_id=target_id, other_key=key, other_title=title, other_org=organization_id, link_id=link_id,
                link_type_code=type_code, link_type_id=type_id, label=target_label, outgoing=True, alias=alias,
                tags=_tags(tags), sequence=sequence,
            ))
    ordered = {
        node: sorted(edges.values(), key=lambda edge: _sort_key(edge.item)) for node, edges in adjacency.items()
    }
    memo: dict[tuple[int, int], tuple[list, int]] = {}
    shown = 0

    def children_of(node_id: int, node_depth: int) -> list:
        nonlocal shown, truncated
        cached = memo.get((node_id, node_depth))
        if cached is not None and shown + cached[1] <= TREE_NODE_CAP:
            shown += cached[1]
            return cached[0]
        start = shown
        items = []
        for edge in ordered.get(node_id, ()):
            if shown >= TREE_NODE_CAP:
                truncated = True
                break
            shown += 1
            item = dict(edge.item)
            if node_depth + 1 < depth:
                item["children"] = children_of(edge.target_id, node_depth + 1)
            else:
                item["children"] = []
                if edge.target_id in ordered or edge.target_id in has_more:
                    truncated = True
            items.append(item)
        memo[(node_id, node_depth)] = (items, shown - start)
        return items

    return children_of(root_id, 0), len(hidden), truncated


def asset_links(user, asset_id: int, *, tree: bool = False, depth=None) -> AssetLinks:
    """GET /assets/{id}/links: the asset must be visible (404 otherwise). With `tree`, children
    nest down to `depth` levels."""
    # Checked with or without the tree, so that one depth is valid or not whatever else is asked.
    depth = clean_depth(depth) if tree else (clean_depth(depth) and None)
    if not is_id(asset_id):
        raise NotFound(f"asset {asset_id} does not exist")
    asset = get_asset(user, asset_id, queryset=Asset.objects.all())
    result = direct_links(user, asset, with_children=not tree)
    if tree:
        result.children, result.unauthorized_counts["children"], result.tree_truncated = child_tree(
            user, asset.pk, depth
        )
    return result


CHILD_PAGE_SIZE = 100


def child_page(user, asset: Asset, *, cursor: str | None = None, limit: int | None = None):
    """One level of the hierarchy page, keyset-paged: (page of the visible child links with a
    `has_children` flag computed in the same query, hidden children count). The hidden count is
    only needed with the first page."""
    condition = asset_condition(user, "view")
    links = Link.objects.filter(source_id=asset.pk, kind=LinkKind.HIERARCHICAL)
    hidden = 0
    if condition is not None:
        target_visible = Exists(Asset.objects.filter(condition).filter(pk=OuterRef("target_id")))
        if cursor is None:
            hidden = links.exclude(target_visible).values("target_id").distinct().count()
        links = links.filter(target_visible)
    links = links.select_related("link_type", "target").annotate(
        target_title=F("target__title"),
        has_children=Exists(Link.objects.filter(source_id=OuterRef("target_id"), kind=LinkKind.HIERARCHICAL)),
    )
    page = paginate(links, [SortKey("sequence"), SortKey("target_title")], limit=limit or CHILD_PAGE_SIZE,
                    cursor=cursor, with_count=True)
    return page, hidden


def with_tag(queryset, tag: str):
    """Links carrying `tag`. jsonb containment on PostgreSQL; SQLite has no JSON containment
    operator, so it looks inside the array with json_each."""
    if connection.vendor == "postgresql":
        return queryset.filter(tags__contains=[tag])
    in_tags = RawSQL('EXISTS (SELECT 1 FROM json_each("links_link"."tags") AS tag WHERE tag.value = %s)', [tag],
                     output_field=BooleanField())
    return queryset.alias(has_tag=in_tags).filter(has_tag=True)


def filter_links(queryset, *, source_id=None, target_id=None, asset_id=None, link_type=None, tag=None):
    # A link type is named by its code or, in digits, by its id.
    by_id = bool(link_type) and link_type.isdigit()
    link_type_id = id_from_text(link_type) if by_id else None
    ids = [value for value in (source_id, target_id, asset_id) if value is not None]
    if not all(is_id(value) for value in ids) or (by_id and link_type_id is None):
        return queryset.none()
    if source_id is not None:
        queryset = queryset.filter(source_id=source_id)
    if target_id is not None:
        queryset = queryset.filter(target_id=target_id)
    if asset_id is not None:
        queryset = queryset.filter(Q(source_id=asset_id) | Q(target_id=asset_id))
    if link_type:
        queryset = queryset.filter(link_type_id=link_type_id) if by_id else queryset.filter(link_type__code=link_type)
    if tag is not None:
        queryset = with_tag(queryset, tag)
    return queryset
