"""Bulk import and export of links. A row: source_key, target_key, link_type (code), alias, tags,
properties, sequence, description, and optionally source_organization / target_organization
(organization keys; empty = the --organization of the run). Links are identified by
(link_type, source, target, alias) — for peer types the pair is unordered — so --update upserts.

Every rule of links.services holds: the same cleaners for values, change permission on both
endpoints, type restrictions, no self-links, no duplicates, and no cycles in hierarchical types,
checked for the whole file at once (strongly connected components of existing + new edges)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assets.core import changelog
from assets.core.db.bulk_sql import insert_change_entries, insert_rows
from assets.core.errors import PayloadTooLarge, ValidationFailed
from assets.core.inputs import require_user
from assets.core.versioning import bulk_save_versioned, lock_stale
from assets.models import Asset, ChangeLogEntry, Organization
from assets.services.assets import allowed_asset_ids
from assets.transfer.formats import JSONValueError, loads_strict
from assets.transfer.report import ImportReport

from .models import Link, LinkKind
from .services import available_link_types, clean_link_values, link_rule_errors, lock_hierarchy, resolve_link_type
from .services import link_identity as identity  # the unique indexes' identity, as the single and set writes check it

COLUMNS = ["source_key", "target_key", "link_type", "alias", "tags", "properties", "sequence", "description",
           "source_organization", "target_organization"]
VALUE_FIELDS = ("alias", "tags", "properties", "sequence", "description")
KEY_CHUNK = 5000


def _from_cell(name: str, raw):
    """CSV cells are text: lists and objects come as JSON, tags also as 'a;b'."""
    if not isinstance(raw, str):
        return raw
    if raw.strip() == "":
        return None
    if name == "tags":
        try:
            value = loads_strict(raw)
            return value if isinstance(value, list) else raw
        except JSONValueError:
            return [part.strip() for part in raw.split(";") if part.strip()]
    if name == "properties":
        try:
            return loads_strict(raw)
        except JSONValueError:
            return raw
    if name == "sequence":
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def _cycle_members(edges: dict[int, set[int]]) -> set[int]:
    """Nodes that sit on a cycle: members of strongly connected components larger than one
    (iterative Tarjan, so deep hierarchies don't hit the recursion limit)."""
    index, low, on_stack, stack, members = {}, {}, set(), [], set()
    counter = 0
    for start in list(edges):
        if start in index:
            continue
        work = [(start, iter(edges.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    members.update(component)
    return members


def _assets_by_key(organization: Organization, keys: set[str]) -> dict[str, tuple[int, str]]:
    found = {}
    keys = sorted(keys)
    for start in range(0, len(keys), KEY_CHUNK):
        found.update(
            (key, (pk, type_code))
            for key, pk, type_code in Asset.objects.filter(organization=organization, key__in=keys[start:start + KEY_CHUNK])
            .values_list("key", "pk", "type__code")
        )
    return found


def import_links(
    user, organization: Organization, records, *, from_csv: bool, update: bool = False, dry_run: bool = False,
    continue_on_error: bool = False, batch_size: int = 1000, progress=None,
) -> ImportReport:
    require_user(user)
    report = ImportReport(dry_run=dry_run)
    available = available_link_types(organization)
    organizations = {organization.key: organization}
    rows = []
    bad_lines: set[int] = set()
    for line, record in report.readable(records, bad_lines, progress):
        errors = []
        try:
            link_type = resolve_link_type(record.get("link_type"), available, organization)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            link_type = None
        ends = {}
        for side in ("source", "target"):
            key = record.get(f"{side}_key")
            org_key = record.get(f"{side}_organization") or organization.key
            if not isinstance(key, str) or not key.strip():
                errors.append({"field": f"{side}_key", "message": "is required"})
            if not isinstance(org_key, str):
                errors.append({"field": f"{side}_organization", "message": "must be an organization key"})
                continue
            if org_key not in organizations:
                found = Organization.objects.filter(key=org_key).first()
                if found is None:
                    errors.append({"field": f"{side}_organization", "message": f"no organization '{org_key}'"})
                    continue
                organizations[org_key] = found
            ends[side] = (org_key, key.strip() if isinstance(key, str) else key)
        values = {}
        if link_type is not None:
            raw = {name: _from_cell(name, record.get(name)) if from_csv else record.get(name)
                   for name in VALUE_FIELDS if name in record}
            try:
                values, value_errors = clean_link_values(link_type, raw)
            except PayloadTooLarge as exc:
                value_errors = [{"field": "properties", "message": exc.detail}]
            errors.extend(value_errors)
        unknown = set(record) - set(COLUMNS)
        if unknown:
            errors.append({"field": sorted(unknown)[0], "message": "is not a column of a links file"})
        if errors:
            for error in errors:
                report.fail(line, error["field"], error["message"])
            bad_lines.add(line)
            continue
        rows.append({"line": line, "link_type": link_type, "ends": ends, "values": values})

    keys_by_org: dict[str, set[str]] = {}
    for row in rows:
        for org_key, key in row["ends"].values():
            keys_by_org.setdefault(org_key, set()).add(key)
    assets = {(org_key, key): found for org_key, keys in keys_by_org.items()
              for key, found in _assets_by_key(organizations[org_key], keys).items()}
    all_ids = sorted({pk for pk, _ in assets.values()})
    visible = allowed_asset_ids(user, all_ids, "view")
    changeable = allowed_asset_ids(user, all_ids, "change")

    with transaction.atomic():
        if not dry_run:
            for type_id in sorted({row["link_type"].pk for row in rows if row["link_type"].kind == LinkKind.HIERARCHICAL}):
                lock_hierarchy(type_id)
        valid = []
        for row in rows:
            row_errors = []
            ids = {}
            for side, end in row["ends"].items():
                found = assets.get(end)
                if found is None or found[0] not in visible:
                    row_errors.append((f"{side}_key", f"no asset with key '{end[1]}' in {end[0]}"))
                elif found[0] not in changeable:
                    row_errors.append((f"{side}_key", f"you may not change asset '{end[1]}'"))
                else:
                    ids[side] = found
            link_type = row["link_type"]
            if len(ids) == 2:
                row_errors.extend((error["field"], error["message"]) for error in link_rule_errors(
                    link_type, ids["source"], ids["target"], fields=("source_key", "target_key")))
            if row_errors:
                for field_name, message in row_errors:
                    report.fail(row["line"], field_name, message)
                bad_lines.add(row["line"])
                continue
            row["source_id"], row["target_id"] = ids["source"][0], ids["target"][0]
            row["organization_id"] = organizations[row["ends"]["source"][0]].pk
            row["identity"] = identity(link_type.pk, link_type.kind, row["source_id"], row["target_id"],
                                       row["values"].get("alias"))
            valid.append(row)

        existing = {}
        involved = sorted({row["source_id"] for row in valid} | {row["target_id"] for row in valid})
        for start in range(0, len(involved), KEY_CHUNK):
            chunk = involved[start:start + KEY_CHUNK]
            for link in Link.objects.filter(source_id__in=chunk).select_related("link_type"):
                existing[identity(link.link_type_id, link.kind, link.source_id, link.target_id, link.alias)] = link
            for link in Link.objects.filter(target_id__in=chunk, kind=LinkKind.PEER).select_related("link_type"):
                existing[identity(link.link_type_id, link.kind, link.source_id, link.target_id, link.alias)] = link
        seen: dict[tuple, int] = {}
        accepted = []
        for row in valid:
            first = seen.get(row["identity"])
            if first is not None:
                report.fail(row["line"], "target_key", f"the same link is on line {first}")
                bad_lines.add(row["line"])
                continue
            seen[row["identity"]] = row["line"]
            row["existing"] = existing.get(row["identity"])
            if row["existing"] is not None and not update:
                report.fail(row["line"], "target_key", "this link exists (use --update to change it)")
                bad_lines.add(row["line"])
                continue
            accepted.append(row)

        # Cycles: the whole file at once, together with the links already stored.
        for type_id in {row["link_type"].pk for row in accepted if row["link_type"].kind == LinkKind.HIERARCHICAL}:
            edges: dict[int, set[int]] = {}
            for source_id, target_id in Link.objects.filter(link_type_id=type_id).values_list("source_id", "target_id"):
                edges.setdefault(source_id, set()).add(target_id)
            new_rows = [r for r in accepted if r["link_type"].pk == type_id and r["existing"] is None]
            for r in new_rows:
                edges.setdefault(r["source_id"], set()).add(r["target_id"])
            looping = _cycle_members(edges)
            for r in new_rows:
                if r["source_id"] in looping and r["target_id"] in looping:
                    report.fail(r["line"], "link_type",
                                f"{r['link_type'].code} would become a cycle through "
                                f"'{r['ends']['source'][1]}' and '{r['ends']['target'][1]}'")
                    bad_lines.add(r["line"])
        accepted = [r for r in accepted if r["line"] not in bad_lines]

        report.failed = len(bad_lines)
        for row in accepted:
            if row["existing"] is None:
                report.created += 1
            elif _changes(row):
                report.updated += 1
            else:
                report.unchanged += 1
        if dry_run or (report.errors and not continue_on_error):
            return report
        try:
            with transaction.atomic():
                _write(user, accepted, batch_size=batch_size)
        except StaleLinks as stale:
            for row in stale.rows:
                current = stale.current[row["existing"].pk]
                report.fail(row["line"], "target_key", f"the link changed while importing (version "
                            f"{row['existing'].version}, now {current if current is not None else 'deleted'}); run again")
            report.failed = len(bad_lines | {row["line"] for row in stale.rows})
            return report
        report.written = True
    return report


def _changes(row) -> dict:
    link = row["existing"]
    return {name: value for name, value in row["values"].items() if name != "alias" and getattr(link, name) != value}


def _write(user, rows, *, batch_size: int) -> None:
    now = timezone.now()
    user_id = user.pk if user.pk else None
    new_rows = [r for r in rows if r["existing"] is None]
    last_id = Link.objects.aggregate(last=Max("pk"))["last"] or 0
    insert_rows(
        Link,
        ["link_type", "source", "target", "kind", "alias", "tags", "properties", "sequence", "description",
         "created_by", "created_at", "updated_at", "version"],
        [
            (r["link_type"].pk, r["source_id"], r["target_id"], r["link_type"].kind, r["values"].get("alias"),
             r["values"].get("tags", []), r["values"].get("properties", {}), r["values"].get("sequence", 0),
             r["values"].get("description", ""), user_id, now, now, 1)
            for r in new_rows
        ],
        batch_size=batch_size,
    )
    ids = {
        identity(type_id, kind, source_id, target_id, alias): pk
        for pk, type_id, kind, source_id, target_id, alias in Link.objects.filter(pk__gt=last_id).values_list(
            "pk", "link_type_id", "kind", "source_id", "target_id", "alias"
        )
    }
    changed = [r for r in rows if r["existing"] is not None and _changes(r)]
    # Validated as read: lock the links to update and refuse the file if any changed since.
    stale = lock_stale(Link, {r["existing"].pk: r["existing"].version for r in changed})
    if stale:
        raise StaleLinks([r for r in changed if r["existing"].pk in stale], stale)
    befores = []
    for r in changed:
        link = r["existing"]
        befores.append(link.to_change_dict())
        for name, value in _changes(r).items():
            setattr(link, name, value)
        link.updated_at = now
    bulk_save_versioned([r["existing"] for r in changed], ["tags", "properties", "sequence", "description", "updated_at"],
                        batch_size=batch_size)
    organization_of = {r["source_id"]: r["organization_id"] for r in rows}
    created = []
    for r in new_rows:
        after = {"link_type_id": r["link_type"].pk, "source_id": r["source_id"], "target_id": r["target_id"],
                 "alias": r["values"].get("alias"), "tags": r["values"].get("tags", []),
                 "properties": r["values"].get("properties", {}), "sequence": r["values"].get("sequence", 0),
                 "description": r["values"].get("description", "")}
        created.append((ids[r["identity"]], f"{r['link_type'].pk}: {r['source_id']} -> {r['target_id']}",
                        organization_of[r["source_id"]], None, after))
    entries = changelog.entry_rows(user, ChangeLogEntry.Action.CREATE, "link", created, time=now)
    entries += changelog.entry_rows(user, ChangeLogEntry.Action.UPDATE, "link", [
        (r["existing"].pk, r["existing"], organization_of[r["existing"].source_id], before, r["existing"].to_change_dict())
        for r, before in zip(changed, befores, strict=True)
    ], time=now)
    insert_change_entries(entries, batch_size=batch_size)


class StaleLinks(Exception):
    def __init__(self, rows: list[dict], current: dict):
        super().__init__()
        self.rows, self.current = rows, current


def export_links(user, organization: Organization):
    """Links whose source belongs to the organization and whose both endpoints the user may view."""
    require_user(user)
    visible = Asset.objects.visible_to(user)
    queryset = (
        Link.objects.filter(source__organization=organization, source__in=visible.values("pk"),
                            target__in=visible.values("pk"))
        .select_related("link_type", "source", "target", "target__organization")
        .order_by("source__key", "link_type__code", "target__key", "alias", "pk")
    )

    def records():
        for link in queryset.iterator(chunk_size=2000):
            yield {
                "source_key": link.source.key, "target_key": link.target.key, "link_type": link.link_type.code,
                "alias": link.alias, "tags": link.tags, "properties": link.properties, "sequence": link.sequence,
                "description": link.description, "source_organization": "",
                "target_organization": "" if link.target.organization_id == organization.pk else link.target.organization.key,
            }

    return COLUMNS, records()
