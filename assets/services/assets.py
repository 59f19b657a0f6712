from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify

from assets import extensions
from assets.access.compiled import PermissionCompiledQuery
from assets.access.permissions import allowed_actions, can_create_assets, permission_key
from assets.core import changelog
from assets.core.db import PLACEHOLDER_TYPES, CompiledQuery, KeyedQueries, NotCompilable, prefetch_rows
from assets.core.db.bulk_sql import insert_change_entries
from assets.core.errors import Duplicate, Forbidden, NotFound, ValidationFailed
from assets.core.inputs import clean_slug, clean_text, is_id, require_id, require_user, unique_or_duplicate
from assets.core.pagination import clean_limit, cursor_values, first_page, first_page_queryset
from assets.core.versioning import (
    RowsChanged,
    bulk_save_versioned,
    check_version,
    delete_versioned_many,
    hold_rows,
    lock_row,
    save_versioned,
)

from ..field_types import InvalidValue, types_where, validator
from ..models import Asset, AssetDeviceLink, AssetType, CustomFieldDefinition, Device, Organization
from .devices import visible_devices
from .organizations import get_organization

PATCH_KEYS = ("set", "unset", "set_primary", "unset_primary")

# The asset shape shows its type's id, code and title only: as two joined columns rather than
# a type instance per row, which with its timestamps to parse cost ~20 % of a page of 1,000.
TYPE_COLUMNS = {"type_code": F("type__code"), "type_title": F("type__title")}


def asset_detail_queryset(user):
    queryset = Asset.objects.select_related("type", "organization").prefetch_related(
        Prefetch("device_links", queryset=AssetDeviceLink.objects.select_related("device").order_by("field_code"))
    )
    return extensions.prefetch_assets(queryset, user)


def asset_read_queryset():
    """For GET of one asset: device links (and through the extensions the groups) ride in the
    asset's row, one query instead of one per relation."""
    from ..queries import device_rows

    return extensions.annotate_asset(Asset.objects.annotate(**TYPE_COLUMNS, device_rows=device_rows()))


def get_asset(user, asset_id: int, action: str = "view", *, queryset=None) -> Asset:
    """The asset if the user may `action` it: 404 when they can't see it, 403 when they can see
    it but not `action` it. The row is read by primary key; the user's wide grants decide from the
    permission snapshot, and only per-object or group-scoped access costs one more query."""
    require_user(user)
    if not is_id(asset_id):
        raise NotFound.of("asset", asset_id)
    base = queryset if queryset is not None else asset_detail_queryset(user)
    asset = next(iter(base.prefetch_related(None).filter(pk=asset_id).order_by()[:1]), None)
    check_access(user, asset, asset_id, action)
    prefetch_rows([asset], base._prefetch_related_lookups)
    extensions.scope_asset(user, asset)
    return asset


def check_access(user, asset: Asset | None, asset_id: int, action: str) -> None:
    if asset is None:
        raise NotFound.of("asset", asset_id)
    allowed = allowed_actions(user, asset, {"view", action})
    may_view, may_act = allowed["view"], allowed[action]
    if not may_view:
        raise NotFound.of("asset", asset_id)
    if not may_act:
        raise Forbidden(f"you may view asset {asset.key} but not {action} it")


# GET /assets/{id} is the hottest read: its SQL is compiled once per process (assets.core.db.compiled).
_READ_BY_PK = CompiledQuery(lambda pk: asset_read_queryset().filter(pk=pk).order_by(), pk=int)


def detail_read(asset_id) -> tuple | None:
    """The read of read_asset as (CompiledQuery, values), for the token's statement to run along
    (assets.access.tokens.user_for_token); None for a path value that is no id."""
    try:
        pk = int(asset_id)
    except (TypeError, ValueError):
        return None
    return (_READ_BY_PK, {"pk": pk}) if is_id(pk) else None


