"""Read paths of groups: counts computed in the page's own query, paths of a whole page in one
more query, nested subtrees from one range scan, the GET /assets group filter, and an integrity
check of the stored trees."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from assets.access.compiled import PermissionCompiledQuery
from assets.access.permissions import asset_condition
from assets.core.errors import ValidationFailed
from assets.core.inputs import id_from_text, require_id, require_user
from assets.core.pagination import Page, SortKey, clean_limit, first_page, first_page_queryset
from assets.field_types import bool_from_text
from assets.models import Asset

from .models import AssetGroup, GroupMembership
from .permissions import group_condition, visible_groups

TREE_DEPTH_DEFAULT = 10
TREE_DEPTH_MAX = 50
TREE_NODE_CAP = 10_000


def _count_of(queryset, group_field: str):
    counted = queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_children_count(queryset):
    return queryset.annotate(children_count=_count_of(AssetGroup.objects.filter(parent_id=OuterRef("pk")), "parent_id"))


def with_counts(queryset, user, *, subtree: bool = True):
    """children_count, asset_count (filed in the group itself) and subtree_asset_count (in it
    or any group below it; `subtree=False` leaves it out where it isn't shown: it reads every
    membership below the group) as correlated subqueries of the same SELECT."""
    return queryset.annotate(**count_expressions(user, subtree=subtree))


def count_expressions(user, *, subtree: bool = True) -> dict:
    """with_counts' correlated subqueries by name, for a read that wants them on some rows only.

    Every descendant of a group the user sees is visible too (grants reach down the tree), so
    children need no filter; members count only when the user may view the asset, so a count
    never reveals assets the user can't see."""
    members = GroupMembership.objects.filter(group_id=OuterRef("pk"))
    condition = asset_condition(user, "view")
    visible = None if condition is None else Asset.objects.filter(condition).values("pk")
    if visible is not None:
        members = members.filter(asset__in=visible)
    counts = {
        "children_count": _count_of(AssetGroup.objects.filter(parent_id=OuterRef("pk")), "parent_id"),
        "asset_count": _count_of(members, "group_id"),
    }
    if subtree:
        # The group and everything below it: its tree, between its nested-set bounds. The upper
        # bound on lft follows from the others (a descendant's lft lies below its rght); stated,
        # it lets the (tree_id, lft) index stop at the subtree's end: without it SQLite read the
        # rest of the tree for every row (35 ms for one level of a 10,000-group tree).
        below = GroupMembership.objects.filter(
            group__tree_id=OuterRef("tree_id"), group__lft__gte=OuterRef("lft"), group__lft__lte=OuterRef("rght"),
            group__rght__lte=OuterRef("rght"),
        )
        if visible is not None:
            below = below.filter(asset__in=visible)
        # Grouped by the tree id all these rows share: one row, an asset filed twice counted once.
        in_subtree = below.order_by().values("group__tree_id").annotate(n=Count("asset_id", distinct=True)).values("n")
        counts["subtree_asset_count"] = Coalesce(Subquery(in_subtree, output_field=IntegerField()), Value(0))
    return counts


# Groups are listed by title everywhere (the API's lists, the tree's levels).
GROUP_ORDER = [SortKey("title")]

# Expanding a node is the tree's hottest read; building and compiling its querysets cost several
# times its SQL (bench/tree_bench.py), so its queries are compiled once per shape of grants.
_CHILDREN_PAGE = PermissionCompiledQuery(
    lambda user, limit, subtree, parent_id: first_page_queryset(
        with_counts(visible_groups(user).filter(parent_id=parent_id), user, subtree=subtree), GROUP_ORDER, limit,
    ),
    parent_id=int,
)


def first_children_page(user, parent_id, *, limit: int | None = None, subtree_counts: bool = True) -> Page:
    """The first page of the groups right below `parent_id` that the user can see, by title, with
    `with_counts`: what paginate() reads of them, in a statement compiled once per shape of grants."""
    require_user(user)
    parent_id = require_id(parent_id, "parent_id")
    limit = clean_limit(limit)
    return first_page(_CHILDREN_PAGE.objects(user, limit, subtree_counts, parent_id=parent_id), GROUP_ORDER, limit)


class ChildRow:
    """A group of an expanded level as the API shows it: the page's row with attribute access,
    not a model instance. Building a level's AssetGroup instances (mptt's __init__, the foreign
    keys' descriptors, Django's converters per row) cost five times the page's SQL on SQLite
    (bench/profile_groups.py); the API only reads the columns back out."""

    COLUMNS = ("id", "organization_id", "title", "code", "description", "parent_id", "level", "tree_id", "lft",
               "rght", "exclusive", "version", "created_at", "children_count", "asset_count")

    def __init__(self, row: tuple):
        self.__dict__.update(zip(self.COLUMNS, row, strict=True))

    @property
    def pk(self) -> int:
        return self.id


# The model's columns first, then the counts: the order Django selects them in, so the compiled
# rows come in COLUMNS order.
_CHILDREN_ROWS = PermissionCompiledQuery(
    lambda user, limit, parent_id: first_page_queryset(
        with_counts(visible_groups(user).filter(parent_id=parent_id), user, subtree=False), GROUP_ORDER, limit,
    ).values_list(*ChildRow.COLUMNS),
    parent_id=int,
)


