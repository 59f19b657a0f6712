"""Bulk import and export of groups, and the `groups` column of asset files.

A groups row: path (titles from the root joined by '/', e.g. "North/Hamburg depot"), code
(optional, unique in the organization; a file without the column leaves codes alone), description,
exclusive (roots only). Missing ancestors are created with the path. Importing groups takes
manage_org on the organization, like changing its top level through the API. Writes go through
mptt with `delay_mptt_updates`, so each tree is renumbered once at the end instead of once per
insert."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assets.core import changelog
from assets.core.db.bulk_sql import insert_change_entries, insert_rows
from assets.core.inputs import require_user
from assets.core.versioning import bump_versions
from assets.field_types import bool_from_text
from assets.models import ChangeLogEntry, Organization
from assets.transfer.report import ImportReport

from .models import AssetGroup, GroupMembership
from .permissions import can_change_groups_of, visible_groups
from .services import fileable_group_ids, lock_trees

SEPARATOR = "/"
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
KEEP = object()  # a row without a code column: the group keeps its code


def _code_of(record) -> tuple[object, str | None]:
    """(code or None or KEEP, error)."""
    if "code" not in record:
        return KEEP, None
    raw = record.get("code")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if not isinstance(raw, str) or not CODE.fullmatch(raw.strip()):
        return None, "must be at most 64 letters, digits, hyphens and underscores"
    return raw.strip(), None


def split_path(raw) -> list[str] | None:
    if not isinstance(raw, str):
        return None
    parts = [part.strip() for part in raw.strip().strip(SEPARATOR).split(SEPARATOR)]
    if not parts or any(not part or len(part) > 255 for part in parts):
        return None
    return parts


def _paths_of(groups: list[AssetGroup]) -> dict[int, tuple[str, ...]]:
    """Paths of an organization's groups from one ordered read (parents come before children)."""
    paths: dict[int, tuple[str, ...]] = {}
    for group in groups:
        prefix = paths.get(group.parent_id, ()) if group.parent_id else ()
        paths[group.pk] = (*prefix, group.title)
    return paths


def _load(organization: Organization, user=None):
    """The organization's groups, their paths and the groups by path. With a user: only the
    groups they can see, and paths that leave out the ancestors they can't see (like
    queries.attach_paths), so neither exports nor import errors reveal hidden titles."""
    queryset = AssetGroup.objects.filter(organization=organization)
    if user is not None:
        queryset = queryset.filter(pk__in=visible_groups(user).filter(organization=organization).values("pk"))
    groups = list(queryset.order_by("tree_id", "lft"))
    paths = _paths_of(groups) if user is None else _visible_paths_of(groups)
    by_path = {}
    for group in groups:
        by_path.setdefault(paths[group.pk], group)  # siblings may share a title: the first one wins
    return groups, paths, by_path


def _visible_paths_of(groups: list[AssetGroup]) -> dict[int, tuple[str, ...]]:
    """Paths through the listed groups only (ordered by tree_id, lft): each group's prefix is
    the path of its nearest listed ancestor."""
    paths: dict[int, tuple[str, ...]] = {}
    stack: list[AssetGroup] = []
    for group in groups:
        while stack and (stack[-1].tree_id != group.tree_id or stack[-1].rght < group.lft):
            stack.pop()
        prefix = paths[stack[-1].pk] if stack else ()
        paths[group.pk] = (*prefix, group.title)
        stack.append(group)
    return paths


