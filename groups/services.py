"""Groups: every rule, permission check, lock, version bump and change-log entry of a write.

Who may do what (the SQL behind it is in permissions.py; "change on X" means change_group on X
or an ancestor of X, manage_org on the organization, a global groups.change_group, or being a
superuser):
- see a group: any organization-wide grant on its organization, or any group grant on it or an
  ancestor;
- rename it, describe it, create groups under it: change on it;
- the top level of an organization (create a root, move a group to the top, delete a root,
  switch a tree's `exclusive`): manage_org;
- move a group: change on its current parent and on the new one (the top level: manage_org);
- delete a group: change on its parent (roots: manage_org); its subgroups go with it only when
  asked (`cascade`), otherwise 409 IN_USE;
- add or remove assets: change on the group *or* change_org_assets on its organization (a
  dispatcher files trucks into depots without managing the tree), and change permission on each
  asset. Filing decides who reaches an asset through group-scoped grants, so somebody who may
  only view an asset can't pull it under grants they hold. Assets the user can't see are
  reported as unknown, never as someone else's. In an exclusive tree the asset leaves its other
  group of that tree without a check on that group: that is the tree's rule, and the user may
  change the asset anyway.

Tree writes of an organization are serialized by `lock_trees`, and every service re-reads the
nodes it moves after taking the lock, because mptt computes its UPDATEs from the instance's
lft/rght/tree_id."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When

from assets.access.compiled import PermissionCompiledQuery
from assets.access.permissions import asset_condition
from assets.core import changelog
from assets.core.errors import Cycle, Duplicate, Forbidden, InUse, NotFound, ValidationFailed
from assets.core.inputs import clean_slug, clean_text, is_id, require_id, require_user, unique_or_duplicate
from assets.core.versioning import bump_versions, check_version, hold_rows, save_versioned
from assets.models import Asset
from assets.services.organizations import get_organization

from .models import AssetGroup, GroupMembership
from .permissions import (
    can_change_groups_of,
    can_file_assets_in,
    group_condition,
    sees_all_groups_of,
    visible_groups,
)
from .queries import attach_paths, count_expressions, with_children_count, with_counts
from .tree_moves import move_subtree

MAX_ASSET_IDS = 1000
DESCRIPTION_MAX = 10_000
UPDATABLE = {"title", "code", "description", "parent_id", "exclusive"}

# Advisory lock namespaces ("grps", "grpt" in ASCII).
TREE_LOCK = 0x67727073
NEW_TREE_LOCK = 0x67727074


def lock_trees(organization_id: int, *, new_tree: bool = False) -> None:
    """Serialize writes to the group trees of one organization until the transaction ends.

    Keyed on the organization rather than on mptt's tree_id: a group never changes organization
    while its tree_id does change (a subtree moved into another tree), so the key is known
    before anything is read and one lock covers both trees of a move. Making a new tree (a new
    root, a subtree moved to the top) also takes one global lock, always second: mptt numbers a
    new tree MAX(tree_id) + 1 over all organizations."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_trees needs a transaction")
    if connection.vendor != "postgresql":
        # SQLite: transactions begin IMMEDIATE (settings), so writers are serialized already.
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [TREE_LOCK, organization_id % 2**31])
        if new_tree:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::int4, 0)", [NEW_TREE_LOCK])


