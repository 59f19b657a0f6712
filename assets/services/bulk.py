"""Bulk writes of assets (REST `POST/PATCH/DELETE /assets` with a list): all-or-nothing, every bad
item reported at its index. The rules are the single-asset services' (cleaners, custom-field
validation, the set-based reference checks, versioned writes, the change log); what differs is
that each lookup is made once for the whole list, so the number of queries grows with the number
of organizations and batches, not with the number of items."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.text import slugify

from assets.access.permissions import asset_condition, can_create_assets
from assets.core import changelog
from assets.core.errors import DomainError, ValidationFailed
from assets.core.inputs import clean_slug, clean_text, is_id, require_user, unique_or_duplicate
from assets.core.versioning import RowsChanged, bulk_save_versioned

from ..models import Asset, AssetType
from . import assets as single
from .organizations import visible_organizations

MAX_ITEMS = 1000
BATCH = 1000


class BulkFailed(DomainError):
    """One problem for the whole list; `errors` hold {index, field, message} per bad item. The
    status is the gravest kind found: an unknown item (404) before a stale one (409) before bad
    input (400)."""

    def __init__(self, errors: list[dict]):
        kinds = {error.pop("kind", 400) for error in errors}
        status = 404 if 404 in kinds else 409 if 409 in kinds else 400
        self.status = status
        self.code, self.title = {
            404: ("NOT_FOUND", "Not found"),
            409: ("CONFLICT", "Entity has been modified by another request"),
            400: ("VALIDATION_ERROR", "Validation error"),
        }[status]
        errors.sort(key=lambda error: error["index"])
        super().__init__(f"{len({e['index'] for e in errors})} of the items can't be written; nothing was written",
                         errors=errors)


class Errors:
    def __init__(self):
        self.items: list[dict] = []

    def add(self, index: int, field: str, message: str, kind: int = 400) -> None:
        self.items.append({"index": index, "field": field, "message": message, "kind": kind})

    def extend(self, index: int, errors: list[dict], kind: int = 400) -> None:
        for error in errors:
            self.add(index, error.get("field", ""), error.get("message", "is invalid"), kind)

    def indexes(self) -> set[int]:
        return {error["index"] for error in self.items}

    def raise_any(self) -> None:
        if self.items:
            raise BulkFailed(self.items)


def _check_size(items, limit: int = MAX_ITEMS) -> None:
    if not items:
        raise ValidationFailed.field("body", "send at least one item")
    if len(items) > limit:
        raise ValidationFailed.field("body", f"at most {limit} items per request")


def _cleaned(errors: Errors, index: int, cleaner, *args, **kwargs):
    try:
        return cleaner(*args, **kwargs)
    except ValidationFailed as exc:
        errors.extend(index, exc.errors)
        return None


def _ref_row(index: int, asset_id, definitions: dict, outcome, changed_codes) -> single.RefRow:
    return single.RefRow(
        line=index,
        asset_id=asset_id,
        asset_refs={
            code: outcome.values[code]
            for code in changed_codes
            if code in outcome.values and code in definitions and definitions[code].kind.reference == "asset"
        },
        device_refs={code: ref for code, ref in outcome.device_ids.items() if code in changed_codes},
    )


def _check_refs(user, errors: Errors, rows_by_org: dict[int, list[single.RefRow]]) -> None:
    for organization_id, rows in rows_by_org.items():
        for error in single.check_asset_refs(user, organization_id, rows) + single.check_device_claims(user, organization_id, rows):
            errors.add(error.line, f"custom_fields.{error.field}", error.message, 409 if error.duplicate else 400)


def _check_keys(errors: Errors, wanted: list[tuple[int, int, str, int | None]]) -> None:
    """(index, organization id, key, own id): a key is unique per organization, in the list and
    against the stored assets (the unique constraint stays the guard against races)."""
    seen: dict[tuple[int, str], int] = {}
    by_org = defaultdict(set)
    for index, organization_id, key, _ in wanted:
        if (organization_id, key) in seen:
            errors.add(index, "key", f"also used by item {seen[organization_id, key]}", 409)
        else:
            seen[organization_id, key] = index
        by_org[organization_id].add(key)
    taken = {}
    for organization_id, keys in by_org.items():
        taken.update(
            ((organization_id, key), pk)
            for key, pk in Asset.objects.filter(organization_id=organization_id, key__in=keys).values_list("key", "pk")
        )
    for index, organization_id, key, own in wanted:
        holder = taken.get((organization_id, key))
        if holder is not None and holder != own:
            errors.add(index, "key", "already taken", 409)


def _generate_keys(assets: list[Asset]) -> None:
    """Keys for items sent without one, like the single create's, checked in one query a round."""
    pending = [asset for asset in assets if not asset.key]
    while pending:
        for asset in pending:
            asset.key = f"{slugify(asset.title)[:40].strip('-') or 'asset'}-{secrets.token_hex(3)}"
        taken = set(
            Asset.objects.filter(key__in={a.key for a in pending}).values_list("organization_id", "key")
        )
        keys = [(a.organization_id, a.key) for a in pending]
        pending = [a for a, k in zip(pending, keys, strict=True) if k in taken or keys.count(k) > 1]