def import_groups(
    user, organization: Organization, records, *, from_csv: bool, update: bool = False, dry_run: bool = False,
    continue_on_error: bool = False, batch_size: int = 1000, progress=None,
) -> ImportReport:
    require_user(user)
    report = ImportReport(dry_run=dry_run)
    allowed = can_change_groups_of(user, organization.pk)
    with transaction.atomic():
        if not dry_run:
            lock_trees(organization.pk, new_tree=True)
        _, _, by_path = _load(organization, None if allowed else user)
        seen: dict[tuple, int] = {}
        codes_seen: dict[str, int] = {}
        taken = dict(AssetGroup.objects.filter(organization=organization, code__isnull=False).values_list("code", "pk"))
        codes: dict[int, object] = {}  # line -> code (or KEEP)
        wanted = []  # (line, path, description, exclusive, existing)
        bad = set()
        for line, record in report.readable(records, bad, progress):
            errors = []
            parts = split_path(record.get("path"))
            if parts is None:
                errors.append(("path", "must be titles joined by '/', none empty or longer than 255 characters"))
            description = record.get("description") or ""
            if not isinstance(description, str) or len(description) > 10_000:
                errors.append(("description", "must be text of at most 10000 characters"))
            exclusive = record.get("exclusive", False)
            if isinstance(exclusive, str):
                # An empty cell is the default (not exclusive); other text must be a boolean word.
                word = bool_from_text(exclusive)
                exclusive = word if word is not None else False if not exclusive.strip() else exclusive.strip().lower()
            if exclusive is None:
                exclusive = False
            if not isinstance(exclusive, bool):
                errors.append(("exclusive", "must be true or false"))
            elif exclusive and parts is not None and len(parts) > 1:
                errors.append(("exclusive", "only a root group (a path of one title) can be exclusive"))
            code, code_error = _code_of(record)
            if code_error:
                errors.append(("code", code_error))
            if not allowed:
                errors.append(("path", "importing groups needs manage_org on the organization"))
            if parts is not None and tuple(parts) in seen:
                errors.append(("path", f"also on line {seen[tuple(parts)]}"))
            existing = by_path.get(tuple(parts)) if parts is not None else None
            if existing is not None and not update:
                errors.append(("path", "this group exists (use --update to change it)"))
            if existing is not None and existing.parent_id is None and isinstance(exclusive, bool) \
                    and exclusive != existing.exclusive:
                errors.append(("exclusive", "can't change on import; use PATCH /groups/{id}"))
            if isinstance(code, str) and code in codes_seen:
                errors.append(("code", f"also on line {codes_seen[code]}"))
            if errors:
                for field_name, message in errors:
                    report.fail(line, field_name, message)
                bad.add(line)
                continue
            seen[tuple(parts)] = line
            if isinstance(code, str):
                codes_seen[code] = line
            codes[line] = code
            wanted.append((line, tuple(parts), description, exclusive, existing))
        # A code stays taken by its group unless this file gives that group another one.
        released = {existing.pk for line, _, _, _, existing in wanted
                    if existing is not None and codes[line] is not KEEP and codes[line] != existing.code}
        kept = []
        for entry in wanted:
            line, existing, code = entry[0], entry[4], codes[entry[0]]
            owner = taken.get(code) if isinstance(code, str) else None
            if owner is not None and owner not in released and (existing is None or owner != existing.pk):
                report.fail(line, "code", "another group of the organization has this code")
                bad.add(line)
            else:
                kept.append(entry)
        wanted = kept
        report.failed = len(bad)
        for line, _, description, _, existing in wanted:
            if existing is None:
                report.created += 1
            elif existing.description != description or codes[line] not in (KEEP, existing.code):
                report.updated += 1
            else:
                report.unchanged += 1
        if dry_run or (report.errors and not continue_on_error):
            return report
        _write_groups(user, organization, wanted, by_path, codes, batch_size=batch_size)
        report.written = True
    return report


def _write_groups(user, organization, wanted, by_path, codes, *, batch_size: int) -> None:
    now = timezone.now()
    explicit = {path: (description, exclusive) for _, path, description, exclusive, _ in wanted}
    code_of = {path: codes[line] for line, path, *_ in wanted if codes[line] is not KEEP}
    changed = []
    needed: list[tuple[str, ...]] = []  # new paths, parents first
    planned: set[tuple[str, ...]] = set()
    # Codes leave the groups that lose them first, so that two groups can swap codes in one file.
    leaving = [existing.pk for _, path, _, _, existing in wanted
               if existing is not None and existing.code is not None and path in code_of and code_of[path] != existing.code]
    if leaving:
        AssetGroup.objects.filter(pk__in=leaving).update(code=None)
    for _, path, description, _, existing in sorted(wanted, key=lambda w: len(w[1])):
        if existing is not None:
            code = code_of.get(path, existing.code)
            if existing.description != description or code != existing.code:
                before = existing.to_change_dict()
                bump_versions(AssetGroup.objects.filter(pk=existing.pk), description=description, code=code)
                existing.description, existing.code = description, code
                existing.version += 1
                changed.append((existing, before))
            continue
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in by_path and prefix not in planned:
                planned.add(prefix)
                needed.append(prefix)
    new_trees = [p for p in needed if len(p) == 1]
    in_new_tree = {p for p in needed if p[:1] in set(new_trees)}
    created = _insert_new_trees(organization, [p for p in needed if p in in_new_tree], explicit, by_path, now,
                                code_of, batch_size=batch_size)
    # Nodes below existing groups go through mptt, renumbering each touched tree once at the end.
    with AssetGroup.objects.delay_mptt_updates():
        for prefix in needed:
            if prefix in in_new_tree:
                continue
            parent = by_path[prefix[:-1]]
            description_here, _ = explicit.get(prefix, ("", False))
            group = AssetGroup(organization=organization, title=prefix[-1], description=description_here, parent=parent,
                               code=code_of.get(prefix), exclusive=parent.exclusive, created_at=now)
            group.save()
            by_path[prefix] = group
            created.append(group)
    entries = changelog.entry_rows(user, ChangeLogEntry.Action.CREATE, "group", [
        (g.pk, g.title, organization.pk, None, g.to_change_dict()) for g in created], time=now)
    entries += changelog.entry_rows(user, ChangeLogEntry.Action.UPDATE, "group", [
        (g.pk, g.title, organization.pk, before, g.to_change_dict()) for g, before in changed], time=now)
    insert_change_entries(entries, batch_size=batch_size)