def first_children_rows(user, parent_id, *, limit: int | None = None) -> Page:
    """first_children_page without the subtree counts, its items ChildRows: the API's expansion."""
    require_user(user)
    parent_id = require_id(parent_id, "parent_id")
    limit = clean_limit(limit)
    return first_page([ChildRow(row) for row in _CHILDREN_ROWS.rows(user, limit, parent_id=parent_id)],
                      GROUP_ORDER, limit)


def _visible_ancestors(user, tree_id, lft, rght):
    ancestors = AssetGroup.objects.filter(tree_id=tree_id, lft__lt=lft, rght__gt=rght)
    condition = group_condition(user, "view")
    return ancestors if condition is None else ancestors.filter(condition)


_ANCESTOR_TITLES = PermissionCompiledQuery(
    lambda user, tree_id, lft, rght: _visible_ancestors(user, tree_id, lft, rght)
    .order_by("tree_id", "lft").values_list("tree_id", "lft", "rght", "title"),
    tree_id=int, lft=int, rght=int,
)


def attach_paths(groups, user) -> None:
    """Sets `path` (titles from the root) on each group with one query for the whole page.
    Ancestors the user can't see are left out, so a subtree grant doesn't reveal the titles
    above it."""
    groups = list(groups)
    if not groups:
        return
    if len({g.parent_id for g in groups}) == 1:
        # Siblings (a level of the tree, the common page): the ancestors of any one of them.
        first = groups[0]
        rows = _ANCESTOR_TITLES.rows(user, tree_id=first.tree_id, lft=first.lft, rght=first.rght)
    else:
        nodes = AssetGroup.objects.filter(pk__in=[g.pk for g in groups])
        # The bounds hold for every ancestor of the page and keep the scan to the few groups
        # above it, instead of probing every group of its trees (a 100,000-group tree took ~100 ms).
        ancestors = AssetGroup.objects.filter(
            tree_id__in={g.tree_id for g in groups},
            level__lt=max(g.level for g in groups),
            lft__lt=max(g.lft for g in groups),
            rght__gt=min(g.rght for g in groups),
        ).filter(
            Exists(nodes.filter(tree_id=OuterRef("tree_id"), lft__gt=OuterRef("lft"), lft__lt=OuterRef("rght")))
        )
        condition = group_condition(user, "view")
        if condition is not None:
            ancestors = ancestors.filter(condition)
        rows = ancestors.order_by("tree_id", "lft").values_list("tree_id", "lft", "rght", "title")
    by_tree: dict[int, list] = defaultdict(list)
    for tree_id, lft, rght, title in rows:
        by_tree[tree_id].append((lft, rght, title))
    for group in groups:
        above = [title for lft, rght, title in by_tree.get(group.tree_id, ()) if lft < group.lft < rght]
        group.path = [*above, group.title]


def subtree(user, node: AssetGroup, depth: int):
    """The node and its descendants down to `depth` levels, nested, children by title. One range
    scan on (tree_id, lft). Returns (node, truncated): truncated when depth or the node cap cut
    the tree."""
    if depth < 0 or depth > TREE_DEPTH_MAX:
        raise ValidationFailed.field("depth", f"must be between 0 and {TREE_DEPTH_MAX}")
    base = AssetGroup.objects.filter(tree_id=node.tree_id, lft__gt=node.lft, lft__lt=node.rght)
    rows = list(
        with_counts(base.filter(level__lte=node.level + depth), user).order_by("lft")[: TREE_NODE_CAP + 1]
    )
    truncated = len(rows) > TREE_NODE_CAP
    rows = rows[:TREE_NODE_CAP]
    by_id = {node.pk: node}
    node.tree_children = []
    for row in rows:
        row.tree_children = []
        # lft order puts every parent before its children, so the parent is always there.
        parent = by_id[row.parent_id]
        row.path = [*node_path(parent), row.title]
        parent.tree_children.append(row)
        by_id[row.pk] = row
    for group in by_id.values():
        group.tree_children.sort(key=lambda g: (g.title, g.pk))
        if group.level == node.level + depth and group.children_count:
            truncated = True
    return node, truncated


def node_path(group) -> list[str]:
    return list(getattr(group, "path", [group.title]))


def parse_bool(raw, name: str) -> bool:
    value = bool_from_text(raw)
    if value is not None:
        return value
    raise ValidationFailed.field(name, "must be true or false")


def _group_ids(values: list[str]) -> list[int]:
    ids = []
    for raw in values:
        for part in raw.split(","):
            value = id_from_text(part)
            if value is None:
                raise ValidationFailed.field("group_id", f"'{part.strip()}' is not a group id")
            ids.append(value)
    return ids


