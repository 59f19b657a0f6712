"""Import and export of assets. One row = the whole state of one asset: key, title, type (code),
one column per custom field code, primary_device (the DEVICE field code that is primary) and
groups (paths such as "North/Hamburg depot", ';'-separated; groups.transfer.GroupsColumn).

DEVICE values are device identifiers and ASSET values are asset keys, so a file moves between
installations unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from assets.access.permissions import can_create_assets
from assets.core import changelog
from assets.core.db.bulk_sql import JsonText, insert_change_entries, insert_rows, json_string, json_text
from assets.core.errors import ValidationFailed
from assets.core.inputs import clean_slug, clean_text, require_user
from assets.core.versioning import bulk_save_versioned, lock_stale
from groups.transfer import GroupsColumn

from ..field_types import FieldKind, kind_of
from ..models import Asset, AssetDeviceLink, AssetType, ChangeLogEntry, Device, Organization
from ..services.assets import (
    FieldRules,
    RefRow,
    allowed_asset_ids,
    check_asset_refs,
    check_device_claims,
)
from .formats import FormatError
from .report import ImportReport

RESERVED_COLUMNS = ("key", "title", "type", "primary_device", "groups")
_RESERVED = frozenset(RESERVED_COLUMNS)
# Stands in for an ASSET reference to a row of the same file until that row has an id.
_PENDING_REF = 2**62

groups_column = GroupsColumn()


@dataclass
class Row:
    line: int
    key: str
    title: str
    asset_type: AssetType
    values: dict
    primary: str | None
    groups: list[str] | None = None  # None: the file has no groups column, memberships stay
    asset_refs: dict = field(default_factory=dict)  # field code -> referenced key
    existing: Asset | None = None
    groups_changed: bool = False  # set by the groups column when memberships would change
    values_json: JsonText | None = None  # row.values as written, for the change log to reuse


class _TypeColumns:
    """One asset type as the importer reads its rows, resolved once per import instead of per
    cell: each field's reference kind and cell parser, and the service's FieldRules."""

    def __init__(self, asset_type: AssetType, definitions: dict):
        self.asset_type = asset_type
        self.rules = FieldRules(asset_type, definitions)
        self.cells = {}
        for code, definition in definitions.items():
            kind = definition.kind
            # None: the kind takes the cell's text as it is.
            parse = None if type(kind).parse_cell is FieldKind.parse_cell else kind.parse_cell
            self.cells[code] = (kind.reference, parse)


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def import_assets(
    user, organization: Organization, records, *, from_csv: bool, update: bool = False, dry_run: bool = False,
    continue_on_error: bool = False, batch_size: int = 1000, progress=None,
) -> ImportReport:
    require_user(user)
    report = ImportReport(dry_run=dry_run)
    types = {
        t.code: t for t in AssetType.objects.available_to(organization).prefetch_related("field_definitions")
    }
    definitions = {code: {d.code: d for d in t.field_definitions.all()} for code, t in types.items()}
    columns_of = {code: _TypeColumns(t, definitions[code]) for code, t in types.items()}
    device_codes_of = {code: columns.rules.device_codes for code, columns in columns_of.items()}
    all_codes = {code for defs in definitions.values() for code in defs}
    header_checked = not from_csv
    may_create = can_create_assets(user, organization.pk)

    parsed: list[Row] = []
    bad_lines: set[int] = set()
    seen_keys: dict[str, int] = {}
    device_identifiers: set[str] = set()
    for line, record in report.readable(records, bad_lines, progress):
        if not header_checked:
            # Every CSV record has the header's columns: a column that is a field of no type
            # (a misspelling) would otherwise be dropped, and with --update clear that field.
            header_checked = True
            unknown = sorted(set(record) - set(RESERVED_COLUMNS) - all_codes)
            if unknown:
                raise FormatError(f"line 1: '{unknown[0]}' is not a column of any asset type of {organization.key}")
        row = _parse_row(line, record, types, columns_of, report, seen_keys, from_csv=from_csv,
                         all_codes=all_codes)
        if row is None:
            bad_lines.add(line)
            continue
        for code in device_codes_of[row.asset_type.code]:
            if isinstance(row.values.get(code), str):
                device_identifiers.add(row.values[code])
        parsed.append(row)

    # Set-based lookups. The organization's keys come in one query without an IN list: building
    # IN lists of 100k keys costs Django more than the database work.
    keys = [row.key for row in parsed]
    org_keys = dict(Asset.objects.filter(organization=organization).values_list("key", "pk").iterator(chunk_size=20_000))
    existing_ids = [org_keys[key] for key in keys if key in org_keys]
    existing = {}
    for start in range(0, len(existing_ids), 5000):
        chunk = existing_ids[start:start + 5000]
        for asset in Asset.objects.filter(pk__in=chunk).only(
            "pk", "key", "title", "type_id", "custom_fields", "version", "organization_id"
        ):
            existing[asset.key] = asset
    changeable = allowed_asset_ids(user, existing_ids, "change")
    devices = dict(
        Device.objects.filter(organization=organization, identifier__in=device_identifiers).values_list("identifier", "pk")
    )
    hidden_refs = _hidden_refs(user, existing.values(), definitions)
    primaries = {}
    for start in range(0, len(existing_ids), 5000):
        primaries.update(
            AssetDeviceLink.objects.filter(asset_id__in=existing_ids[start:start + 5000], is_primary=True)
            .values_list("asset_id", "field_code")
        )
    # The reference rules of the services, for the whole file at once: keys and identifiers
    # resolve to ids here, and a row not stored yet stands in as -line so rows may reference
    # each other.
    line_of_key = {row.key: row.line for row in parsed}
    ref_rows = []
    used_types = {row.asset_type.code for row in parsed}
    # Rows of types without ASSET or DEVICE fields reference nothing, and nothing could
    # reference them without a type that has them.
    referencing = any(columns_of[code].rules.asset_codes or columns_of[code].rules.device_codes for code in used_types)
    for row in parsed if referencing else ():
        ref_row = RefRow(line=row.line, asset_id=org_keys.get(row.key, -row.line))
        for code, ref in row.asset_refs.items():
            ref_row.asset_refs[code] = org_keys[ref] if ref in org_keys else -line_of_key[ref] if ref in line_of_key else None
            ref_row.labels[code] = f"'{ref}'"
        for code in columns_of[row.asset_type.code].rules.device_codes:
            value = row.values.get(code)
            if isinstance(value, str):
                ref_row.device_refs[code] = devices.get(value)
                ref_row.labels[code] = f"'{value}'"
        ref_rows.append(ref_row)
    rule_errors: dict[int, list] = {}
    for error in [*check_asset_refs(user, organization.pk, ref_rows), *check_device_claims(user, organization.pk, ref_rows)]:
        rule_errors.setdefault(error.line, []).append(error)

    valid: list[Row] = []
    for index, row in enumerate(parsed):
        ref_row = ref_rows[index] if referencing else None
        errors = []  # (field, message)
        row.existing = existing.get(row.key)
        if row.existing is not None:
            if not update:
                errors.append(("key", f"an asset with key '{row.key}' exists (use --update to change it)"))
            elif row.existing.pk not in changeable:
                errors.append(("key", f"the asset '{row.key}' exists and you may not change it"))
            elif row.existing.type_id != row.asset_type.pk:
                errors.append(("type", "an asset's type can't change on import"))
        elif not may_create:
            errors.append(("key", "creating assets needs change_org_assets on the organization"))
        for error in rule_errors.get(row.line, ()):
            errors.append((error.field, error.message))
        rules = columns_of[row.asset_type.code].rules
        if row.existing is not None:
            # An export leaves ASSET cells of hidden targets empty: the stored value stays.
            for code in rules.asset_codes:
                held = row.existing.custom_fields.get(code)
                if code not in row.asset_refs and isinstance(held, int) and held in hidden_refs:
                    row.values[code] = held
        if ref_row is not None:
            for code, ref in [*ref_row.asset_refs.items(), *ref_row.device_refs.items()]:
                if ref is None:
                    row.values.pop(code, None)
                else:
                    row.values[code] = ref if ref > 0 else _PENDING_REF
        outcome = rules.apply_new(row.values, row.primary)
        for error in outcome.errors:
            errors.append((error["field"].removeprefix("custom_fields."), error["message"]))
        if not errors:
            row.values = outcome.values
            row.primary = outcome.primary_code
            valid.append(row)
        else:
            _report(report, row.line, errors)
            bad_lines.add(row.line)

    valid = _drop_dangling_refs(valid, report, bad_lines)
    group_state = None
    if any(row.groups is not None for row in valid):
        group_state = groups_column.prepare(organization, valid, report, user=user)
        failed_lines = {e.line for e in report.errors}
        valid = [row for row in valid if row.line not in failed_lines]
        bad_lines |= failed_lines
        valid = _drop_dangling_refs(valid, report, bad_lines)
        if isinstance(group_state, dict) and isinstance(group_state.get("wanted"), dict):
            # Only rows that will be written may get memberships (a failed row has no id).
            valid_keys = {row.key for row in valid}
            group_state["wanted"] = {k: v for k, v in group_state["wanted"].items() if k in valid_keys}

    report.failed = len(bad_lines)
    for row in valid:
        if row.existing is None:
            report.created += 1
        elif _unchanged(row, primaries.get(row.existing.pk)):
            report.unchanged += 1
        else:
            report.updated += 1
    if dry_run or (report.errors and not continue_on_error):
        return report
    try:
        device_codes = {columns.asset_type.pk: columns.rules.device_codes for columns in columns_of.values()}
        _write(user, organization, valid, primaries, group_state, device_codes, batch_size=batch_size)
    except _StaleRows as stale:
        # Another writer changed these assets after they were read: nothing is written, and
        # a rerun validates against (and logs "before") what is stored now.
        for row in stale.rows:
            current = stale.current[row.existing.pk]
            report.fail(row.line, "key", f"the asset '{row.key}' changed while importing (version "
                        f"{row.existing.version}, now {current if current is not None else 'deleted'}); run again")
        report.failed = len(bad_lines | {row.line for row in stale.rows})
        return report
    report.written = True
    return report


class _StaleRows(Exception):
    def __init__(self, rows: list[Row], current: dict):
        super().__init__()
        self.rows, self.current = rows, current


def _hidden_refs(user, assets, definitions) -> set[int]:
    """Ids held in ASSET fields of `assets` that the user may not view."""
    asset_codes = {code for defs in definitions.values() for code, d in defs.items() if d.kind.reference == "asset"}
    if not asset_codes:
        return set()
    held = sorted({value for asset in assets for code, value in asset.custom_fields.items()
                   if code in asset_codes and isinstance(value, int)})
    visible = set()
    for start in range(0, len(held), 5000):
        visible.update(Asset.objects.visible_to(user).filter(pk__in=held[start:start + 5000]).values_list("pk", flat=True))
    return set(held) - visible


def _drop_dangling_refs(rows: list[Row], report: ImportReport, bad_lines: set[int]) -> list[Row]:
    """Rows whose ASSET reference points at a row of the file that failed: with
    --continue-on-error that row is not written, so the reference would have nothing to point at.
    Repeated until stable, as dropping a row can strand references to it."""
    while True:
        keys = {row.key for row in rows}
        kept = []
        for row in rows:
            if not row.asset_refs:
                kept.append(row)
                continue
            dangling = [code for code, ref in row.asset_refs.items()
                        if row.values.get(code) == _PENDING_REF and ref not in keys]
            for code in dangling:
                report.fail(row.line, code, f"the asset '{row.asset_refs[code]}' of this file was not imported")
            if dangling:
                bad_lines.add(row.line)
            else:
                kept.append(row)
        if len(kept) == len(rows):
            return kept
        rows = kept


def _parse_row(line, record, types, columns_of, report, seen_keys, *, from_csv, all_codes=frozenset()) -> Row | None:
    errors = []  # (field, message), reported once the row is read
    type_code = record.get("type")
    asset_type = types.get(type_code) if isinstance(type_code, str) else None
    if asset_type is None:
        errors.append(("type", f"unknown type '{type_code}'" if type_code else "is required"))
    key = record.get("key")
    try:
        key = clean_slug(key, "key", max_length=128)
    except ValidationFailed as exc:
        errors.append(("key", exc.errors[0]["message"] if not _is_empty(key) else "is required"))
    if not errors and key in seen_keys:
        errors.append(("key", f"'{key}' also appears on line {seen_keys[key]}"))
    elif not errors:
        seen_keys[key] = line
    try:
        title = clean_text(record.get("title"), "title", max_length=255)
    except ValidationFailed as exc:
        errors.append(("title", exc.errors[0]["message"]))
        title = ""
    primary = record.get("primary_device")
    primary = None if _is_empty(primary) else primary
    if primary is not None and not isinstance(primary, str):
        errors.append(("primary_device", "must be the code of a DEVICE field"))
        primary = None
    raw_groups = record.get("groups")
    if isinstance(raw_groups, str):
        groups = [p.strip() for p in raw_groups.split(";") if p.strip()]
    elif isinstance(raw_groups, list) and all(isinstance(p, str) for p in raw_groups):
        groups = [p.strip() for p in raw_groups if p.strip()]
    elif raw_groups is None:
        groups = None if "groups" not in record else []
    else:
        errors.append(("groups", "must be a list of group paths"))
        groups = []
    if asset_type is None:
        _report(report, line, errors)
        return None
    cells = columns_of[asset_type.code].cells
    values, asset_refs = {}, {}
    for column, raw in record.items():
        if column in _RESERVED or raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        cell = cells.get(column)
        if cell is None:
            if from_csv and column in all_codes:
                continue  # a column of another type in a mixed-type export
            if from_csv:
                errors.append((column, f"'{column}' is not a column of type {asset_type.code}"))
            else:
                errors.append((column, f"is not a field of type {asset_type.code}"))
            continue
        reference, parse = cell
        if reference == "asset":
            if not isinstance(raw, str):
                errors.append((column, "must be the key of an asset"))
                continue
            asset_refs[column] = raw
            continue
        if reference == "device" and not isinstance(raw, str):
            errors.append((column, "must be the identifier of a device"))
            continue
        # A CSV cell is text for the kind to parse; a JSON value is already the value.
        values[column] = parse(raw) if parse is not None and from_csv and isinstance(raw, str) else raw
    if errors:
        _report(report, line, errors)
        return None
    return Row(line=line, key=key, title=title, asset_type=asset_type, values=values, primary=primary,
               groups=groups, asset_refs=asset_refs)


def _report(report: ImportReport, line: int, errors: list) -> None:
    for field_name, message in errors:
        report.fail(line, field_name, message)


def _unchanged(row: Row, current_primary) -> bool:
    asset = row.existing
    return (
        asset.title == row.title and asset.custom_fields == row.values and current_primary == row.primary
        and not row.groups_changed
    )


# An entry's `after`, as json_text would write {organization_id, type_id, key, title,
# custom_fields, primary_device_field}, with the custom fields' text the asset row already took:
# the change log of an import is otherwise as costly as its assets.
_AFTER_JSON = ('{"organization_id": %d, "type_id": %d, "key": %s, "title": %s, "custom_fields": %s, '
               '"primary_device_field": %s}')


@transaction.atomic
def _write(user, organization, rows: list[Row], primaries: dict, group_state, device_codes: dict, *,
           batch_size: int) -> None:
    """`device_codes`: the DEVICE field codes of each asset type id."""
    now = timezone.now()
    organization_id = organization.pk
    user_id = user.pk if user.pk else None
    new_rows = [row for row in rows if row.existing is None]
    changed = []
    for row in rows:
        if row.existing is not None and not _unchanged(row, primaries.get(row.existing.pk)):
            asset = row.existing
            before = asset.to_change_dict()
            before["primary_device_field"] = primaries.get(asset.pk)
            changed.append((row, before))
    # The rows were validated as read: lock them and refuse the import if any changed since.
    stale = lock_stale(Asset, {row.existing.pk: row.existing.version for row, _ in changed})
    if stale:
        raise _StaleRows([row for row, _ in changed if row.existing.pk in stale], stale)
    for row, _ in changed:
        row.existing.title, row.existing.custom_fields, row.existing.updated_at = row.title, row.values, now

    last_id = Asset.objects.filter(organization=organization).order_by("-pk").values_list("pk", flat=True).first() or 0
    for row in new_rows:
        row.values_json = json_text(row.values)
    insert_rows(
        Asset,
        ["organization", "type", "key", "title", "custom_fields", "version", "created_at", "updated_at", "created_by"],
        [(organization_id, row.asset_type.pk, row.key, row.title, row.values_json, 1, now, now, user_id)
         for row in new_rows],
        batch_size=batch_size,
    )
    # The new ids, read back by key (ids above the previous maximum of this organization).
    new_ids = dict(Asset.objects.filter(organization=organization, pk__gt=last_id).values_list("key", "pk"))
    ids_by_key = {row.key: new_ids[row.key] for row in new_rows}
    ids_by_key.update({row.key: row.existing.pk for row, _ in changed})
    ids_by_key.update({row.key: row.existing.pk for row in rows if row.existing is not None})

    # ASSET references to rows of the same file now have ids.
    fixed_new = []
    for row in rows:
        if not row.asset_refs:
            continue
        pending = [code for code in row.asset_refs if row.values.get(code) == _PENDING_REF]
        for code in pending:
            row.values[code] = ids_by_key[row.asset_refs[code]]
            row.values_json = None
        if pending and row.existing is None:
            fixed_new.append(row)
    bulk_save_versioned([row.existing for row, _ in changed], ["title", "custom_fields", "updated_at"],
                        batch_size=batch_size)
    Asset.objects.bulk_update(
        [Asset(pk=ids_by_key[row.key], custom_fields=row.values) for row in fixed_new], ["custom_fields"],
        batch_size=batch_size,
    )

    device_rows = []
    for row in [*new_rows, *(r for r, _ in changed)] if any(device_codes.values()) else ():
        for code in device_codes[row.asset_type.pk]:
            if isinstance(row.values.get(code), int):
                device_rows.append((ids_by_key[row.key], row.values[code], code, code == row.primary))
    relinked = [row.existing.pk for row, _ in changed]
    for start in range(0, len(relinked), 5000):
        AssetDeviceLink.objects.filter(asset_id__in=relinked[start:start + 5000]).delete()
    insert_rows(AssetDeviceLink, ["asset", "device", "field_code", "is_primary"], device_rows, batch_size=batch_size)

    def items(rows_before):
        for row, before in rows_before:
            values_json = row.values_json if row.values_json is not None else json_text(row.values)
            primary = "null" if row.primary is None else json_string(row.primary)
            after = JsonText(_AFTER_JSON % (organization_id, row.asset_type.pk, json_string(row.key),
                                            json_string(row.title), values_json, primary))
            yield ids_by_key[row.key], row.title, organization_id, before, after

    entries = changelog.entry_rows(user, ChangeLogEntry.Action.CREATE, "asset",
                                   items((row, None) for row in new_rows), time=now)
    entries += changelog.entry_rows(user, ChangeLogEntry.Action.UPDATE, "asset", items(changed), time=now)
    insert_change_entries(entries, batch_size=batch_size)
    if group_state is not None:
        groups_column.apply(group_state, ids_by_key, user=user)


def export_assets(user, organization: Organization, *, chunk_size: int = 2000):
    """Yields (columns, record iterator): every asset of the organization the user may view,
    ordered by key, in the import's own shape."""
    require_user(user)
    queryset = Asset.objects.visible_to(user).filter(organization=organization).select_related("type")
    columns, field_types = export_columns(organization)

    def chunks():
        ids = list(queryset.order_by("key").values_list("pk", flat=True))
        for start in range(0, len(ids), chunk_size):
            yield list(queryset.filter(pk__in=ids[start:start + chunk_size]).order_by("key"))

    return columns, export_records(user, organization, chunks(), field_types)