def read_asset(user, asset_id: int, found: list | None = None) -> Asset:
    """get_asset for the read endpoint: devices and groups come in the asset's own row. `found`:
    the rows of detail_read(asset_id), when they were read along with the token."""
    require_user(user)
    if not is_id(asset_id):
        raise NotFound.of("asset", asset_id)
    if found is None or (found and found[0].pk != asset_id):
        found = _READ_BY_PK.objects(pk=asset_id)
    asset = found[0] if found else None
    check_access(user, asset, asset_id, "view")
    prefetch_rows([asset], _READ_BY_PK.prefetch_lookups())
    extensions.scope_asset(user, asset)
    return asset


@dataclass
class CustomFieldsPatch:
    set: dict = field(default_factory=dict)
    unset: list = field(default_factory=list)
    set_primary: list = field(default_factory=list)
    unset_primary: list = field(default_factory=list)

    @classmethod
    def parse(cls, raw) -> CustomFieldsPatch:
        """Accepts the patch form {set, unset, set_primary, unset_primary} or a plain map
        {code: value}, which means `set`."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ValidationFailed.field("custom_fields", "must be an object")
        if raw and set(raw) <= set(PATCH_KEYS):
            values = {name: raw.get(name) for name in PATCH_KEYS}
            if values["set"] is not None and not isinstance(values["set"], dict):
                raise ValidationFailed.field("custom_fields.set", "must be an object of field code to value")
            for name in ("unset", "set_primary", "unset_primary"):
                codes = values[name]
                if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)):
                    raise ValidationFailed.field(f"custom_fields.{name}", "must be a list of field codes")
            return cls(
                set=values["set"] or {},
                unset=values["unset"] or [],
                set_primary=values["set_primary"] or [],
                unset_primary=values["unset_primary"] or [],
            )
        mixed = sorted(set(raw) & set(PATCH_KEYS))
        if mixed:
            raise ValidationFailed.field(
                "custom_fields",
                f"mixes the patch keys {', '.join(mixed)} with field codes; use either {{set: {{...}}}} or a plain map",
            )
        return cls(set=dict(raw))


@dataclass
class FieldsOutcome:
    values: dict
    primary_code: str | None
    device_ids: dict  # field code -> device id
    errors: list


def apply_custom_fields(
    asset_type: AssetType, current: dict, current_primary: str | None, patch: CustomFieldsPatch, *, creating: bool,
    definitions: dict | None = None,
) -> FieldsOutcome:
    """Pure validation of a custom-fields patch against the type's definitions (no queries
    besides the prefetched definitions). Collects every error instead of stopping at the first.
    Bulk callers pass `definitions` ({code: definition}) once instead of per row, or hold one
    FieldRules per type."""
    return FieldRules(asset_type, definitions).apply(current, current_primary, patch, creating=creating)


def _field_error(errors: list, code: str, message: str) -> None:
    errors.append({"field": f"custom_fields.{code}", "message": message})


class FieldRules:
    """The custom-field rules of one asset type, resolved once: each field's validator (kind and
    params bound), the required fields, the DEVICE and ASSET fields. apply_custom_fields is one
    use; an import applies the same object to every row of the type, so no kind or param is
    looked up per value."""

    def __init__(self, asset_type: AssetType, definitions: dict | None = None):
        if definitions is None:
            definitions = {d.code: d for d in asset_type.field_definitions.all()}
        self.asset_type = asset_type
        self.definitions = definitions
        self._checks = {code: (d.required, validator(d.field_type, d.params)) for code, d in definitions.items()}
        self.required = tuple(code for code, d in definitions.items() if d.required)
        self.device_codes = tuple(code for code, d in definitions.items() if d.kind.reference == "device")
        self.asset_codes = tuple(code for code, d in definitions.items() if d.kind.reference == "asset")

    def apply(self, current: dict, current_primary: str | None, patch: CustomFieldsPatch, *,
              creating: bool) -> FieldsOutcome:
        return self._outcome(current, current_primary, patch.set, patch.unset, patch.set_primary, patch.unset_primary,
                             creating=creating)

    def apply_new(self, values: dict, primary: str | None) -> FieldsOutcome:
        """apply() for a new asset given as a plain map and its primary DEVICE field (an import
        row): the patch {set: values, set_primary: [primary]}, without building one per row."""
        return self._outcome({}, None, values, (), (primary,) if primary else (), (), creating=True)

    def _outcome(self, current, current_primary, set_values, unset, set_primary, unset_primary, *, creating):
        checks, device_codes = self._checks, self.device_codes
        values = dict(current) if current else {}
        primary = current_primary
        errors = []
        error = functools.partial(_field_error, errors)
        if unset:
            for code in set(set_values) & set(unset):
                error(code, "can't be set and unset at once")
        for code, raw_value in set_values.items():
            check = checks.get(code)
            if check is None:
                error(code, f"is not a field of type {self.asset_type.code}")
                continue
            if raw_value is None:
                if check[0]:
                    error(code, "is required")
                values.pop(code, None)
                continue
            try:
                values[code] = check[1](raw_value)
            except InvalidValue as exc:
                error(code, str(exc))
        for code in unset:
            check = checks.get(code)
            if check is None and code not in values:
                error(code, f"is not a field of type {self.asset_type.code}")
                continue
            if check is not None and check[0]:
                error(code, "is required and can't be unset")
                continue
            values.pop(code, None)
        for code in unset_primary:
            if code not in device_codes:
                error(code, "only DEVICE fields can be primary")
            elif primary == code:
                primary = None
        if len(set_primary) > 1:
            errors.append({"field": "custom_fields.set_primary", "message": "at most one device field can be primary"})
        for code in set_primary[:1]:
            if code not in device_codes:
                error(code, "only DEVICE fields can be primary")
            elif code not in values:
                error(code, "has no device to mark as primary")
            else:
                primary = code
        if primary is not None and primary not in values:
            primary = None
        if creating:
            for code in self.required:
                if values.get(code) is None and code not in set_values:
                    error(code, "is required")
        device_ids = {code: values[code] for code in device_codes if isinstance(values.get(code), int)}
        return FieldsOutcome(values=values, primary_code=primary, device_ids=device_ids, errors=errors)


def allowed_asset_ids(user, ids, action: str = "view", *, chunk: int = 5000) -> set[int]:
    """Which of many asset ids the user may `action` (bulk callers: imports); one query per chunk."""
    ids = sorted(set(ids))
    allowed = set()
    for start in range(0, len(ids), chunk):
        allowed.update(Asset.objects.visible_to(user, action).filter(pk__in=ids[start:start + chunk])
                       .values_list("pk", flat=True))
    return allowed


@dataclass
class RefRow:
    """One asset's references, for the set-based rule checks below. `asset_id` is the asset being
    written: its id, or for an asset not stored yet a negative stand-in (or None), so that rows
    of one set may reference the new ones. Reference values are
    ids, None for a name that resolved to nothing; `labels` says how the user named each one."""

    line: int
    asset_id: int | None
    asset_refs: dict = field(default_factory=dict)  # ASSET field code -> asset id | None
    device_refs: dict = field(default_factory=dict)  # DEVICE field code -> device id | None
    labels: dict = field(default_factory=dict)  # field code -> the name shown in messages


@dataclass
class RuleError:
    line: int
    field: str
    message: str
    duplicate: bool = False  # the conflict kind (a device another asset holds): 409 for one asset


def _label(row: RefRow, code: str, ref) -> str:
    return row.labels.get(code, str(ref))


def check_asset_refs(user, organization_id: int, rows: list[RefRow], *, chunk: int = 5000) -> list[RuleError]:
    """ASSET fields name an asset of the same organization that the user may view (hidden ones
    read as missing), or another row of the same set; never the asset itself."""
    unstored = {row.asset_id for row in rows if row.asset_id is not None and row.asset_id < 0}
    wanted = sorted({ref for row in rows for ref in row.asset_refs.values() if ref is not None and ref > 0})
    found = set()
    for start in range(0, len(wanted), chunk):
        found.update(
            Asset.objects.visible_to(user)
            .filter(organization_id=organization_id, pk__in=wanted[start:start + chunk])
            .values_list("pk", flat=True)
        )
    errors = []
    for row in rows:
        for code, ref in row.asset_refs.items():
            if ref is not None and ref == row.asset_id:
                errors.append(RuleError(row.line, code, "an asset can't reference itself"))
            elif ref not in found and ref not in unstored:
                errors.append(RuleError(row.line, code, f"no asset {_label(row, code, ref)} in this organization"))
    return errors


def check_device_claims(user, organization_id: int, rows: list[RefRow], *, chunk: int = 5000) -> list[RuleError]:
    """DEVICE fields name a device of the organization that the user may view and no other asset
    holds, and no device twice in the set (the unique constraint on the link stays the guard
    against races). A device the user may not view reads as missing, linked or not."""
    wanted = sorted({ref for row in rows for ref in row.device_refs.values() if ref is not None})
    devices, owner = set(), {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start:start + chunk]
        # Held, so that a concurrent delete of one waits for us or leaves it missing.
        devices.update(
            visible_devices(user).filter(organization_id=organization_id, pk__in=hold_rows(Device, part))
            .values_list("pk", flat=True)
        )
        owner.update(AssetDeviceLink.objects.filter(device_id__in=part).values_list("device_id", "asset_id"))
    errors = []
    claimed: dict[int, int] = {}
    for row in rows:
        for code, ref in row.device_refs.items():
            label = _label(row, code, ref)
            if ref is None or ref not in devices:
                errors.append(RuleError(row.line, code, f"no device {label} in this organization"))
            elif owner.get(ref) is not None and owner[ref] != row.asset_id:
                errors.append(RuleError(row.line, code, f"device {label} is already linked to another asset",
                                        duplicate=True))
            elif ref in claimed:
                first = claimed[ref]
                errors.append(RuleError(row.line, code, "the same device appears in two fields" if first == row.line
                                        else f"device {label} is also used on line {first}"))
            else:
                claimed[ref] = row.line
    return errors


def check_references(user, asset: Asset, asset_type: AssetType, outcome: FieldsOutcome, changed_codes) -> None:
    """The set-based checks above for one asset: errors go to outcome.errors; a device another
    asset holds raises Duplicate."""
    definitions = {d.code: d for d in asset_type.field_definitions.all()}
    row = RefRow(
        line=1,
        asset_id=asset.pk,
        asset_refs={
            code: outcome.values[code]
            for code in changed_codes
            if code in outcome.values and definitions.get(code) and definitions[code].kind.reference == "asset"
        },
        device_refs={code: ref for code, ref in outcome.device_ids.items() if code in changed_codes},
    )
    errors = check_asset_refs(user, asset.organization_id, [row]) + check_device_claims(user, asset.organization_id, [row])
    for error in errors:
        if error.duplicate:
            raise Duplicate(error.message, errors=[{"field": f"custom_fields.{error.field}", "message": error.message}])
        outcome.errors.append({"field": f"custom_fields.{error.field}", "message": error.message})


def sync_device_links(asset: Asset, outcome: FieldsOutcome) -> None:
    sync_device_links_of([(asset, outcome)])


def sync_device_links_of(assets_outcomes, *, batch_size: int = 1000) -> None:
    """Make the link rows mirror the DEVICE fields of one or many assets: one delete, one insert
    a batch. The unique constraint on device is the real guard against two assets taking one
    device at the same moment."""
    with unique_or_duplicate("a device is already linked to another asset", "custom_fields"):
        AssetDeviceLink.objects.filter(asset_id__in=[asset.pk for asset, _ in assets_outcomes]).delete()
        AssetDeviceLink.objects.bulk_create(
            [
                AssetDeviceLink(asset=asset, device_id=device_id, field_code=code, is_primary=(code == outcome.primary_code))
                for asset, outcome in assets_outcomes
                for code, device_id in sorted(outcome.device_ids.items())
            ],
            batch_size=batch_size,
        )


KEY_TAKEN = "the key is already taken in this organization"


def _refuse_taken_key(user, organization_id: int, key: str, own_pk: int | None) -> None:
    """Keys are unique per organization, so a taken key can't be hidden; the asset holding it
    is named only to someone who may view it."""
    holders = Asset.objects.filter(organization_id=organization_id, key=key)
    if own_pk is not None:
        holders = holders.exclude(pk=own_pk)
    holder = holders.values_list("pk", flat=True).first()
    if holder is None:
        return
    visible = Asset.objects.visible_to(user).filter(pk=holder).exists()
    detail = f"an asset with key '{key}' exists" if visible else KEY_TAKEN
    raise Duplicate(detail, errors=[{"field": "key", "message": "already taken"}])


def _generate_key(organization_id: int, title: str) -> str:
    stem = slugify(title)[:40].strip("-") or "asset"
    while True:
        key = f"{stem}-{secrets.token_hex(3)}"
        if not Asset.objects.filter(organization_id=organization_id, key=key).exists():
            return key


@transaction.atomic
def create_asset(user, *, organization_id, type_id, title, key=None, custom_fields=None) -> Asset:
    require_user(user)
    organization = get_organization(user, require_id(organization_id, "organization_id"))
    if not can_create_assets(user, organization.pk):
        raise Forbidden("creating assets needs change_org_assets on the organization")
    asset_type = (
        AssetType.objects.available_to(organization).prefetch_related("field_definitions").filter(pk=require_id(type_id, "type_id")).first()
    )
    if asset_type is None:
        raise ValidationFailed.field("type_id", f"type {type_id} is not available to organization {organization.key}")
    errors = []
    try:
        title = clean_text(title, "title", max_length=255)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if key is not None:
        try:
            key = clean_slug(key, "key", max_length=128)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    patch = CustomFieldsPatch.parse(custom_fields)
    outcome = apply_custom_fields(asset_type, {}, None, patch, creating=True)
    asset = Asset(organization=organization, type=asset_type, title=title if isinstance(title, str) else "", created_by=user)
    check_references(user, asset, asset_type, outcome, set(outcome.values))
    errors.extend(outcome.errors)
    if errors:
        raise ValidationFailed("the asset is not valid", errors=errors)
    if key is not None:
        _refuse_taken_key(user, organization.pk, key, None)
    asset.key = key or _generate_key(organization.pk, title)
    asset.custom_fields = outcome.values
    with unique_or_duplicate(KEY_TAKEN, "key"):
        asset.save()
    sync_device_links(asset, outcome)
    changelog.record_created(user, asset, after=_asset_snapshot(asset, outcome.primary_code))
    return get_asset(user, asset.pk)


def _asset_snapshot(asset: Asset, primary_code: str | None) -> dict:
    data = asset.to_change_dict()
    data["primary_device_field"] = primary_code
    return data


def _current_primary(asset: Asset) -> str | None:
    return next((link.field_code for link in asset.device_links.all() if link.is_primary), None)


@transaction.atomic
def update_asset(user, asset_id: int, *, version=None, **changes) -> Asset:
    visible = get_asset(user, asset_id, "change")
    # Row lock: a concurrent patch waits here and then sees our write (PostgreSQL); SQLite's
    # IMMEDIATE transactions already serialize writers.
    asset = lock_row(
        Asset.objects.select_related("type").prefetch_related("type__field_definitions", "device_links"),
        visible.pk, "asset",
    )
    check_version(asset, version)
    unknown = set(changes) - {"title", "key", "custom_fields"}
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")
    current_primary = _current_primary(asset)
    before = _asset_snapshot(asset, current_primary)
    errors = []
    fields = ["updated_at"]
    if "title" in changes:
        try:
            asset.title = clean_text(changes["title"], "title", max_length=255)
            fields.append("title")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if "key" in changes and changes["key"] != asset.key:
        try:
            asset.key = clean_slug(changes["key"], "key", max_length=128)
            fields.append("key")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    outcome = None
    if changes.get("custom_fields") is not None:
        patch = CustomFieldsPatch.parse(changes["custom_fields"])
        outcome = apply_custom_fields(asset.type, asset.custom_fields, current_primary, patch, creating=False)
        check_references(user, asset, asset.type, outcome, set(patch.set))
        errors.extend(outcome.errors)
        asset.custom_fields = outcome.values
        fields.append("custom_fields")
    if errors:
        raise ValidationFailed("the asset is not valid", errors=errors)
    if "key" in fields:
        _refuse_taken_key(user, asset.organization_id, asset.key, asset.pk)
    asset.updated_at = timezone.now()
    with unique_or_duplicate(KEY_TAKEN, "key"):
        save_versioned(asset, version, fields)
    if outcome is not None:
        sync_device_links(asset, outcome)
    primary = outcome.primary_code if outcome is not None else current_primary
    changelog.record(user, "update", asset, before=before, after=_asset_snapshot(asset, primary))
    return get_asset(user, asset.pk)


@transaction.atomic
def delete_asset(user, asset_id: int, *, version=None) -> None:
    asset = get_asset(user, asset_id, "delete")
    check_version(asset, version)
    delete_locked_asset(user, asset, version)


def delete_locked_asset(user, asset: Asset, version=None) -> None:
    """The deletion itself, once access and version are checked: delete_locked_assets of one."""
    try:
        delete_locked_assets(user, [asset], {asset.pk: version})
    except RowsChanged as exc:
        raise exc.error_for("asset", asset.pk, version) from None


def delete_locked_assets(user, assets: list[Asset], versions: dict[int, int | None]) -> list[Asset]:
    """The deletion of one asset or many, once access and versions are checked (single and bulk
    deletes share it, so each rule has one home): the extensions' snapshots, one conditional
    DELETE a batch (any asset changed or gone since: RowsChanged, nothing deleted), the
    extensions' before-delete work, the references to the deleted assets dropped, one delete
    entry each in one insert. The queries grow with batches and organizations, not assets."""
    # What the extensions keep for a restore (the groups' memberships), read from the assets as
    # the services hold them.
    kept: dict[int, dict] = {asset.pk: {} for asset in assets}
    extensions.snapshot_deleted_many(assets, kept)
    befores: dict[int, dict] = {}

    def log_what_goes(deleted: list[Asset]) -> None:
        # The rows as the conditional DELETE removed them, and their dependents still in place:
        # links log the links that cascade away, files remove the assets' files.
        primaries = {}
        ids = [row.pk for row in deleted]
        for start in range(0, len(ids), 500):
            primaries.update(AssetDeviceLink.objects.filter(asset_id__in=ids[start:start + 500], is_primary=True)
                             .values_list("asset_id", "field_code"))
        for row in deleted:
            befores[row.pk] = {**_asset_snapshot(row, primaries.get(row.pk)), **kept[row.pk]}
        extensions.before_delete_many(user, deleted)

    deleted = delete_versioned_many(Asset, versions, before_cascade=log_what_goes)
    _drop_references_to(user, deleted)
    insert_change_entries(changelog.entry_rows(
        user, "delete", Asset.change_log_type,
        [(row.pk, row, row.organization_id, befores[row.pk], None) for row in deleted], jsonable=True,
    ))
    return deleted


def _drop_references_to(user, deleted: list[Asset], *, chunk: int = 500) -> None:
    """ASSET fields that named a deleted asset lose their value, like a link to it would: a
    stored id must never point at nothing (or at a later asset that reuses the id). Each asset
    that held such references is written once (one version bump, one change-log entry), however
    many of the deleted assets it named; the deleted ones themselves are gone already."""
    by_org: dict[int, list[int]] = {}
    for row in deleted:
        by_org.setdefault(row.organization_id, []).append(row.pk)
    gone = {row.pk for row in deleted}
    reference_types = types_where(lambda kind: kind.reference == "asset")
    holders: dict[int, Asset] = {}
    for organization in Organization.objects.filter(pk__in=list(by_org)).order_by("pk"):
        codes = set(
            CustomFieldDefinition.objects.filter(
                field_type__in=reference_types,
                asset_type__in=AssetType.objects.available_to(organization).values("pk"),
            ).values_list("code", flat=True)
        )
        ids = by_org[organization.pk]
        for start in range(0, len(ids) if codes else 0, chunk):
            part = ids[start:start + chunk]
            condition = Q(pk__in=[])
            for code in sorted(codes):
                condition |= Q(**{f"custom_fields__{code}__in": part})
            holders.update(
                (holder.pk, holder)
                for holder in Asset.objects.select_for_update()
                .filter(condition, organization_id=organization.pk)
                .prefetch_related("type__field_definitions")
                .order_by("pk")
            )
    now = timezone.now()
    changed, befores = [], []
    for holder in sorted(holders.values(), key=lambda asset: asset.pk):
        asset_codes = {d.code for d in holder.type.field_definitions.all() if d.kind.reference == "asset"}
        dropped = [code for code in asset_codes if holder.custom_fields.get(code) in gone]
        if not dropped:
            continue
        befores.append(holder.to_change_dict())
        for code in dropped:
            holder.custom_fields.pop(code)
        holder.updated_at = now
        changed.append(holder)
    bulk_save_versioned(changed, ["custom_fields", "updated_at"])
    changelog.record_bulk([
        changelog.build_entry(user, "update", holder, before=before, after=holder.to_change_dict())
        for holder, before in zip(changed, befores, strict=True)
    ])


def visible_assets(user, action: str = "view"):
    require_user(user)
    return Asset.objects.visible_to(user, action)


# Building the page's base (the permission conditions, the type columns, the device and group
# subqueries) cost ~4 ms of every list request; it depends on nothing but the reader's
# permission key, which is read afresh on every request.
_PAGE_BASES = KeyedQueries(size=256)


def _page_base(user):
    from ..queries import device_rows

    return extensions.prefetch_assets(visible_assets(user).annotate(**TYPE_COLUMNS, device_rows=device_rows()), user)


def asset_page_queryset(user):
    """The assets a user can see, shaped for pages of the asset shape: device links in each row,
    the extensions' relations prefetched once per page."""
    require_user(user)
    return _PAGE_BASES.queryset(permission_key(user), lambda: _page_base(user))