def lock_trees_of_group(group_id: int, *, new_tree: bool = False) -> None:
    """lock_trees for the organization of group `group_id`, found by the locking statement itself
    (a group's organization never changes). A missing group locks nothing: it is a 404 next."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_trees needs a transaction")
    if connection.vendor != "postgresql":
        return
    # Select-list items run left to right: the organization's lock first, the global one second,
    # the order lock_trees keeps.
    locks = "pg_advisory_xact_lock(%s::int4, (organization_id %% 2147483648)::int4)"
    params = [TREE_LOCK]
    if new_tree:
        locks += ", pg_advisory_xact_lock(%s::int4, 0)"
        params.append(NEW_TREE_LOCK)
    table = connection.ops.quote_name(AssetGroup._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {locks} FROM {table} WHERE id = %s", [*params, group_id])


@dataclass
class MembershipChange:
    group: AssetGroup
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    moved_from: list[dict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


# --- reading ------------------------------------------------------------------------------------
def _allowed_annotation(condition):
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def get_group(user, group_id: int, action: str = "view", *, queryset=None) -> AssetGroup:
    """The group if the user may `action` it: 404 when they can't see it, 403 when they can see
    it but not `action` it. One query either way."""
    require_user(user)
    if not is_id(group_id):
        raise NotFound(f"group {group_id} does not exist")
    base = queryset if queryset is not None else AssetGroup.objects.all()
    condition = group_condition(user, "view")
    if condition is not None:
        base = base.filter(condition)
    allowed = group_condition(user, action) if action != "view" else None
    if allowed is not None:
        base = base.annotate(_allowed=_allowed_annotation(allowed))
    group = base.filter(pk=group_id).first()
    if group is None:
        raise NotFound(f"group {group_id} does not exist")
    if allowed is not None and not group._allowed:
        raise Forbidden(f"you may view group '{group.title}' but not {action} it")
    return group


# The node the tree expands, read on every expansion (compiled: see queries.first_children_page).
_NODE_TO_EXPAND = PermissionCompiledQuery(
    lambda user, group_id: with_children_count(visible_groups(user)).filter(pk=group_id).order_by()[:1],
    group_id=int,
)


def group_to_expand(user, group_id: int) -> AssetGroup:
    """get_group(user, group_id) with children_count: the node whose children the tree shows."""
    require_user(user)
    found = _NODE_TO_EXPAND.objects(user, group_id=group_id) if is_id(group_id) else []
    if not found:
        raise NotFound(f"group {group_id} does not exist")
    return found[0]


def group_detail(user, group_id: int) -> AssetGroup:
    """A group with its counts and path, as the API shows it."""
    group = get_group(user, group_id, queryset=with_counts(AssetGroup.objects.all(), user))
    attach_paths([group], user)
    return group


def list_groups(user, *, organization_id=None, parent_id=None, root=None, subtree_counts: bool = True):
    require_user(user)
    queryset = visible_groups(user)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=require_id(organization_id, "organization_id"))
    if parent_id is not None:
        queryset = queryset.filter(parent_id=require_id(parent_id, "parent_id"))
    if root is not None:
        queryset = queryset.filter(parent__isnull=root)
    return with_counts(queryset, user, subtree=subtree_counts)


def top_groups(user, organization_id: int):
    """The highest groups of an organization the user can see: its roots, or for someone who
    holds grants on subtrees only, the granted groups at the top of them."""
    queryset = list_groups(user, organization_id=organization_id)
    if sees_all_groups_of(user, organization_id):
        return queryset.filter(parent__isnull=True)
    parent_visible = AssetGroup.objects.filter(group_condition(user, "view"), pk=OuterRef("parent_id"))
    return queryset.filter(Q(parent__isnull=True) | ~Exists(parent_visible))


def children_of(user, group: AssetGroup):
    return with_counts(visible_groups(user).filter(parent_id=group.pk), user)


def may(user, group: AssetGroup, action: str) -> bool:
    condition = group_condition(user, action)
    return condition is None or AssetGroup.objects.filter(condition, pk=group.pk).exists()


def _require_change_at(user, organization_id: int, parent: AssetGroup | None, doing: str) -> None:
    """Change permission where the tree is being changed: on `parent`, or for the top level of
    the organization (parent None) manage_org."""
    if parent is None:
        if not can_change_groups_of(user, organization_id):
            raise Forbidden(f"{doing} at the top level needs manage_org on the organization")
    elif not may(user, parent, "change"):
        # The parent may be hidden from the user: never named.
        raise Forbidden(f"{doing} needs change permission on the parent group")


def _visible_parent(user, parent_id, organization_id: int) -> AssetGroup:
    parent = visible_groups(user).filter(pk=require_id(parent_id, "parent_id")).first()
    if parent is None:
        raise ValidationFailed.field("parent_id", f"group {parent_id} does not exist")
    if parent.organization_id != organization_id:
        raise ValidationFailed.field("parent_id", "belongs to another organization; groups stay in their organization")
    return parent


def _fresh(group_id: int, field_name: str | None = None) -> AssetGroup:
    """Re-read after lock_trees: the row as the last committed writer left it."""
    group = AssetGroup.objects.filter(pk=group_id).first()
    if group is None:
        if field_name:
            raise ValidationFailed.field(field_name, f"group {group_id} does not exist")
        raise NotFound(f"group {group_id} does not exist")
    return group


def _root_of(group: AssetGroup) -> AssetGroup:
    if group.parent_id is None:
        return group
    return AssetGroup.objects.get(tree_id=group.tree_id, parent__isnull=True)


def _collect(errors: list, clean, value):
    """clean(value), or None with its errors added to `errors` (to report every bad field)."""
    try:
        return clean(value)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return None


def _clean_title(value) -> str:
    return clean_text(value, "title", max_length=255)


def _clean_code(value) -> str | None:
    if value is None or value == "":
        return None
    return clean_slug(value, "code", max_length=64)


def _duplicate_code(group: AssetGroup):
    return unique_or_duplicate(f"the organization has a group with code '{group.code}'", "code")


def _clean_description(value) -> str:
    return clean_text(value, "description", max_length=DESCRIPTION_MAX, required=False)


def _clean_exclusive(value) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed.field("exclusive", "must be true or false")
    return value


# --- members ------------------------------------------------------------------------------------
def _asset_ids(values, *, allow_empty: bool) -> list[int]:
    if values is None:
        values = []
    if not isinstance(values, list):
        raise ValidationFailed.field("asset_ids", "must be a list of asset ids")
    if not values and not allow_empty:
        raise ValidationFailed.field("asset_ids", "must name at least one asset")
    if len(values) > MAX_ASSET_IDS:
        raise ValidationFailed.field("asset_ids", f"at most {MAX_ASSET_IDS} assets per request")
    return list(dict.fromkeys(require_id(v, "asset_ids") for v in values))


def _check_assets(user, organization_id: int, asset_ids: list[int], must_change) -> None:
    """Every id must be an asset of the organization that the user can see (400 otherwise, the
    same message whether it is missing or hidden); those in `must_change` need change
    permission (403)."""
    if not asset_ids:
        return
    queryset = Asset.objects.visible_to(user).filter(pk__in=asset_ids)
    allowed = asset_condition(user, "change")
    queryset = queryset.annotate(_allowed=Value(True) if allowed is None else _allowed_annotation(allowed))
    found = {pk: (org_id, ok) for pk, org_id, ok in queryset.values_list("pk", "organization_id", "_allowed")}
    errors = []
    for pk in asset_ids:
        if pk not in found:
            errors.append({"field": "asset_ids", "message": f"asset {pk} does not exist"})
        elif found[pk][0] != organization_id:
            errors.append({"field": "asset_ids", "message": f"asset {pk} belongs to another organization"})
    if errors:
        raise ValidationFailed("; ".join(e["message"] for e in errors), errors=errors)
    refused = [pk for pk in asset_ids if pk in must_change and not found[pk][1]]
    if refused:
        raise Forbidden(f"you may view but not change asset(s) {', '.join(map(str, refused))}")


def fileable_group_ids(user, organization_id: int, group_ids) -> set[int]:
    """Which of many groups of one organization the user may add assets to or remove them from:
    all with change_org_assets there (organization-wide asset editors), else those they may change."""
    group_ids = sorted(set(group_ids))
    if can_file_assets_in(user, organization_id):
        return set(group_ids)
    condition = group_condition(user, "change")
    if condition is None:
        return set(group_ids)
    allowed = set()
    for start in range(0, len(group_ids), 5000):
        allowed.update(AssetGroup.objects.filter(condition, pk__in=group_ids[start:start + 5000])
                       .values_list("pk", flat=True))
    return allowed


def may_file(user, group: AssetGroup) -> bool:
    """Whether the user may add assets to or remove them from the group."""
    return group.pk in fileable_group_ids(user, group.organization_id, [group.pk])


def _group_for_filing(user, group_id: int) -> AssetGroup:
    group = get_group(user, group_id)
    if not may_file(user, group):
        raise Forbidden(f"you may view group '{group.title}' but not change its assets")
    return group


def _bump_others(user, groups_and_assets: dict[int, list[int]], *, moved_to: AssetGroup) -> None:
    """Version and log the groups an exclusive tree took assets from."""
    others = list(AssetGroup.objects.filter(pk__in=groups_and_assets))
    bump_versions(AssetGroup.objects.filter(pk__in=groups_and_assets))
    changelog.record_bulk(
        [
            changelog.build_entry(
                user, "update", other,
                after={"removed_asset_ids": groups_and_assets[other.pk], "moved_to_group_id": moved_to.pk},
            )
            for other in others
        ]
    )


def _file(user, group: AssetGroup, asset_ids: list[int]) -> tuple[list[int], list[dict]]:
    """Adds memberships (group fresh, tree locked); in an exclusive tree first takes the assets
    out of the tree's other group. Returns (added ids, moved_from)."""
    present = set(GroupMembership.objects.filter(group=group, asset_id__in=asset_ids).values_list("asset_id", flat=True))
    new_ids = [pk for pk in asset_ids if pk not in present]
    if not new_ids:
        return [], []
    # The assets stay until we commit: one deleted meanwhile is reported like any unknown id,
    # not as a foreign-key error at commit.
    held = hold_rows(Asset, new_ids)
    gone = [pk for pk in new_ids if pk not in held]
    if gone:
        errors = [{"field": "asset_ids", "message": f"asset {pk} does not exist"} for pk in gone]
        raise ValidationFailed("; ".join(e["message"] for e in errors), errors=errors)
    root = _root_of(group)
    moved_from: list[dict] = []
    if group.exclusive:
        elsewhere = list(
            GroupMembership.objects.filter(root=root, exclusive=True, asset_id__in=new_ids)
            .exclude(group=group)
            .values_list("pk", "asset_id", "group_id")
        )
        if elsewhere:
            GroupMembership.objects.filter(pk__in=[pk for pk, _, _ in elsewhere]).delete()
            taken: dict[int, list[int]] = defaultdict(list)
            for _, asset_id, group_id in elsewhere:
                taken[group_id].append(asset_id)
                moved_from.append({"asset_id": asset_id, "group_id": group_id})
            _bump_others(user, taken, moved_to=group)
    # The partial unique index is the real guard; the lock makes this a rare race with writers
    # that bypass the services.
    with unique_or_duplicate("an asset is already in another group of this exclusive tree", "asset_ids"):
        GroupMembership.objects.bulk_create(
            [
                GroupMembership(group=group, asset_id=pk, root=root, exclusive=group.exclusive, created_by=user)
                for pk in new_ids
            ]
        )
    return new_ids, moved_from