def export_columns(organization: Organization) -> tuple[list[str], dict[str, str]]:
    """The export's columns for the organization's types, and each field code's type."""
    types = list(AssetType.objects.available_to(organization).prefetch_related("field_definitions"))
    field_types: dict[str, str] = {}
    for asset_type in types:
        for definition in asset_type.field_definitions.all():
            field_types.setdefault(definition.code, definition.field_type)
    return ["key", "title", "type", *sorted(field_types), "primary_device", "groups"], field_types


def export_records(user, organization: Organization, chunks, field_types: dict[str, str]):
    """The import's records of assets given in chunks (lists of assets with their type, all of
    `organization`); references resolve per chunk, so a long export holds one chunk at a time.
    ASSET values name only assets the user may view: a hidden target's cell stays empty (and an
    --update import of the file keeps that value)."""
    asset_codes = {code for code, field_type in field_types.items() if kind_of(field_type).reference == "asset"}
    device_codes = {code for code, field_type in field_types.items() if kind_of(field_type).reference == "device"}
    for chunk in chunks:
        chunk_ids = [asset.pk for asset in chunk]
        wanted_assets = {v for a in chunk for c, v in a.custom_fields.items() if c in asset_codes and isinstance(v, int)}
        wanted_devices = {v for a in chunk for c, v in a.custom_fields.items() if c in device_codes and isinstance(v, int)}
        asset_keys = dict(Asset.objects.visible_to(user).filter(organization=organization, pk__in=wanted_assets)
                          .values_list("pk", "key")) if wanted_assets else {}
        device_identifiers = dict(Device.objects.filter(organization=organization, pk__in=wanted_devices)
                                  .values_list("pk", "identifier")) if wanted_devices else {}
        references = {"device": device_identifiers, "asset": asset_keys}
        primaries = dict(
            AssetDeviceLink.objects.filter(asset_id__in=chunk_ids, is_primary=True).values_list("asset_id", "field_code")
        )
        paths = groups_column.export_paths(chunk_ids, user=user)
        for asset in chunk:
            record = {"key": asset.key, "title": asset.title, "type": asset.type.code}
            for code, value in asset.custom_fields.items():
                kind = kind_of(field_types.get(code))
                if kind.reference == "asset" and value not in asset_keys:
                    continue
                record[code] = kind.export_value(value, references)
            record["primary_device"] = primaries.get(asset.pk)
            record["groups"] = ";".join(paths.get(asset.pk, []))
            yield record