def _insert_new_trees(organization, paths, explicit, by_path, now, code_of, *, batch_size: int) -> list[AssetGroup]:
    """Whole new trees get their mptt numbering computed here and are inserted level by level:
    for 10,000 groups that is a few multi-row INSERTs instead of 10,000 saves."""
    if not paths:
        return []
    children: dict[tuple, list[tuple]] = {}
    for path in paths:
        children.setdefault(path[:-1], []).append(path)
    next_tree = (AssetGroup.objects.aggregate(top=Max("tree_id"))["top"] or 0) + 1
    numbering: dict[tuple, tuple[int, int, int]] = {}  # path -> (tree_id, lft, rght)
    for root in children.get((), []):
        tree_id, counter = next_tree, 1
        next_tree += 1
        numbering[root] = (tree_id, counter, 0)
        stack = [(root, iter(children.get(root, [])))]
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                counter += 1
                numbering[node] = (tree_id, numbering[node][1], counter)
                stack.pop()
                continue
            counter += 1
            numbering[child] = (tree_id, counter, 0)
            stack.append((child, iter(children.get(child, []))))
    created = []
    for level in range(max(len(p) for p in paths)):
        layer = [p for p in paths if len(p) == level + 1]
        rows = []
        for path in layer:
            description, exclusive = explicit.get(path, ("", False))
            root_exclusive = explicit.get(path[:1], ("", False))[1]
            tree_id, lft, rght = numbering[path]
            parent = by_path[path[:-1]].pk if level else None
            rows.append((organization.pk, path[-1], code_of.get(path), description, parent, root_exclusive, 1, now,
                         tree_id, lft, rght, level))
        insert_rows(AssetGroup, ["organization", "title", "code", "description", "parent", "exclusive", "version", "created_at",
                                 "tree_id", "lft", "rght", "level"], rows, batch_size=batch_size)
        tree_ids = sorted({numbering[p][0] for p in layer})
        stored = {}
        for start in range(0, len(tree_ids), 5000):
            for group in AssetGroup.objects.filter(tree_id__in=tree_ids[start:start + 5000], level=level):
                stored[(group.tree_id, group.lft)] = group
        for path in layer:
            group = stored[numbering[path][:2]]
            by_path[path] = group
            created.append(group)
    return created


def export_groups(user, organization: Organization):
    require_user(user)
    groups, paths, _ = _load(organization, user)

    def records():
        for group in groups:
            yield {"path": SEPARATOR.join(paths[group.pk]), "code": group.code or "", "description": group.description,
                   "exclusive": group.exclusive if group.parent_id is None else False}

    return ["path", "code", "description", "exclusive"], records()