def _record_members(user, group: AssetGroup, version, change: MembershipChange) -> None:
    if not change.changed:
        return
    save_versioned(group, version, [])
    changelog.record(
        user, "update", group,
        after={"added_asset_ids": change.added, "removed_asset_ids": change.removed, "moved_from": change.moved_from},
    )


def _as_seen_by(user, change: MembershipChange) -> MembershipChange:
    """The answer's `moved_from` names only groups the user may see (the change log keeps all):
    an asset may leave a group of the exclusive tree that is hidden from them."""
    group_ids = {move["group_id"] for move in change.moved_from}
    if group_ids and group_condition(user, "view") is not None:
        seen = set(visible_groups(user).filter(pk__in=group_ids).values_list("pk", flat=True))
        change.moved_from = [move for move in change.moved_from if move["group_id"] in seen]
    return change


@transaction.atomic
def add_members(user, group_id: int, asset_ids, *, version=None) -> MembershipChange:
    """Files assets in the group (already filed ones are left alone). In an exclusive tree each
    asset leaves the tree's other group; `moved_from` says which."""
    group = _group_for_filing(user, group_id)
    ids = _asset_ids(asset_ids, allow_empty=False)
    _check_assets(user, group.organization_id, ids, must_change=set(ids))
    lock_trees(group.organization_id)
    group = _fresh(group.pk)
    check_version(group, version)
    added, moved_from = _file(user, group, ids)
    change = MembershipChange(group, added=added, moved_from=moved_from)
    _record_members(user, group, version, change)
    return _as_seen_by(user, change)