def _first_page_query(user, ordering: str, limit: int):
    from ..queries import ordering_for

    queryset, keys = ordering_for(_page_base(user), ordering)
    if queryset._prefetch_related_lookups:
        raise TypeError("a compiled page runs no prefetch: the extensions' relations must be in its rows")
    _FIRST_PAGE_KEYS[ordering] = keys
    return first_page_queryset(queryset, keys, limit)


# The first page of the whole list (no filter, no cursor), the API's most asked list, in a
# statement compiled once per shape of the reader's grants, ordering and limit: building and
# compiling the page query cost more than its SQL at every page size up to 1,000.
_FIRST_PAGE = PermissionCompiledQuery(_first_page_query)
_FIRST_PAGE_KEYS: dict[str, list] = {}


def first_asset_page(user, ordering: str | None, limit: int | None):
    """What `paginate(asset_page_queryset(user) in `ordering`, limit)` reads, or None when the
    ordering needs more than the statement (a custom field's type, read per request)."""
    from ..queries import plain_ordering

    ordering = ordering or "title"
    if not plain_ordering(ordering):
        return None
    require_user(user)
    limit = clean_limit(limit)
    rows = _FIRST_PAGE.objects(user, ordering, limit)
    return first_page(rows, _FIRST_PAGE_KEYS[ordering], limit)