class GroupsColumn:
    """The `groups` column of asset imports and exports: the asset's groups of the organization
    that the user can see, as paths separated by ';'. On import it replaces the asset's
    memberships in the groups the user may see and file in (services.fileable_group_ids); memberships in
    other groups stay, like services.replace_members keeps what the user can't see. A group the
    user can see but not file in may be listed when the asset is in it already (no change). An
    exclusive tree may hold the asset once: filing it into such a tree takes it out of the
    tree's other group, as services do."""

    def prepare(self, organization, rows, report, *, user):
        groups, paths, by_path = _load(organization, user)
        roots = {g.tree_id: g for g in AssetGroup.objects.filter(organization=organization, parent__isnull=True)}
        root_of = {group.pk: roots[group.tree_id] for group in groups}
        visible = {group.pk for group in groups}
        fileable = fileable_group_ids(user, organization.pk, visible)
        existing_ids = [row.existing.pk for row in rows if row.existing is not None]
        current = _memberships(organization, existing_ids)
        wanted: dict[str, set[int]] = {}
        for row in rows:
            if row.groups is None:
                continue
            held = {group_id for group_id, _, _ in current.get(row.existing.pk, [])} if row.existing else set()
            chosen: set[int] = set()
            trees: dict[int, str] = {}
            for raw in row.groups:
                parts = split_path(raw)
                group = by_path.get(tuple(parts)) if parts else None
                if group is None:
                    report.fail(row.line, "groups", f"no group at '{raw}'")
                    continue
                if group.pk not in fileable and group.pk not in held:
                    report.fail(row.line, "groups", f"you may not file assets in '{raw}'")
                    continue
                root = root_of[group.pk]
                if root.exclusive and root.pk in trees:
                    report.fail(row.line, "groups", f"'{raw}' and '{trees[root.pk]}' are in the same exclusive tree")
                    continue
                trees[root.pk] = raw
                chosen.add(group.pk)
            wanted[row.key] = chosen
            if row.existing is not None:
                removed, added = _plan(chosen, current.get(row.existing.pk, []), fileable, root_of)
                if removed or added:
                    row.groups_changed = True
        return {"wanted": wanted, "root_of": root_of, "fileable": fileable, "organization": organization}

    def apply(self, state, ids_by_key, *, user):
        organization, root_of, fileable = state["organization"], state["root_of"], state["fileable"]
        current = _memberships(organization, [ids_by_key[key] for key in state["wanted"]])
        leaving: list[tuple[int, int]] = []
        now = timezone.now()
        rows = []
        for key, chosen in state["wanted"].items():
            asset_id = ids_by_key[key]
            removed, added = _plan(chosen, current.get(asset_id, []), fileable, root_of)
            leaving += [(asset_id, group_id) for group_id in removed]
            rows += [
                (group_id, asset_id, root_of[group_id].pk, root_of[group_id].exclusive, now, user.pk if user.pk else None)
                for group_id in sorted(added)
            ]
        by_group: dict[int, list[int]] = {}
        for asset_id, group_id in leaving:
            by_group.setdefault(group_id, []).append(asset_id)
        for group_id, asset_ids in by_group.items():
            for start in range(0, len(asset_ids), 5000):
                GroupMembership.objects.filter(group_id=group_id, asset_id__in=asset_ids[start:start + 5000]).delete()
        insert_rows(GroupMembership, ["group", "asset", "root", "exclusive", "created_at", "created_by"], rows)

    def export_paths(self, asset_ids, *, user) -> dict[int, list[str]]:
        """Paths of the assets' groups the user can see (SPEC §8), without hidden ancestors."""
        memberships = list(
            GroupMembership.objects.filter(asset_id__in=asset_ids, group__in=visible_groups(user)).values_list(
                "asset_id", "group_id")
        )
        if not memberships:
            return {}
        organization_ids = set(AssetGroup.objects.filter(pk__in={g for _, g in memberships}).values_list(
            "organization_id", flat=True))
        paths = {}
        for organization in Organization.objects.filter(pk__in=organization_ids):
            _, org_paths, _ = _load(organization, user)
            paths.update(org_paths)
        found: dict[int, list[str]] = {}
        for asset_id, group_id in memberships:
            found.setdefault(asset_id, []).append(SEPARATOR.join(paths[group_id]))
        return {asset_id: sorted(values) for asset_id, values in found.items()}


def _memberships(organization, asset_ids) -> dict[int, list[tuple[int, int, bool]]]:
    """asset id -> [(group id, root id, exclusive)] of its memberships in the organization's groups."""
    found: dict[int, list[tuple[int, int, bool]]] = {}
    for start in range(0, len(asset_ids), 5000):
        for asset_id, group_id, root_id, exclusive in GroupMembership.objects.filter(
            asset_id__in=asset_ids[start:start + 5000], group__organization=organization
        ).values_list("asset_id", "group_id", "root_id", "exclusive"):
            found.setdefault(asset_id, []).append((group_id, root_id, exclusive))
    return found


def _plan(chosen: set[int], held: list[tuple[int, int, bool]], fileable: set[int], root_of) -> tuple[set, set]:
    """(groups the asset leaves, groups it joins): it leaves the groups the user may file in
    that aren't chosen, and in an exclusive tree it joins, the tree's other group."""
    held_ids = {group_id for group_id, _, _ in held}
    added = chosen - held_ids
    joined_exclusive = {root_of[g].pk for g in added if root_of[g].exclusive}
    removed = {
        group_id for group_id, root_id, exclusive in held
        if group_id not in chosen and (group_id in fileable or (exclusive and root_id in joined_exclusive))
    }
    return removed, added