@transaction.atomic
def replace_members(user, group_id: int, asset_ids, *, version=None) -> MembershipChange:
    """Makes the group's members the given assets. Members the user can't see stay: a user
    replaces what they can see, and can't learn about the rest by removing it."""
    group = _group_for_filing(user, group_id)
    ids = _asset_ids(asset_ids, allow_empty=True)
    current = set(
        Asset.objects.visible_to(user).filter(group_memberships__group=group).values_list("pk", flat=True)
    )
    leaving = current - set(ids)
    _check_assets(user, group.organization_id, ids + sorted(leaving), must_change={*ids, *leaving} - (current & set(ids)))
    lock_trees(group.organization_id)
    group = _fresh(group.pk)
    check_version(group, version)
    removed = sorted(
        GroupMembership.objects.filter(group=group, asset_id__in=leaving).values_list("asset_id", flat=True)
    )
    GroupMembership.objects.filter(group=group, asset_id__in=removed).delete()
    added, moved_from = _file(user, group, ids)
    change = MembershipChange(group, added=added, removed=removed, moved_from=moved_from)
    _record_members(user, group, version, change)
    return _as_seen_by(user, change)


@transaction.atomic
def remove_member(user, group_id: int, asset_id: int, *, version=None) -> MembershipChange:
    group = _group_for_filing(user, group_id)
    if not is_id(asset_id) or not Asset.objects.visible_to(user).filter(
        pk=asset_id, group_memberships__group=group
    ).exists():
        raise NotFound(f"asset {asset_id} is not in group {group.pk}")
    _check_assets(user, group.organization_id, [asset_id], must_change={asset_id})
    lock_trees(group.organization_id)
    group = _fresh(group.pk)
    check_version(group, version)
    deleted, _ = GroupMembership.objects.filter(group=group, asset_id=asset_id).delete()
    if not deleted:
        raise NotFound(f"asset {asset_id} is not in group {group.pk}")
    change = MembershipChange(group, removed=[asset_id])
    _record_members(user, group, version, change)
    return change