class _FilteredPage:
    """The pages of one shape of custom-field list (assets.queries.CustomFieldList): one
    statement per shape of cursor (none for the first page; the type of each sort value, or
    None, which changes the SQL), each compiled per shape of grants and limit from the first
    request of the shape with placeholders for its values."""

    def __init__(self, request, user):
        self.request = request
        self.placeholders = tuple(f"v{index}" for index in range(len(request.values)))
        # Never run: its columns are what a cursor's values are checked against.
        self.template, self.keys = request.apply(asset_page_queryset(user), request.values)
        self._queries: dict[tuple | None, PermissionCompiledQuery | None] = {}

    def query(self, cursor_shape: tuple | None) -> PermissionCompiledQuery | None:
        if cursor_shape in self._queries:
            return self._queries[cursor_shape]
        types = {name: type(value) for name, value in zip(self.placeholders, self.request.values, strict=True)}
        types.update((f"c{position}", kind) for position, kind in enumerate(cursor_shape or ()) if kind is not None)
        # Unprepared: how selective a filter is depends on its values, and so does the best plan.
        query = self._queries[cursor_shape] = PermissionCompiledQuery(
            functools.partial(self._build, cursor_shape=cursor_shape), prepared=False, **types,
        )
        return query

    def failed(self, cursor_shape: tuple | None) -> None:
        self._queries[cursor_shape] = None

    def _build(self, user, limit: int, *, cursor_shape: tuple | None, **values):
        queryset, keys = self.request.apply(_page_base(user), tuple(values[name] for name in self.placeholders))
        if queryset._prefetch_related_lookups:
            raise TypeError("a compiled page runs no prefetch: the extensions' relations must be in its rows")
        after = None
        if cursor_shape is not None:
            after = [None if kind is None else values[f"c{position}"] for position, kind in enumerate(cursor_shape)]
        return first_page_queryset(queryset, keys, limit, after=after)