def _results(user, pks: list[int]) -> list[Asset]:
    found = {asset.pk: asset for asset in single.asset_page_queryset(user).filter(pk__in=pks)}
    return [found[pk] for pk in pks]


@transaction.atomic
def create_assets(user, items: list[dict]) -> list[Asset]:
    """Each item is a single create's body (organization_id, type_id, title, key?, custom_fields?)."""
    require_user(user)
    _check_size(items)
    errors = Errors()
    org_ids = {item.get("organization_id") for item in items if is_id(item.get("organization_id"))}
    organizations = {o.pk: o for o in visible_organizations(user).filter(pk__in=org_ids)}
    types = {
        organization_id: {t.pk: t for t in available}
        for organization_id, available in AssetType.objects.prefetch_related("field_definitions")
        .available_to_each(list(organizations.values())).items()
    }
    new, rows_by_org, keys = [], defaultdict(list), []
    for index, item in enumerate(items):
        if item.get("remote_url") is not None:
            errors.add(index, "remote_url", "asset files can't be given in a bulk create")
        organization = organizations.get(item.get("organization_id"))
        if organization is None:
            errors.add(index, "organization_id", "organization not found", 404)
            continue
        if not can_create_assets(user, organization.pk):
            errors.add(index, "organization_id", "creating assets needs change_org_assets on the organization")
            continue
        asset_type = types[organization.pk].get(item.get("type_id"))
        if asset_type is None:
            errors.add(index, "type_id", f"type {item.get('type_id')} is not available to organization {organization.key}")
            continue
        title = _cleaned(errors, index, clean_text, item.get("title"), "title", max_length=255)
        key = item.get("key")
        if key is not None:
            key = _cleaned(errors, index, clean_slug, key, "key", max_length=128)
            if key is not None:
                keys.append((index, organization.pk, key, None))
        patch = _cleaned(errors, index, single.CustomFieldsPatch.parse, item.get("custom_fields"))
        if patch is None:
            continue
        definitions = {d.code: d for d in asset_type.field_definitions.all()}
        outcome = single.apply_custom_fields(asset_type, {}, None, patch, creating=True, definitions=definitions)
        errors.extend(index, outcome.errors)
        # New assets have no id yet: a negative stand-in keeps "can't reference itself" apart.
        rows_by_org[organization.pk].append(_ref_row(index, -(index + 1), definitions, outcome, set(outcome.values)))
        asset = Asset(organization=organization, type=asset_type, title=title or "", key=key or "",
                      custom_fields=outcome.values, created_by=user)
        new.append((index, asset, outcome))
    _check_refs(user, errors, rows_by_org)
    _check_keys(errors, keys)
    errors.raise_any()
    created = [asset for _, asset, _ in new]
    _generate_keys(created)
    with unique_or_duplicate("an asset key is already taken", "key"):
        Asset.objects.bulk_create(created, batch_size=BATCH)
    single.sync_device_links_of([(asset, outcome) for _, asset, outcome in new])
    changelog.record_bulk([
        changelog.build_entry(user, "create", asset, after=single._asset_snapshot(asset, outcome.primary_code))
        for _, asset, outcome in new
    ])
    return _results(user, [asset.pk for asset in created])