@transaction.atomic
def file_members(user, group_id: int, asset_ids: list[int], *, mode: str) -> MembershipChange:
    """The asset list's bulk filing: `add` files the assets in the group, `remove` takes them
    out, `move` also takes them out of the other groups of its tree that the user may file in
    (in an exclusive tree adding does that anyway). Any number of assets; the caller checked
    them (assets.services.bulk), the rule of each asset is checked again here."""
    if mode not in ("add", "remove", "move"):
        raise ValidationFailed.field("mode", "must be add, remove or move")
    group = _group_for_filing(user, group_id)
    ids = list(dict.fromkeys(asset_ids))
    _check_assets(user, group.organization_id, ids, must_change=set(ids))
    lock_trees(group.organization_id)
    group = _fresh(group.pk)
    change = MembershipChange(group)
    if mode == "remove":
        change.removed = sorted(
            GroupMembership.objects.filter(group=group, asset_id__in=ids).values_list("asset_id", flat=True)
        )
        GroupMembership.objects.filter(group=group, asset_id__in=change.removed).delete()
    else:
        if mode == "move":
            elsewhere = list(
                GroupMembership.objects.filter(root=_root_of(group), asset_id__in=ids)
                .exclude(group=group).values_list("pk", "asset_id", "group_id")
            )
            fileable = fileable_group_ids(user, group.organization_id, {g for _, _, g in elsewhere})
            leaving = [(pk, asset_id, g) for pk, asset_id, g in elsewhere if g in fileable]
            if leaving:
                GroupMembership.objects.filter(pk__in=[pk for pk, _, _ in leaving]).delete()
                taken: dict[int, list[int]] = defaultdict(list)
                for _, asset_id, g in leaving:
                    taken[g].append(asset_id)
                    change.moved_from.append({"asset_id": asset_id, "group_id": g})
                _bump_others(user, taken, moved_to=group)
        change.added, moved_from = _file(user, group, ids)
        change.moved_from += moved_from
    _record_members(user, group, None, change)
    return _as_seen_by(user, change)