# Shapes of filtered lists kept; past that the oldest goes (each holds its statements).
_FILTERED_KEPT = 256
_FILTERED_PAGES: dict[tuple, _FilteredPage] = {}
_FILTERED_LOCK = threading.Lock()


def filtered_asset_page(user, params, ordering: str | None, limit: int | None, *, cursor: str | None = None,
                        lookup):
    """What `paginate` reads for a page (the first, or the one after `cursor`) of a list
    filtered by custom fields and organizations only, or by nothing, in any ordering (a custom
    field's included); None for a request it can't answer so (another filter, an own-equality kind, a bad ordering,
    a cursor on a date). Filter and cursor values are checked as the full path checks them (a
    bad one raises the same 400) before they are bound: the statement of each shape of request
    (which conditions, operators, value types and counts, ordering, cursor, limit, shape of
    grants) is compiled once, with the values as placeholders."""
    from ..queries import custom_field_list

    require_user(user)
    request = custom_field_list(params, ordering, lookup)
    if request is None:
        return None
    limit = clean_limit(limit)
    page = _FILTERED_PAGES.get(request.shape)
    if page is None:
        page = _FilteredPage(request, user)
        with _FILTERED_LOCK:
            _FILTERED_PAGES[request.shape] = page
            while len(_FILTERED_PAGES) > _FILTERED_KEPT:
                del _FILTERED_PAGES[next(iter(_FILTERED_PAGES))]
    values = dict(zip(page.placeholders, request.values, strict=True))
    cursor_shape = None
    if cursor:
        after = cursor_values(page.template, page.keys, cursor)
        if not all(value is None or type(value) in PLACEHOLDER_TYPES for value in after):
            return None
        cursor_shape = tuple(None if value is None else type(value) for value in after)
        values.update((f"c{position}", value) for position, value in enumerate(after) if value is not None)
    query = page.query(cursor_shape)
    if query is None:
        return None
    try:
        rows = query.objects(user, limit, **values)
    except NotCompilable:
        page.failed(cursor_shape)  # a derivation of a value no parameter carries: the full path answers
        return None
    return first_page(rows, page.keys, limit, cursor=cursor)