def filed_in(group_ids, *, include_descendants: bool) -> Q:
    """Assets filed in one of the groups (or, with include_descendants, in their subtrees).
    `group_ids` is a list or a subquery of group ids."""
    memberships = GroupMembership.objects.filter(asset_id=OuterRef("pk"))
    if include_descendants:
        enclosing = AssetGroup.objects.filter(
            pk__in=group_ids,
            tree_id=OuterRef("group__tree_id"),
            lft__lte=OuterRef("group__lft"),
            rght__gte=OuterRef("group__lft"),
        )
        memberships = memberships.filter(Exists(enclosing))
    else:
        memberships = memberships.filter(group_id__in=group_ids)
    return Q(Exists(memberships))


def filter_assets_by_group(queryset, values: list[str], params, user=None):
    """GET /assets?group_id=1,2&include_descendants=true (GroupsExtension.list_filters). Groups
    the user can't see filter like unknown ones, so the filter can't tell what is filed in them."""
    getlist = params.getlist if hasattr(params, "getlist") else (lambda k: list(params.get(k, [])))
    flags = getlist("include_descendants")
    include_descendants = parse_bool(flags[-1], "include_descendants") if flags else False
    group_ids = _group_ids(values)
    if user is not None:
        condition = group_condition(user, "view") if user.is_authenticated else Q(pk__in=[])
        if condition is not None:
            group_ids = AssetGroup.objects.filter(condition, pk__in=group_ids).values("pk")
    return queryset.filter(filed_in(group_ids, include_descendants=include_descendants))


# The group filter of the asset list offers at most this many groups (the selected one always stays).
MAX_GROUP_CHOICES = 500


def group_filter_choices(user, organization, selected_id: int | None) -> list[tuple[int, str]]:
    """[(id, indented title)] in tree order for the group filter of the asset list: the groups
    the user can see, of `organization` or (named with theirs) of every organization."""
    queryset = visible_groups(user)
    if organization is not None:
        queryset = queryset.filter(organization_id=organization.pk)
    queryset = queryset.select_related("organization").order_by("organization_id", "tree_id", "lft")
    rows = list(queryset[:MAX_GROUP_CHOICES])
    if selected_id is not None and all(g.pk != selected_id for g in rows):
        rows += list(queryset.filter(pk=selected_id))
    choices = []
    for group in rows:
        label = f"{'— ' * group.level}{group.title}"
        if organization is None:
            label = f"{label} ({group.organization.title})"
        choices.append((group.pk, label))
    return choices


def tree_problems(organization_id: int | None = None) -> list[str]:
    """Everything wrong with the stored trees (empty when they are sound): nested-set bounds,
    parent/level/tree consistency, one root per tree_id, and memberships naming the right
    root. Reads each tree once; for tests and operators, not for request paths."""
    queryset = AssetGroup.objects.all()
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    problems: list[str] = []
    trees: dict[int, list] = defaultdict(list)
    rows = queryset.order_by("tree_id", "lft").values_list(
        "pk", "tree_id", "lft", "rght", "level", "parent_id", "organization_id", "exclusive"
    )
    for row in rows:
        trees[row[1]].append(row)
    root_of: dict[int, tuple] = {}
    for tree_id, nodes in trees.items():
        by_id = {n[0]: n for n in nodes}
        roots = [n for n in nodes if n[5] is None]
        if len(roots) != 1:
            problems.append(f"tree {tree_id} has {len(roots)} roots")
            continue
        root = roots[0]
        if root[2] != 1 or root[3] != 2 * len(nodes):
            problems.append(f"tree {tree_id}: root {root[0]} spans {root[2]}..{root[3]} for {len(nodes)} nodes")
        bounds = sorted(b for n in nodes for b in (n[2], n[3]))
        if bounds != list(range(1, 2 * len(nodes) + 1)):
            problems.append(f"tree {tree_id}: lft/rght values are not 1..{2 * len(nodes)} without gaps")
        for pk, _, lft, rght, level, parent_id, org_id, exclusive in nodes:
            root_of[pk] = root
            if lft >= rght:
                problems.append(f"group {pk}: lft {lft} >= rght {rght}")
            if parent_id is None:
                if level != 0:
                    problems.append(f"root {pk} has level {level}")
                continue
            parent = by_id.get(parent_id)
            if parent is None:
                problems.append(f"group {pk}: parent {parent_id} is not in tree {tree_id}")
                continue
            if not (parent[2] < lft and rght < parent[3]):
                problems.append(f"group {pk} ({lft}..{rght}) is not inside its parent {parent_id} ({parent[2]}..{parent[3]})")
            if level != parent[4] + 1:
                problems.append(f"group {pk}: level {level}, parent's level {parent[4]}")
            if org_id != parent[6]:
                problems.append(f"group {pk} is in another organization than its parent {parent_id}")
            if exclusive != root[7]:
                problems.append(f"group {pk}: exclusive differs from its root {root[0]}")
    memberships = GroupMembership.objects.all()
    if organization_id is not None:
        memberships = memberships.filter(group__organization_id=organization_id)
    for pk, group_id, root_id, exclusive in memberships.values_list("pk", "group_id", "root_id", "exclusive"):
        root = root_of.get(group_id)
        if root is not None and (root[0] != root_id or root[7] != exclusive):
            problems.append(f"membership {pk}: root {root_id}/{exclusive}, expected {root[0]}/{root[7]}")
    return problems