# --- the tree -----------------------------------------------------------------------------------
@transaction.atomic
def create_group(
    user, *, organization_id, title, parent_id=None, exclusive=None, description=None, asset_ids=None, code=None
) -> AssetGroup:
    """A root (manage_org) or a child of a group the user may change. `exclusive` is chosen on
    roots; children belong to their root's tree. `asset_ids` files assets right away."""
    require_user(user)
    organization = get_organization(user, require_id(organization_id, "organization_id"))
    errors: list[dict] = []
    title = _collect(errors, _clean_title, title)
    code = _collect(errors, _clean_code, code)
    description = _collect(errors, _clean_description, description)
    if exclusive is not None:
        exclusive = _collect(errors, _clean_exclusive, exclusive)
    if errors:
        raise ValidationFailed("the group is not valid", errors=errors)
    parent = _visible_parent(user, parent_id, organization.pk) if parent_id is not None else None
    if parent is not None and exclusive is not None and exclusive != parent.exclusive:
        raise ValidationFailed.field(
            "exclusive", f"is chosen on root groups; the tree of '{parent.title}' is {'' if parent.exclusive else 'not '}exclusive"
        )
    _require_change_at(user, organization.pk, parent, "creating a group")
    ids = _asset_ids(asset_ids, allow_empty=True)
    _check_assets(user, organization.pk, ids, must_change=set(ids))
    lock_trees(organization.pk, new_tree=parent is None)
    if parent is not None:
        parent = _fresh(parent.pk, "parent_id")
    group = AssetGroup(
        organization=organization, title=title, code=code, description=description or "", parent=parent,
        exclusive=parent.exclusive if parent is not None else bool(exclusive),
    )
    with _duplicate_code(group):
        group.save()
    after = group.to_change_dict()
    if ids:
        added, _ = _file(user, group, ids)
        after["asset_ids"] = added
    changelog.record_created(user, group, after=after)
    return group


def _move(node: AssetGroup, new_parent: AssetGroup | None, new_root: AssetGroup | None,
          new_tree_id: int | None) -> None:
    """Moves `node` (fresh, tree locked) under new_parent (fresh; `new_root` is its tree's root)
    or to the top as tree `new_tree_id`, and carries the memberships of its subtree into the tree
    they now belong to. A constant number of statements whatever the subtree's size: the subtree
    is named by its nested-set range, never listed."""
    if new_parent is not None and new_parent.tree_id == node.tree_id:
        if node.lft <= new_parent.lft <= node.rght:
            raise Cycle(f"group '{node.title}' can't move under itself or one of its subgroups")
        placed = move_subtree(node, new_parent, exclusive=node.exclusive)
    else:
        if new_parent is None:
            root, exclusive = node, node.exclusive
        else:
            root, exclusive, new_tree_id = new_root, new_root.exclusive, None
            # The locked read told whether any asset would stand twice; only a refusal lists them.
            if exclusive and node._clashes:
                clashes = _filed_twice(_joining(root.pk, node.tree_id, node.lft, node.rght))
                if clashes:
                    raise Duplicate(
                        f"tree '{root.title}' is exclusive and asset(s) {', '.join(map(str, clashes))} would be in "
                        "two of its groups; take them out of one first",
                        errors=[{"field": "parent_id", "message": "assets would be in two groups of an exclusive tree"}],
                    )
        placed = move_subtree(node, new_parent, exclusive=exclusive, new_tree_id=new_tree_id, root_id=root.pk)
        node.exclusive = exclusive
    node.parent = new_parent
    node.tree_id, node.lft, node.rght, node.level = placed.tree_id, placed.lft, placed.rght, placed.level


def _joining(root, tree_id, lft, rght):
    """The memberships of the tree of `root` once the subtree `lft`..`rght` of tree `tree_id`
    joins it (values or expressions)."""
    return GroupMembership.objects.filter(
        Q(root=root) | Q(group__tree_id=tree_id, group__lft__gte=lft, group__lft__lte=rght)
    )


def _twice(memberships):
    return memberships.order_by().values("asset_id").annotate(n=Count("pk")).filter(n__gt=1)


def _filed_twice(memberships) -> list[int]:
    """Up to 20 assets that stand more than once among `memberships`: what an exclusive tree
    would refuse."""
    return list(_twice(memberships).values_list("asset_id", flat=True)[:20])


def _set_exclusive(node: AssetGroup, exclusive: bool) -> None:
    if node.parent_id is not None:
        raise ValidationFailed.field("exclusive", "is chosen on root groups; subgroups follow their tree")
    if exclusive:
        clashes = _filed_twice(GroupMembership.objects.filter(root=node))
        if clashes:
            raise Duplicate(
                f"asset(s) {', '.join(map(str, clashes))} are in more than one group of this tree",
                errors=[{"field": "exclusive", "message": "some assets are in several groups of the tree"}],
            )
    AssetGroup.objects.filter(tree_id=node.tree_id).update(exclusive=exclusive)
    GroupMembership.objects.filter(root=node).update(exclusive=exclusive)
    node.exclusive = exclusive