def asset_list_queryset(user, params, ordering: str | None, lookup=None) -> tuple:
    """(queryset, sort keys) of a list of assets: the reader's, filtered by `params` (GET /assets'
    parameters) and ordered; what the compiled pages stand for."""
    from ..queries import FieldTypeLookup, filter_assets, ordering_for

    lookup = lookup or FieldTypeLookup(params, ordering, user=user)
    queryset, type_ids = filter_assets(asset_page_queryset(user), params, user=user, lookup=lookup)
    return ordering_for(queryset, ordering, type_ids, lookup=lookup)


def asset_list_page(user, params, ordering: str | None, limit: int | None, *, cursor: str | None = None,
                    with_count: bool = False):
    """The page of assets a list request asks for (REST's GET /assets, GraphQL's assets): read by
    a compiled statement where the request's shape allows (first_asset_page, filtered_asset_page),
    else by the queryset of asset_list_queryset, which also answers a total count."""
    from ..core.pagination import paginate
    from ..queries import FIXED_PARAMS, FieldTypeLookup

    lookup = None
    if not with_count:
        page = first_asset_page(user, ordering, limit) if cursor is None and params.keys() <= FIXED_PARAMS else None
        if page is None:
            lookup = FieldTypeLookup(params, ordering, user=user)
            page = filtered_asset_page(user, params, ordering, limit, cursor=cursor, lookup=lookup)
        if page is not None:
            return page
    queryset, keys = asset_list_queryset(user, params, ordering, lookup)
    return paginate(queryset, keys, limit=limit, cursor=cursor, with_count=with_count)