def _ids_of(errors: Errors, items: list[dict]) -> dict[int, int]:
    """{index: id} of the items that name a valid id once."""
    ids, first = {}, {}
    for index, item in enumerate(items):
        asset_id = item.get("id")
        if not is_id(asset_id):
            errors.add(index, "id", "must be a positive integer id")
        elif asset_id in first:
            errors.add(index, "id", f"also given by item {first[asset_id]}")
        else:
            first[asset_id] = index
            ids[index] = asset_id
    return ids


def _writable(user, errors: Errors, ids: dict[int, int], action: str) -> dict[int, Asset]:
    """{index: asset} locked for the write; an id the user can't see is 'not found' at its index
    (never named), one they see but may not `action` is refused at its index."""
    wanted = sorted(ids.values())
    visible = set(Asset.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    allowed = set(Asset.objects.visible_to(user, action).filter(pk__in=visible).values_list("pk", flat=True))
    locked = {
        asset.pk: asset
        for asset in Asset.objects.select_for_update(of=("self",)).filter(pk__in=allowed).order_by("pk")
        .select_related("type", "organization").prefetch_related("type__field_definitions", "device_links")
    }
    found = {}
    for index, asset_id in ids.items():
        if asset_id not in visible:
            errors.add(index, "id", "not found", 404)
        elif asset_id not in allowed:
            errors.add(index, "id", f"you may view this asset but not {action} it", 400)
        elif asset_id in locked:
            found[index] = locked[asset_id]
        else:
            errors.add(index, "id", "not found", 404)
    return found


def _check_versions(errors: Errors, items: list[dict], found: dict[int, Asset]) -> None:
    for index, asset in found.items():
        version = items[index].get("version")
        if version is not None and version != asset.version:
            errors.add(index, "version", f"the asset is at version {asset.version}, not {version}", 409)


@transaction.atomic
def update_assets(user, items: list[dict], *, limit: int = MAX_ITEMS, results: bool = True) -> list[Asset]:
    """Each item is {id, version?, title?, key?, custom_fields?}: a single patch's body and its id.
    The pages' bulk actions pass a larger `limit` and skip reading the results back."""
    require_user(user)
    _check_size(items, limit)
    errors = Errors()
    found = _writable(user, errors, _ids_of(errors, items), "change")
    _check_versions(errors, items, found)
    changed, rows_by_org, keys, fields = [], defaultdict(list), [], {"updated_at", "title", "key", "custom_fields"}
    now = timezone.now()
    for index, asset in found.items():
        item = items[index]
        unknown = set(item) - {"id", "version", "title", "key", "custom_fields", "remote_url"}
        if unknown:
            errors.add(index, "", f"unknown fields: {', '.join(sorted(unknown))}")
        if item.get("remote_url") is not None:
            errors.add(index, "remote_url", "asset files can't be changed in a bulk update")
        primary = single._current_primary(asset)
        before = single._asset_snapshot(asset, primary)
        if "title" in item:
            asset.title = _cleaned(errors, index, clean_text, item["title"], "title", max_length=255) or asset.title
        if "key" in item and item["key"] != asset.key:
            key = _cleaned(errors, index, clean_slug, item["key"], "key", max_length=128)
            if key is not None:
                asset.key = key
                keys.append((index, asset.organization_id, key, asset.pk))
        outcome = None
        if item.get("custom_fields") is not None:
            patch = _cleaned(errors, index, single.CustomFieldsPatch.parse, item["custom_fields"])
            if patch is not None:
                definitions = {d.code: d for d in asset.type.field_definitions.all()}
                outcome = single.apply_custom_fields(asset.type, asset.custom_fields, primary, patch, creating=False,
                                                     definitions=definitions)
                errors.extend(index, outcome.errors)
                rows_by_org[asset.organization_id].append(_ref_row(index, asset.pk, definitions, outcome, set(patch.set)))
                asset.custom_fields = outcome.values
        asset.updated_at = now
        changed.append((asset, outcome, before, primary))
    _check_refs(user, errors, rows_by_org)
    _check_keys(errors, keys)
    errors.raise_any()
    assets_ = [asset for asset, *_ in changed]
    # The rows were locked (in key order) when read, at the versions checked: no one changed
    # them since, and bulk_save_versioned bumps each version in SQL.
    with unique_or_duplicate("an asset key is already taken", "key"):
        bulk_save_versioned(assets_, sorted(fields), batch_size=BATCH)
    single.sync_device_links_of([(asset, outcome) for asset, outcome, *_ in changed if outcome is not None])
    changelog.record_bulk([
        changelog.build_entry(
            user, "update", asset, before=before,
            after=single._asset_snapshot(asset, outcome.primary_code if outcome is not None else primary),
        )
        for asset, outcome, before, primary in changed
    ])
    return _results(user, [asset.pk for asset in assets_]) if results else assets_


@transaction.atomic
def delete_assets(user, items: list[dict], *, limit: int = MAX_ITEMS) -> None:
    """Each item is {id, version?}. Permissions and versions are checked for the whole list at
    once, then the single delete's rule runs once for the set (assets.delete_locked_assets): the
    extensions' before-delete work, the references to the deleted assets, the conditional DELETE
    of them all; an asset not deleted by it is reported at its index and undoes all."""
    require_user(user)
    _check_size(items, limit)
    errors = Errors()
    for index, item in enumerate(items):
        unknown = set(item) - {"id", "version"}
        if unknown:
            errors.add(index, "", f"unknown fields: {', '.join(sorted(unknown))}")
    found = _writable(user, errors, _ids_of(errors, items), "delete")
    _check_versions(errors, items, found)
    errors.raise_any()
    try:
        # The rows are locked at the versions checked: the conditional DELETE holds them to those.
        single.delete_locked_assets(user, list(found.values()), {asset.pk: asset.version for asset in found.values()})
    except RowsChanged as exc:
        for index, asset in found.items():
            if asset.pk in exc.current:
                current = exc.current[asset.pk]
                if current is None:
                    errors.add(index, "id", "not found", 404)
                else:
                    errors.add(index, "version", f"the asset is at version {current}, not {asset.version}", 409)
    errors.raise_any()  # leaving the transaction with an exception undoes the deletions made


# --- the asset list's bulk actions ---------------------------------------------------------------
# The pages act on what the user ticked (ids with the versions the list showed them) or on every
# asset matching the list's filter. Each action is one transaction through the functions above
# (or the groups' and links' services); the confirmation step counts first.
PAGE_MAX_ITEMS = 10_000


@dataclass
class Selection:
    """`versions`: ticked rows {id: version shown}; `queryset`: every visible asset matching the
    list's filter (no versions: the user never saw those rows)."""

    versions: dict[int, int | None] = field(default_factory=dict)
    queryset: object = None

    def items(self) -> list[dict]:
        if self.queryset is not None:
            return [{"id": pk} for pk in self.queryset.order_by("pk").values_list("pk", flat=True)[:PAGE_MAX_ITEMS + 1]]
        return [{"id": pk, "version": version} for pk, version in self.versions.items()]


@dataclass
class Summary:
    """What the confirmation step shows: counts only, so nothing hidden is named or hinted at
    (assets gone or hidden since the list was shown count as `gone`)."""

    selected: int = 0
    allowed: int = 0
    refused: int = 0
    stale: int = 0
    gone: int = 0

    @property
    def ready(self) -> bool:
        return self.allowed > 0 and not (self.refused or self.stale or self.gone)


def _flag(condition: Q | None):
    if condition is None:
        return Value(True, output_field=BooleanField())
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def summarize(user, selection: Selection, action: str, *, organization_id: int | None = None) -> Summary:
    """Counts in SQL (one query): how many selected assets the user may `action` (in
    `organization_id` when the action needs one), how many not, how many changed since shown."""
    require_user(user)
    condition = asset_condition(user, action)
    if organization_id is not None:
        condition = Q(organization_id=organization_id) & (condition or Q())
    if selection.queryset is not None:
        allowed = Count("pk") if condition is None else Count("pk", filter=condition)
        counts = selection.queryset.order_by().aggregate(n=Count("pk"), ok=allowed)
        return Summary(selected=counts["n"], allowed=counts["ok"], refused=counts["n"] - counts["ok"])
    summary = Summary(selected=len(selection.versions))
    rows = Asset.objects.filter(pk__in=list(selection.versions)).annotate(
        _seen=_flag(asset_condition(user, "view")), _ok=_flag(condition),
    ).values_list("pk", "version", "_seen", "_ok")
    found = {pk: (version, seen, ok) for pk, version, seen, ok in rows}
    for pk, shown in selection.versions.items():
        version, seen, ok = found.get(pk, (None, False, False))
        if not seen:
            summary.gone += 1
        elif not ok:
            summary.refused += 1
        elif shown is not None and shown != version:
            summary.stale += 1
        else:
            summary.allowed += 1
    return summary


def _locked_selection(user, items: list[dict], action: str, organization_id: int | None = None):
    """(errors, {index: asset}) for the group and link actions: the same checks as the REST bulk
    writes (visibility, permission, versions), rows locked."""
    _check_size(items, PAGE_MAX_ITEMS)
    errors = Errors()
    found = _writable(user, errors, _ids_of(errors, items), action)
    _check_versions(errors, items, found)
    if organization_id is not None:
        for index, asset in found.items():
            if asset.organization_id != organization_id:
                errors.add(index, "id", "belongs to another organization than the group")
    return errors, found


def _visible_group_ids(user, asset_ids: list[int]) -> dict[int, list[int]]:
    from groups.models import GroupMembership
    from groups.permissions import visible_groups

    held = defaultdict(list)
    rows = GroupMembership.objects.filter(asset_id__in=asset_ids, group__in=visible_groups(user)).order_by("group_id")
    for asset_id, group_id in rows.values_list("asset_id", "group_id"):
        held[asset_id].append(group_id)
    return held


@transaction.atomic
def file_assets(user, items: list[dict], group_id: int, mode: str) -> int:
    """Adds the assets to the group, removes them from it, or moves them into it (out of the
    other groups of its tree). All or nothing; one change-log entry per asset whose groups
    changed (only groups the user may see), beside the groups' own entries. Returns how many."""
    from groups import services as groups

    require_user(user)
    group = groups.get_group(user, group_id)
    # The tree lock before the asset rows, in the order the groups' own services take them (tree,
    # then the assets they file): the other order could deadlock with a concurrent filing.
    groups.lock_trees(group.organization_id)
    errors, found = _locked_selection(user, items, "change", group.organization_id)
    errors.raise_any()
    ids = [asset.pk for asset in found.values()]
    before = _visible_group_ids(user, ids)
    groups.file_members(user, group.pk, ids, mode=mode)
    after = _visible_group_ids(user, ids)
    changelog.record_bulk([
        changelog.build_entry(user, "update", asset, before={"group_ids": before.get(asset.pk, [])},
                              after={"group_ids": after.get(asset.pk, [])})
        for asset in found.values() if before.get(asset.pk, []) != after.get(asset.pk, [])
    ])
    return len(ids)


@transaction.atomic
def link_assets(user, items: list[dict], link_type_id: int, target_id: int, *, remove: bool = False) -> int:
    """Adds a link of the type from each asset to the target, or removes such links, with the
    links' set services (the single write's rules for the whole set, each link logged). Every
    refusal is reported at its item and undoes all. Returns how many links were added or removed."""
    from links import services as links

    require_user(user)
    errors, found = _locked_selection(user, items, "change")
    errors.raise_any()
    indexes = list(found)
    source_ids = [found[index].pk for index in indexes]
    try:
        if remove:
            return links.delete_links_many(user, link_type_id=link_type_id, source_ids=source_ids, target_id=target_id)
        return len(links.create_links_many(user, link_type=link_type_id, source_ids=source_ids, target_id=target_id))
    except BulkFailed as exc:
        for error in exc.errors:  # the set's indexes are the selection's items
            error["index"] = indexes[error["index"]] if error["index"] < len(indexes) else error["index"]
        raise