def _flag(condition):
    return Value(True) if condition is None else _allowed_annotation(condition)


def _read_for_update(user, group_id: int, parent_id: int | None, *, new_tree: bool) -> tuple[AssetGroup | None, dict]:
    """After lock_trees, one statement: the group, its parent, and the path down to where it will
    stand (the new parent, when one is named, with its ancestors, else the group's own
    ancestors), each with what the user may do there. Rows the user can't see are read too, flagged, for the rules that
    need them: a hidden root still owns the memberships; the answer's path leaves them out. The
    group's row also carries its counts, whether moving it under `parent_id` would file an asset
    twice in an exclusive tree, and with `new_tree` the highest tree number.
    Returns (the group or None, {pk: row})."""
    place = AssetGroup.objects.filter(pk=parent_id if parent_id is not None else group_id).order_by()
    # The scalar subqueries run once, so the ancestors come from the (tree_id, lft) index. The
    # group's current parent is a row of its own (moving out needs change there): an EXISTS per
    # row instead was planned as a scan of the whole organization, the ancestors' count being
    # unknown to the planner.
    wanted = Q(pk=group_id) | Q(pk=Subquery(AssetGroup.objects.filter(pk=group_id).values("parent_id")[:1])) | Q(
        tree_id=Subquery(place.values("tree_id")[:1]),
        lft__lte=Subquery(place.values("lft")[:1]),
        rght__gte=Subquery(place.values("rght")[:1]),
    )
    change = group_condition(user, "change")
    extra = {
        name: Case(When(pk=group_id, then=count), default=None, output_field=IntegerField())
        for name, count in count_expressions(user, subtree=False).items()
    }
    if parent_id is not None:
        # Moving into another, exclusive tree: would an asset stand twice in it?
        target = AssetGroup.objects.filter(pk=parent_id).order_by()
        target_root = AssetGroup.objects.filter(
            parent__isnull=True, tree_id=Subquery(target.values("tree_id")[:1])
        ).order_by().values("pk")[:1]
        into_exclusive = Exists(target.filter(exclusive=True).exclude(tree_id=OuterRef("tree_id")))
        clash = Exists(_twice(_joining(Subquery(target_root), OuterRef("tree_id"), OuterRef("lft"), OuterRef("rght"))))
        extra["_clashes"] = Case(When(Q(pk=group_id) & Q(into_exclusive), then=clash), default=Value(False),
                                 output_field=BooleanField())
    if new_tree:
        # lock_trees(new_tree=True) holds every writer of a new tree number off until we commit.
        extra["_top_tree_id"] = Subquery(AssetGroup.objects.order_by("-tree_id").values("tree_id")[:1])
    rows = {
        row.pk: row
        for row in AssetGroup.objects.filter(wanted).annotate(
            _visible=_flag(group_condition(user, "view")), _allowed=_flag(change), **extra,
        )
    }
    return rows.get(group_id), rows


def _titles_down_to(rows: dict, place: AssetGroup | None, *, inclusive: bool) -> list[str]:
    """The titles of the visible rows above `place` (and of `place` itself when `inclusive`),
    from the root down: the path above a group as attach_paths gives it, so a subtree grant
    doesn't reveal the titles above it."""
    if place is None:
        return []
    return [
        row.title for row in sorted(rows.values(), key=lambda row: row.lft)
        if row._visible and row.tree_id == place.tree_id and row.lft <= place.lft and row.rght >= place.rght
        and (inclusive or row.pk != place.pk)
    ]


@transaction.atomic
def update_group(user, group_id: int, *, version=None, **changes) -> AssetGroup:
    """PATCH: title, description, parent_id (moves the group with its subtree; null = to the top
    level) and, on roots, exclusive. The tree lock comes first, then one read of every row the
    rules and the answer need, so a move costs the same few statements for a subtree of any size.
    Returns the group as the API shows it (counts and path included)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")
    require_user(user)
    if not is_id(group_id):
        raise NotFound(f"group {group_id} does not exist")
    errors: list[dict] = []
    cleaned = {}
    for name, clean in (("title", _clean_title), ("code", _clean_code), ("description", _clean_description),
                        ("exclusive", _clean_exclusive)):
        if name in changes:
            cleaned[name] = _collect(errors, clean, changes[name])
    if errors:
        raise ValidationFailed("the group is not valid", errors=errors)
    parent_id = changes.get("parent_id")
    if parent_id is not None:
        require_id(parent_id, "parent_id")
    new_tree = "parent_id" in changes and parent_id is None
    lock_trees_of_group(group_id, new_tree=new_tree)
    node, rows = _read_for_update(user, group_id, parent_id, new_tree=new_tree)
    if node is None or not node._visible:
        raise NotFound(f"group {group_id} does not exist")
    if not node._allowed:
        raise Forbidden(f"you may view group '{node.title}' but not change it")
    moving = "parent_id" in changes and parent_id != node.parent_id
    new_parent = new_root = None
    if moving:
        if parent_id is not None:
            new_parent = rows.get(parent_id)
            if new_parent is None or not new_parent._visible:
                raise ValidationFailed.field("parent_id", f"group {parent_id} does not exist")
            if new_parent.organization_id != node.organization_id:
                raise ValidationFailed.field(
                    "parent_id", "belongs to another organization; groups stay in their organization"
                )
            new_root = next(row for row in rows.values() if row.parent_id is None and row.tree_id == new_parent.tree_id)
        if node.parent_id is None:
            _require_change_at(user, node.organization_id, None, "moving a group out of its parent")
        elif not rows[node.parent_id]._allowed:
            raise Forbidden("moving a group out of its parent needs change permission on the parent group")
        if new_parent is None:
            _require_change_at(user, node.organization_id, None, "moving a group here")
        elif not new_parent._allowed:
            raise Forbidden("moving a group here needs change permission on the parent group")
    if "exclusive" in cleaned and cleaned["exclusive"] != node.exclusive and not can_change_groups_of(
        user, node.organization_id
    ):
        raise Forbidden("switching a tree's exclusive flag needs manage_org on the organization")
    check_version(node, version)
    before = node.to_change_dict()
    # Read before the move; the groups above the new place stay where they are.
    above = _titles_down_to(rows, new_parent, inclusive=True) if moving else _titles_down_to(rows, node, inclusive=False)
    fields = []
    if moving:
        new_tree_id = (node._top_tree_id or 0) + 1 if new_parent is None else None
        _move(node, new_parent, new_root, new_tree_id)
        fields += ["parent", "exclusive"]
    if "exclusive" in cleaned and cleaned["exclusive"] != node.exclusive:
        _set_exclusive(node, cleaned["exclusive"])
        fields.append("exclusive")
    for name in ("title", "code", "description"):
        if name in cleaned and cleaned[name] != getattr(node, name):
            setattr(node, name, cleaned[name])
            fields.append(name)
    if fields:
        fields = sorted(set(fields))
        # Grants on the groups above decide which of its assets the user sees, so after a move
        # the count is read again, by the versioned UPDATE itself.
        count = with_counts(AssetGroup.objects.filter(pk=node.pk), user, subtree=False).order_by().values_list(
            "asset_count") if moving else None
        if "code" in fields:
            with _duplicate_code(node):
                counted = save_versioned(node, version, fields, returning=count)
        else:
            # No unique column written: no savepoint needed around the statement.
            counted = save_versioned(node, version, fields, returning=count)
        if moving:
            node.asset_count = counted
        changelog.record_updated(user, node, before)
    node.path = [*above, node.title]
    return node


@transaction.atomic
def delete_group(user, group_id: int, *, version=None, cascade: bool = False) -> None:
    """Deletes a group; with subgroups only when `cascade` (409 IN_USE otherwise). Its assets
    stay: only their filing goes. Every deleted group gets its change-log entry."""
    group = get_group(user, group_id)
    parent = AssetGroup.objects.filter(pk=group.parent_id).first() if group.parent_id else None
    _require_change_at(user, group.organization_id, parent, "deleting a group")
    lock_trees(group.organization_id)
    node = _fresh(group.pk)
    check_version(node, version)
    descendants = list(node.get_descendants())
    if descendants and not cascade:
        raise InUse(
            f"group '{node.title}' has {len(descendants)} subgroup(s); delete them first or pass cascade=true",
            errors=[{"field": "cascade", "message": "the group has subgroups"}],
        )
    entries = [changelog.build_entry(user, "delete", g, before=g.to_change_dict()) for g in [node, *descendants]]
    node.delete()
    changelog.record_bulk(entries)

