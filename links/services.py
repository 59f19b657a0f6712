"""The domain of links: every rule, permission check, lock, version bump and change-log entry of
link types and links. The API, the pages, the admin and the demo data all write through here.

Rules that must survive concurrent requests are enforced by the database (unique indexes for
duplicates, a check constraint for self-links) or under a lock (acyclic hierarchies: link writes of
one hierarchical type are serialized, then one recursive query answers "is the source reachable
from the target?")."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from assets.access.permissions import ORG_ASSET_CODENAMES, asset_condition, can_manage_org, snapshot
from assets.core import changelog
from assets.core.db.bulk_sql import insert_change_entries, insert_rows_returning
from assets.core.errors import (
    Cycle,
    DomainError,
    Duplicate,
    Forbidden,
    InUse,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from assets.core.inputs import clean_text, id_from_text, is_id, require_id, require_user, unique_or_duplicate
from assets.core.versioning import (
    RowsChanged,
    check_version,
    delete_versioned,
    delete_versioned_many,
    hold_rows,
    lock_row,
    save_versioned,
)
from assets.models import Asset, ChangeLogEntry, Organization
from assets.services.assets import get_asset
from assets.services.organizations import get_organization

from .models import Link, LinkKind, LinkType
from .system_types import SYSTEM_LINK_TYPES

MAX_ALIAS_LENGTH = 128
MAX_PROPERTIES = 500
MAX_PROPERTIES_BYTES = 256 * 1024
MAX_TAGS = 100
MAX_TAG_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 10_000
MAX_REPLACE_ENTRIES = 1000
INT32 = 2**31
# Namespace of the advisory locks taken per hierarchical link type ("LNK").
HIERARCHY_LOCK_NAMESPACE = 0x4C4E4B
LINK_FIELDS = ("alias", "tags", "properties", "sequence", "description")
LINK_TYPE_ATTRIBUTES = (
    "source_label", "target_label", "description", "allow_alias", "source_type_codes", "target_type_codes",
)
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_-]*")
SYSTEM_CODES = frozenset(spec["code"] for spec in SYSTEM_LINK_TYPES)


# --- link types ---------------------------------------------------------------------------------
def visible_link_types(user, organization_id: int | None = None):
    """(queryset, organization): with an organization, the types usable there; otherwise the
    system types and those of every organization the user can see (assets.core.catalogue)."""
    require_user(user)
    if organization_id is not None:
        if not is_id(organization_id):
            raise NotFound(f"organization {organization_id} does not exist")
        organization = get_organization(user, organization_id)
        return LinkType.objects.available_to(organization), organization
    return LinkType.objects.visible_to(user), None


def with_usage(queryset):
    return queryset.annotate(in_use=Exists(Link.objects.filter(link_type_id=OuterRef("pk"))))


def get_link_type(user, link_type_id: int) -> LinkType:
    queryset, _ = visible_link_types(user)
    if not is_id(link_type_id):
        raise NotFound(f"link type {link_type_id} does not exist")
    link_type = with_usage(queryset).select_related("organization").filter(pk=link_type_id).first()
    if link_type is None:
        raise NotFound(f"link type {link_type_id} does not exist")
    return link_type


def _writable_link_type(user, link_type_id: int) -> LinkType:
    link_type = get_link_type(user, link_type_id)
    if link_type.is_system:
        raise Forbidden("system link types are read-only")
    if not can_manage_org(user, link_type.organization_id):
        raise Forbidden("changing a link type needs manage_org on the organization that owns it")
    return link_type


def _clean_code(value) -> str:
    if not isinstance(value, str) or not CODE_PATTERN.fullmatch(value):
        raise ValidationFailed.field(
            "code", "must start with a lowercase letter and hold only lowercase letters, digits, hyphens and underscores"
        )
    if len(value) > 64:
        raise ValidationFailed.field("code", "must be at most 64 characters")
    return value


def _clean_type_codes(value, field_name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed.field(field_name, "must be a list of asset type codes")
    codes = []
    for code in value:
        if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", code):
            raise ValidationFailed.field(field_name, f"'{code}' is not an asset type code")
        if code not in codes:
            codes.append(code)
    return codes


def _clean_bool(value, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed.field(field_name, "must be true or false")
    return value


def _link_type_values(changes: dict) -> tuple[dict, list]:
    """Cleans the writable attributes present in `changes`; returns (values, errors)."""
    cleaners = {
        "name": lambda v: clean_text(v, "name", max_length=255),
        "source_label": lambda v: clean_text(v, "source_label", max_length=128, required=False),
        "target_label": lambda v: clean_text(v, "target_label", max_length=128, required=False),
        "description": lambda v: clean_text(v, "description", max_length=MAX_DESCRIPTION_LENGTH, required=False),
        "allow_alias": lambda v: _clean_bool(v, "allow_alias"),
        "source_type_codes": lambda v: _clean_type_codes(v, "source_type_codes"),
        "target_type_codes": lambda v: _clean_type_codes(v, "target_type_codes"),
    }
    values, errors = {}, []
    for name, clean in cleaners.items():
        if name in changes:
            try:
                values[name] = clean(changes[name])
            except ValidationFailed as exc:
                errors.extend(exc.errors)
    return values, errors


@transaction.atomic
def create_link_type(user, *, organization_id=None, code=None, name=None, kind=None, **attributes) -> LinkType:
    require_user(user)
    if organization_id is None:
        raise ValidationFailed.field("organization_id", "is required: system link types come with the product")
    organization = get_organization(user, organization_id)
    if not can_manage_org(user, organization.pk):
        raise Forbidden(f"creating link types needs manage_org on organization {organization.key}")
    unknown = set(attributes) - set(LINK_TYPE_ATTRIBUTES)
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")
    errors = []
    try:
        code = _clean_code(code)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if kind not in LinkKind.values:
        errors.append({"field": "kind", "message": f"must be one of {', '.join(LinkKind.values)}"})
    values, attribute_errors = _link_type_values({"name": name, **attributes})
    errors.extend(attribute_errors)
    if errors:
        raise ValidationFailed("the link type is not valid", errors=errors)
    if code in SYSTEM_CODES:
        raise Duplicate(f"'{code}' is a system link type", errors=[{"field": "code", "message": "is a system link type"}])
    link_type = LinkType(organization=organization, code=code, kind=kind, **values)
    with unique_or_duplicate(f"organization {organization.key} has a link type '{code}'", "code"):
        link_type.save()
    changelog.record_created(user, link_type)
    return get_link_type(user, link_type.pk)



def _links_violating(link_type: LinkType, values: dict) -> int:
    """How many existing links would break the changed alias permission or type restrictions."""
    links = Link.objects.filter(link_type=link_type)
    violating = Q(pk__in=[])
    if values.get("allow_alias") is False and link_type.allow_alias:
        violating |= Q(alias__isnull=False)
    if values.get("source_type_codes"):
        violating |= ~Q(source__type__code__in=values["source_type_codes"])
    if values.get("target_type_codes"):
        violating |= ~Q(target__type__code__in=values["target_type_codes"])
    return links.filter(violating).count()


@transaction.atomic
def update_link_type(user, link_type_id: int, *, version=None, **changes) -> LinkType:
    visible = _writable_link_type(user, link_type_id)
    link_type = lock_row(LinkType.objects.all(), visible.pk, "link type")
    check_version(link_type, version)
    for immutable in ("code", "kind", "organization_id"):
        if immutable in changes and changes[immutable] != getattr(link_type, immutable):
            raise ValidationFailed.field(immutable, "is immutable after creation")
        changes.pop(immutable, None)
    unknown = set(changes) - {"name", *LINK_TYPE_ATTRIBUTES}
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")
    values, errors = _link_type_values(changes)
    if errors:
        raise ValidationFailed("the link type is not valid", errors=errors)
    affected = _links_violating(link_type, values)
    if affected:
        raise InUse(
            f"{affected} links of type {link_type.code} would violate the change; change or remove them first",
            affected_links=affected,
        )
    before = link_type.to_change_dict()
    for name, value in values.items():
        setattr(link_type, name, value)
    link_type.updated_at = timezone.now()
    save_versioned(link_type, version, [*values, "updated_at"])
    changelog.record_updated(user, link_type, before)
    return get_link_type(user, link_type.pk)


@transaction.atomic
def delete_link_type(user, link_type_id: int, *, version=None) -> None:
    link_type = _writable_link_type(user, link_type_id)
    count = Link.objects.filter(link_type_id=link_type.pk).count()
    if count:
        raise InUse(f"{count} links use link type {link_type.code}", affected_links=count)
    deleted = delete_versioned(link_type, version)
    changelog.record_deleted(user, deleted, deleted.to_change_dict())


def resolve_link_type(reference, available: list[LinkType], organization: Organization, field_name="link_type") -> LinkType:
    """A link type given by id or code among those available to the source's organization. A code
    names the nearest definition: the organization's own, then its ancestors', then the system's."""
    if isinstance(reference, bool) or not isinstance(reference, int | str) or reference == "":
        raise ValidationFailed.field(field_name, "must be a link type id or code")
    if isinstance(reference, int) or (reference.isascii() and reference.isdigit()):
        wanted = reference if isinstance(reference, int) else id_from_text(reference)
        found = next((t for t in available if t.pk == wanted), None)
    else:
        candidates = [t for t in available if t.code == reference]
        found = max(candidates, key=lambda t: -1 if t.organization_id is None else t.organization.level, default=None)
    if found is None:
        raise ValidationFailed.field(field_name, f"link type '{reference}' is not available to organization {organization.key}")
    return found


def available_link_types(organization: Organization) -> list[LinkType]:
    return list(LinkType.objects.available_to(organization).select_related("organization"))


# --- link values --------------------------------------------------------------------------------
def clean_alias(link_type: LinkType, value, field_name="alias") -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationFailed.field(field_name, "must be a string")
    value = value.strip()
    if not value:
        return None
    if not link_type.allow_alias:
        raise ValidationFailed.field(field_name, f"link type {link_type.code} does not allow aliases")
    if len(value) > MAX_ALIAS_LENGTH:
        raise ValidationFailed.field(field_name, f"must be at most {MAX_ALIAS_LENGTH} characters")
    return value


def clean_tags(value, field_name="tags") -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed.field(field_name, "must be a list of strings")
    if len(value) > MAX_TAGS:
        raise ValidationFailed.field(field_name, f"at most {MAX_TAGS} tags")
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise ValidationFailed.field(field_name, "must be a list of strings")
        tag = tag.strip()
        if not tag:
            raise ValidationFailed.field(field_name, "tags must not be empty")
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationFailed.field(field_name, f"tags must be at most {MAX_TAG_LENGTH} characters")
        if tag not in tags:
            tags.append(tag)
    return tags


def clean_properties(value, field_name="properties") -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed.field(field_name, "must be a JSON object")
    if len(value) > MAX_PROPERTIES:
        raise ValidationFailed.field(field_name, f"at most {MAX_PROPERTIES} keys")
    try:
        size = len(json.dumps(value))
    except (TypeError, ValueError):
        raise ValidationFailed.field(field_name, "must be a JSON object")
    if size > MAX_PROPERTIES_BYTES:
        raise PayloadTooLarge(f"{field_name} must be at most {MAX_PROPERTIES_BYTES} bytes of JSON")
    return value


def clean_sequence(value, field_name="sequence") -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not -INT32 <= value < INT32:
        raise ValidationFailed.field(field_name, "must be an integer between -2147483648 and 2147483647")
    return value


def clean_description(value, field_name="description") -> str:
    return clean_text(value, field_name, max_length=MAX_DESCRIPTION_LENGTH, required=False)


def clean_link_values(link_type: LinkType, raw: dict, prefix: str = "") -> tuple[dict, list]:
    """Cleans the link attributes present in `raw`; returns (values, errors) so that a whole set
    of links can be validated before anything is written."""
    cleaners = {
        "alias": lambda v, f: clean_alias(link_type, v, f),
        "tags": clean_tags,
        "properties": clean_properties,
        "sequence": clean_sequence,
        "description": clean_description,
    }
    values, errors = {}, []
    for name, clean in cleaners.items():
        if name in raw:
            try:
                values[name] = clean(raw[name], f"{prefix}{name}")
            except ValidationFailed as exc:
                errors.extend(exc.errors)
    return values, errors


def link_rule_errors(link_type: LinkType, source: tuple[int, str], target: tuple[int, str], *, prefix: str = "",
                     fields: tuple[str, str] = ("source_id", "target_id")) -> list[dict]:
    """The rules every link obeys whichever surface writes it (REST, the replace-all PUT, the
    import): no link from an asset to itself, and the type's source and target restrictions.
    `source` and `target` are (asset id, asset type code); `fields` name the two ends in errors."""
    (source_id, source_type), (target_id, target_type) = source, target
    source_field, target_field = (f"{prefix}{name}" for name in fields)
    if source_id == target_id:
        return [{"field": target_field, "message": "a link can't connect an asset to itself"}]
    errors = []
    if link_type.source_type_codes and source_type not in link_type.source_type_codes:
        errors.append({
            "field": source_field,
            "message": f"link type {link_type.code} needs a source of type {', '.join(link_type.source_type_codes)}",
        })
    if link_type.target_type_codes and target_type not in link_type.target_type_codes:
        errors.append({
            "field": target_field,
            "message": f"link type {link_type.code} needs a target of type {', '.join(link_type.target_type_codes)}",
        })
    return errors


def _ends(source: Asset, target: Asset) -> tuple[tuple[int, str], tuple[int, str]]:
    return (source.pk, source.type.code), (target.pk, target.type.code)


def _endpoint(user, asset_id, field_name: str) -> Asset:
    """An asset the user may change: 404 when they can't see it, 403 when they only see it."""
    return get_asset(user, require_id(asset_id, field_name), "change",
                     queryset=Asset.objects.select_related("type", "organization"))


def _hold_assets(ids) -> None:
    """The endpoints stay until we commit (an asset deleted meanwhile is a 404, not a foreign-key
    error at commit)."""
    present = hold_rows(Asset, ids)
    missing = next((pk for pk in sorted(set(ids)) if pk not in present), None)
    if missing is not None:
        raise NotFound.of("asset", missing)


# --- hierarchy guard ----------------------------------------------------------------------------
def lock_hierarchy(link_type_id: int) -> None:
    """Serialize link writes of one hierarchical type until the transaction ends, so two requests
    can't each pass the cycle check and together close a loop (A->B next to B->A). SQLite needs
    nothing: its IMMEDIATE transactions already admit one writer at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [HIERARCHY_LOCK_NAMESPACE, link_type_id % INT32])


REACHABLE_SQL = """
WITH RECURSIVE below(asset_id) AS (
    SELECT CAST(%s AS BIGINT)
    UNION
    SELECT l.target_id FROM links_link l JOIN below b ON l.source_id = b.asset_id WHERE l.link_type_id = %s
)
SELECT 1 FROM below WHERE asset_id = %s LIMIT 1
"""


def would_create_cycle(link_type_id: int, source_id: int, target_id: int) -> bool:
    """One query: is the source reachable from the target (then source -> target closes a loop)?
    UNION (not UNION ALL) ends the walk even if the data already held a loop."""
    with connection.cursor() as cursor:
        cursor.execute(REACHABLE_SQL, [target_id, link_type_id, source_id])
        return cursor.fetchone() is not None


def _link_label(link_type: LinkType, source: Asset, target: Asset, alias: str | None) -> str:
    text = f"{link_type.code} link from {source.key} to {target.key}"
    return f"{text} with alias '{alias}'" if alias else text


def _insert_link(user, link_type: LinkType, source: Asset, target: Asset, values: dict) -> Link:
    if link_type.kind == LinkKind.HIERARCHICAL:
        lock_hierarchy(link_type.pk)
        if would_create_cycle(link_type.pk, source.pk, target.pk):
            raise Cycle(
                f"{source.key} is already below {target.key} in {link_type.code}; the link would make it its own ancestor",
                errors=[{"field": "target_id", "message": "would create a cycle"}],
            )
    link = Link(link_type=link_type, source=source, target=target, kind=link_type.kind, created_by=user, **values)
    with unique_or_duplicate(f"a {_link_label(link_type, source, target, link.alias)} exists", "target_id"):
        link.save()
    return link


# --- reads --------------------------------------------------------------------------------------
def visible_links(user):
    """Links whose two endpoints the user can see, filtered in SQL."""
    require_user(user)
    if asset_condition(user, "view") is None:
        return Link.objects.all()
    # Correlated probes by primary key rather than IN over every visible asset: a page of links
    # checks only its own endpoints.
    visible = Asset.objects.visible_to(user)
    return Link.objects.filter(
        Exists(visible.filter(pk=OuterRef("source_id"))), Exists(visible.filter(pk=OuterRef("target_id")))
    )


def link_change_scope(user) -> Q | None:
    """Which change-log entries of links the user may read (assets.services.changes): those whose
    two ends they may view, as for the links themselves. An end deleted since counts when its
    own delete entry is in an organization whose every asset they may view. The ends come from
    the entry (`after`, or `before` for a delete): the link itself may be gone."""
    if asset_condition(user, "view") is None:
        return None
    visible = Asset.objects.visible_to(user)
    whole_orgs = snapshot(user).organizations_with(ORG_ASSET_CODENAMES["view"])
    condition = Q()
    for end in ("source_id", "target_id"):
        end_id = Coalesce(
            Cast(OuterRef(f"after__{end}"), BigIntegerField()), Cast(OuterRef(f"before__{end}"), BigIntegerField())
        )
        viewable = Exists(visible.filter(pk=end_id))
        if whole_orgs:
            viewable |= Exists(ChangeLogEntry.objects.filter(
                object_type="asset", action="delete", object_id=end_id, organization_id__in=whole_orgs
            ))
        condition &= Q(viewable)
    return condition


def link_queryset(queryset=None):
    return (queryset if queryset is not None else Link.objects.all()).select_related("link_type", "source", "target")


def get_link(user, link_id: int, action: str = "view") -> Link:
    """404 unless both endpoints are visible; for "change", 403 unless both are changeable."""
    queryset = link_queryset(visible_links(user))
    if not is_id(link_id):
        raise NotFound(f"link {link_id} does not exist")
    condition = asset_condition(user, "change") if action == "change" else None
    if condition is not None:
        changeable = Asset.objects.filter(condition)
        queryset = queryset.annotate(
            source_changeable=Exists(changeable.filter(pk=OuterRef("source_id"))),
            target_changeable=Exists(changeable.filter(pk=OuterRef("target_id"))),
        )
    link = queryset.filter(pk=link_id).first()
    if link is None:
        raise NotFound(f"link {link_id} does not exist")
    if condition is not None and not (link.source_changeable and link.target_changeable):
        raise Forbidden("changing a link needs change permission on its source and its target")
    return link


# --- writes -------------------------------------------------------------------------------------
@transaction.atomic
def create_link(user, *, link_type, source_id, target_id, **raw) -> Link:
    """One link: the set rules of `create_links_many` for a set of one, its refusal as the single
    write's error (400 for a rule, 409 DUPLICATE or CYCLE)."""
    require_user(user)
    _check_fields(raw)
    source = _endpoint(user, source_id, "source_id")
    target = _endpoint(user, target_id, "target_id")
    _hold_assets([source.pk, target.pk])
    plan = plan_link_set(link_type, [source], target, raw)
    if plan.refusals:
        raise plan.single_error()
    (link,) = _write_link_set(user, plan)
    return get_link(user, link.pk)


def _check_fields(raw: dict) -> None:
    unknown = set(raw) - set(LINK_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")


# --- sets of links: many sources, one target ----------------------------------------------------
def link_identity(link_type_id: int, kind: str, source_id: int, target_id: int, alias) -> tuple:
    """What the unique indexes compare: a missing alias is the empty one, peer links are unordered."""
    if kind == LinkKind.PEER:
        source_id, target_id = min(source_id, target_id), max(source_id, target_id)
    return (link_type_id, source_id, target_id, alias or "")


@dataclass
class LinkSetPlan:
    """The links a set would write (`rows`: (index, link type, source, cleaned values)) and, per
    refused source, {index, field, message, kind} (kind 400: a rule; 409: a duplicate or a cycle)."""

    target: Asset
    rows: list[tuple[int, LinkType, Asset, dict]] = field(default_factory=list)
    refusals: list[dict] = field(default_factory=list)
    errors: dict[int, DomainError] = field(default_factory=dict)  # the single write's error per index

    def refuse(self, index: int, error: DomainError) -> None:
        self.errors.setdefault(index, error)
        for item in error.errors or [{"field": "target_id", "message": error.detail}]:
            self.refusals.append({"index": index, "field": item.get("field") or "target_id",
                                  "message": item.get("message") or error.detail, "kind": error.status})

    def single_error(self) -> DomainError:
        return self.errors[min(self.errors)]


def plan_link_set(reference, sources: list[Asset], target: Asset, raw: dict) -> LinkSetPlan:
    """Checks a link of type `reference` (id or code) from each source to `target` by the single
    create's rules, for the whole set at once: the type available to each source's organization
    (one query an organization), the values cleaned once a type, `link_rule_errors` (no self-link,
    the type's source and target restrictions) per pair, duplicates against the stored links and
    within the set (one query a type), and for hierarchical types no cycle (the type locked, one
    walk down from the target a batch of sources). The ends must already be checked and held."""
    plan = LinkSetPlan(target)
    types_by_org: dict[int, list[LinkType]] = {}
    resolved: list[tuple[int, LinkType, Asset]] = []
    for index, source in enumerate(sources):
        if source.organization_id not in types_by_org:
            types_by_org[source.organization_id] = available_link_types(source.organization)
        try:
            link_type = resolve_link_type(reference, types_by_org[source.organization_id], source.organization)
        except ValidationFailed as exc:
            plan.refuse(index, exc)
            continue
        rule_errors = link_rule_errors(link_type, *_ends(source, target))
        if rule_errors:
            plan.refuse(index, ValidationFailed("the link is not valid", errors=rule_errors))
            continue
        resolved.append((index, link_type, source))
    values_of: dict[int, dict] = {}
    for link_type in {t.pk: t for _, t, _ in resolved}.values():
        values, errors = clean_link_values(link_type, raw)
        if errors:
            for index, _, _ in (r for r in resolved if r[1].pk == link_type.pk):
                plan.refuse(index, ValidationFailed("the link is not valid", errors=errors))
        values_of[link_type.pk] = values
    resolved = [r for r in resolved if r[0] not in plan.errors]
    for link_type in {t.pk: t for _, t, _ in resolved}.values():
        of_type = [(index, source) for index, t, source in resolved if t.pk == link_type.pk]
        values = values_of[link_type.pk]
        taken = _stored_identities(link_type, [source.pk for _, source in of_type], target.pk, values.get("alias"))
        closers = _cycle_closers(link_type, [source.pk for _, source in of_type], target.pk)
        for index, source in of_type:
            key = link_identity(link_type.pk, link_type.kind, source.pk, target.pk, values.get("alias"))
            if key in taken:
                label = _link_label(link_type, source, target, values.get("alias"))
                plan.refuse(index, Duplicate(f"a {label} exists", errors=[{"field": "target_id", "message": f"a {label} exists"}]))
            elif source.pk in closers:
                plan.refuse(index, Cycle(
                    f"{source.key} is already below {target.key} in {link_type.code}; the link would make it its own ancestor",
                    errors=[{"field": "target_id", "message": "would create a cycle"}],
                ))
            else:
                taken.add(key)  # the same source twice in the set: the second is a duplicate
                plan.rows.append((index, link_type, source, values))
    return plan


def _stored_identities(link_type: LinkType, source_ids: list[int], target_id: int, alias) -> set[tuple]:
    """The identities among these candidate links that are already stored (one query)."""
    same = Q(source_id__in=source_ids, target_id=target_id)
    if link_type.kind == LinkKind.PEER:
        same |= Q(source_id=target_id, target_id__in=source_ids)
    stored = Link.objects.filter(same, link_type=link_type).annotate(alias_key=Coalesce("alias", Value("")))
    return {link_identity(link_type.pk, kind, source_id, target, alias_key)
            for kind, source_id, target, alias_key in stored.filter(alias_key=alias or "").values_list(
                "kind", "source_id", "target_id", "alias_key")}


REACHED_SQL = """
WITH RECURSIVE below(asset_id) AS (
    SELECT CAST(%s AS BIGINT)
    UNION
    SELECT l.target_id FROM links_link l JOIN below b ON l.source_id = b.asset_id WHERE l.link_type_id = %s
)
SELECT asset_id FROM below WHERE asset_id IN ({})
"""
CYCLE_BATCH = 500


def _cycle_closers(link_type: LinkType, source_ids: list[int], target_id: int) -> set[int]:
    """The sources already below the target in a hierarchical type: a link from one of them to
    the target would make it its own ancestor. Links of the type are serialized first
    (lock_hierarchy), so two sets can't each pass the check and together close a loop. With one
    target, the new links can't form a loop among themselves (it would pass the target twice)."""
    if link_type.kind != LinkKind.HIERARCHICAL or not source_ids:
        return set()
    lock_hierarchy(link_type.pk)
    found: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(source_ids), CYCLE_BATCH):
            chunk = source_ids[start:start + CYCLE_BATCH]
            cursor.execute(REACHED_SQL.format(", ".join(["%s"] * len(chunk))), [target_id, link_type.pk, *chunk])
            found.update(row[0] for row in cursor.fetchall())
    return found


LINK_COLUMNS = ["link_type", "source", "target", "kind", "alias", "tags", "properties", "sequence", "description",
                "created_by", "created_at", "updated_at", "version"]


def _write_link_set(user, plan: LinkSetPlan) -> list[Link]:
    """Inserts the planned links and their change-log entries, a statement per 1,000 rows each.
    The unique indexes stay the last word: a link stored meanwhile by another request is a 409
    DUPLICATE, and nothing of the set is written."""
    now = timezone.now()
    links = [Link(link_type=link_type, source=source, target=plan.target, kind=link_type.kind, created_by=user,
                  created_at=now, updated_at=now, version=1, tags=values.get("tags", []),
                  properties=values.get("properties", {}), sequence=values.get("sequence", 0),
                  description=values.get("description", ""), alias=values.get("alias"))
             for _, link_type, source, values in plan.rows]
    rows = [(link.link_type_id, link.source_id, link.target_id, link.kind, link.alias, link.tags, link.properties,
             link.sequence, link.description, link.created_by_id, now, now, 1) for link in links]
    with unique_or_duplicate(f"one of the links to {plan.target.key} exists already", "target_id"):
        ids = {source_id: pk for pk, source_id in insert_rows_returning(Link, LINK_COLUMNS, rows, ["id", "source"])}
    for link in links:
        link.pk = ids[link.source_id]  # one target: the source tells the new rows apart
    insert_change_entries(changelog.entry_rows(user, ChangeLogEntry.Action.CREATE, "link", [
        (link.pk, link, link.source.organization_id, None, link.to_change_dict()) for link in links
    ], time=now, jsonable=True))
    return links


def _set_endpoints(user, source_ids: list[int], target_id) -> tuple[list[Asset], Asset, list[dict]]:
    """(sources in the given order, the target, refusals): a source the user can't see is 'not
    found' at its index (never named), one they see but may not change is refused; the target is
    checked as the single write's (404 or 403 for the whole set). Every end is held."""
    require_user(user)
    target = _endpoint(user, target_id, "target_id")
    wanted = sorted({pk for pk in source_ids if is_id(pk)})
    visible = set(Asset.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    changeable = {asset.pk: asset for asset in Asset.objects.visible_to(user, "change").filter(pk__in=visible)
                  .select_related("type", "organization")}
    refusals, sources = [], []
    for index, pk in enumerate(source_ids):
        if pk not in visible:
            refusals.append({"index": index, "field": "source_id", "message": "not found", "kind": 404})
        elif pk not in changeable:
            refusals.append({"index": index, "field": "source_id", "message": "you may view this asset but not change it",
                             "kind": 400})
        else:
            sources.append((index, changeable[pk]))
    _hold_assets([target.pk, *changeable])
    return sources, target, refusals


def _refused(refusals: list[dict]):
    from assets.services.bulk import BulkFailed

    return BulkFailed(refusals)


@transaction.atomic
def create_links_many(user, *, link_type, source_ids: list[int], target_id, **raw) -> list[Link]:
    """A link of one type from each source to one target, all or none, by the single create's
    rules (`plan_link_set`). The number of queries grows with the organizations and batches
    involved, not with the sources. A refusal is one problem with {index, field, message} per
    refused source (the index into `source_ids`)."""
    _check_fields(raw)
    checked, target, refusals = _set_endpoints(user, source_ids, target_id)
    plan = plan_link_set(link_type, [source for _, source in checked], target, raw)
    refusals += [{**refusal, "index": checked[refusal["index"]][0]} for refusal in plan.refusals]
    if refusals:
        raise _refused(refusals)
    return _write_link_set(user, plan)


@transaction.atomic
def delete_links_many(user, *, link_type_id: int, source_ids: list[int], target_id) -> int:
    """Removes the links of the type from each source to the target (any alias; peer links in
    either direction), all or none, by the single delete's rules: both ends changeable (as
    `get_link(..., "change")` asks), one conditional versioned delete for the set, one change-log
    entry per link. Returns how many links went."""
    checked, target, refusals = _set_endpoints(user, source_ids, target_id)
    if refusals:
        raise _refused(refusals)
    ids = [source.pk for _, source in checked]
    held = Link.objects.filter(Q(source_id__in=ids, target_id=target.pk)
                               | Q(kind=LinkKind.PEER, source_id=target.pk, target_id__in=ids), link_type_id=link_type_id)
    organization_of = {source.pk: source.organization_id for _, source in checked}
    versions = dict(held.values_list("pk", "version"))
    try:
        deleted = delete_versioned_many(Link, versions)
    except RowsChanged as exc:
        raise _refused([{"index": 0, "field": "link", "message": "a link changed meanwhile; try again", "kind": 409}]) from exc
    insert_change_entries(changelog.entry_rows(user, ChangeLogEntry.Action.DELETE, "link", [
        (link.pk, link, organization_of.get(link.source_id, target.organization_id), link.to_change_dict(), None)
        for link in deleted
    ], jsonable=True))
    return len(deleted)


@transaction.atomic
def update_link(user, link_id: int, *, version=None, **changes) -> Link:
    visible = get_link(user, link_id, "change")
    unknown = set(changes) - set(LINK_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")
    link = lock_row(Link.objects.select_related("link_type", "source", "target"), visible.pk, "link")
    check_version(link, version)
    values, errors = clean_link_values(link.link_type, changes)
    if errors:
        raise ValidationFailed("the link is not valid", errors=errors)
    before = link.to_change_dict()
    for name, value in values.items():
        setattr(link, name, value)
    link.updated_at = timezone.now()
    label = _link_label(link.link_type, link.source, link.target, link.alias)
    with unique_or_duplicate(f"a {label} exists", "alias"):
        save_versioned(link, version, [*values, "updated_at"])
    changelog.record_updated(user, link, before, organization_id=link.source.organization_id)
    return get_link(user, link.pk)


@transaction.atomic
def delete_link(user, link_id: int, *, version=None) -> None:
    link = get_link(user, link_id, "change")
    check_version(link, version)
    deleted = delete_versioned(link, version)
    changelog.record_deleted(user, deleted, deleted.to_change_dict(), organization_id=link.source.organization_id)


@dataclass
class _Entry:
    index: int
    link_type: LinkType
    target: Asset
    values: dict
    existing: Link | None = None
    changed: list = field(default_factory=list)

    @property
    def identity(self) -> tuple:
        return (self.link_type.pk, self.target.pk, self.values.get("alias") or "")


def _replace_entries(user, source: Asset, entries) -> list[_Entry]:
    """Validates the whole new set before anything is written: every field error of every entry
    is reported at once; unknown or invisible targets are 404, view-only ones 403 (checked later,
    only for entries that write)."""
    if not isinstance(entries, list):
        raise ValidationFailed.field("links", "must be a list")
    if len(entries) > MAX_REPLACE_ENTRIES:
        raise ValidationFailed.field("links", f"at most {MAX_REPLACE_ENTRIES} links per asset in one request")
    available = available_link_types(source.organization)
    errors: list[dict] = []
    target_ids = []
    for i, raw in enumerate(entries):
        if not isinstance(raw, dict):
            errors.append({"field": f"links.{i}", "message": "must be an object"})
            continue
        try:
            target_ids.append(require_id(raw.get("target_id"), f"links.{i}.target_id"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed("the links are not valid", errors=errors)
    targets = {
        asset.pk: asset
        for asset in Asset.objects.visible_to(user).select_related("type").filter(pk__in=set(target_ids))
    }
    missing = next((t for t in target_ids if t not in targets), None)
    if missing is not None:
        raise NotFound.of("asset", missing, errors=[{"field": "links", "message": f"asset {missing} does not exist"}])
    cleaned: list[_Entry] = []
    seen: dict[tuple, int] = {}
    for i, raw in enumerate(entries):
        prefix = f"links.{i}."
        unknown = set(raw) - {"link_type", "target_id", *LINK_FIELDS}
        if unknown:
            errors.append({"field": f"links.{i}", "message": f"unknown fields: {', '.join(sorted(unknown))}"})
            continue
        try:
            link_type = resolve_link_type(raw.get("link_type"), available, source.organization, f"{prefix}link_type")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        target = targets[raw["target_id"]]
        values, entry_errors = clean_link_values(link_type, {k: v for k, v in raw.items() if k in LINK_FIELDS}, prefix)
        entry_errors.extend(link_rule_errors(link_type, *_ends(source, target), prefix=prefix))
        errors.extend(entry_errors)
        if entry_errors:
            continue
        values.setdefault("alias", None)
        entry = _Entry(i, link_type, target, values)
        if entry.identity in seen:
            errors.append({"field": f"links.{i}", "message": f"repeats links.{seen[entry.identity]}"})
            continue
        seen[entry.identity] = i
        cleaned.append(entry)
    if errors:
        raise ValidationFailed("the links are not valid", errors=errors)
    return cleaned


@transaction.atomic
def replace_outgoing_links(user, asset_id: int, entries) -> list[Link]:
    """Laserfiche's PUT: the given list becomes the asset's outgoing links, all or nothing. Links
    that stay keep their id (and get a new version when their attributes change); links to assets
    the user can't see are not theirs to replace and stay untouched."""
    source = _endpoint(user, asset_id, "asset_id")
    wanted = _replace_entries(user, source, entries)
    _hold_assets([source.pk, *(entry.target.pk for entry in wanted)])
    change_condition = asset_condition(user, "change")
    view_condition = asset_condition(user, "view")
    existing_qs = Link.objects.filter(source=source).select_related("link_type", "target")
    if view_condition is not None:
        existing_qs = existing_qs.filter(Exists(Asset.objects.filter(view_condition).filter(pk=OuterRef("target_id"))))
    existing = {(link.link_type_id, link.target_id, link.alias or ""): link for link in existing_qs}
    for entry in wanted:
        entry.existing = existing.pop(entry.identity, None)
        if entry.existing is not None:
            entry.changed = [
                name for name in ("tags", "properties", "sequence", "description")
                if entry.values.get(name, Link._meta.get_field(name).get_default()) != getattr(entry.existing, name)
            ]
    removed = list(existing.values())
    # Change permission is needed on every target whose link is written or removed.
    touched = {e.target.pk for e in wanted if e.existing is None or e.changed} | {link.target_id for link in removed}
    if change_condition is not None and touched:
        changeable = set(Asset.objects.filter(change_condition, pk__in=touched).values_list("pk", flat=True))
        refused = sorted(touched - changeable)
        if refused:
            raise Forbidden(f"you may view asset {refused[0]} but not change its links")
    log: list[ChangeLogEntry] = []
    if removed:
        for link in removed:
            log.append(changelog.build_entry(user, "delete", link, before=link.to_change_dict(),
                                             organization_id=source.organization_id))
        Link.objects.filter(pk__in=[link.pk for link in removed]).delete()
    now = timezone.now()
    for entry in wanted:
        if entry.existing is None or not entry.changed:
            continue
        link = entry.existing
        before = link.to_change_dict()
        for name in entry.changed:
            setattr(link, name, entry.values.get(name, Link._meta.get_field(name).get_default()))
        link.updated_at = now
        save_versioned(link, None, [*entry.changed, "updated_at"])
        log.append(changelog.build_entry(user, "update", link, before=before, after=link.to_change_dict(),
                                         organization_id=source.organization_id))
    # One lock per hierarchical type, always in the same order, so two replacements can't deadlock.
    for link_type_id in sorted({e.link_type.pk for e in wanted if e.existing is None and e.link_type.kind == LinkKind.HIERARCHICAL}):
        lock_hierarchy(link_type_id)
    for entry in wanted:
        if entry.existing is not None:
            continue
        try:
            link = _insert_link(user, entry.link_type, source, entry.target, entry.values)
        except (Cycle, Duplicate) as exc:
            exc.errors = [{"field": f"links.{entry.index}", "message": exc.detail}]
            raise
        log.append(changelog.build_entry(user, "create", link, after=link.to_change_dict(),
                                         organization_id=source.organization_id))
    changelog.record_bulk(log)
    return outgoing_links(user, source)


def outgoing_links(user, source: Asset) -> list[Link]:
    return list(link_queryset(visible_links(user)).filter(source=source).order_by("sequence", "id"))


# --- asset deletion -----------------------------------------------------------------------------
def log_links_of_deleted_assets(user, assets: list[Asset]) -> None:
    """Asset delete hook (one asset or many): the foreign keys cascade the links away with the
    assets; this writes their change-log entries first, in bulk, once per link even when both its
    ends go. The assets' own rows are already gone (the links are still there), so a source among
    them answers with its organization as the deleted row held it."""
    organizations = {asset.pk: asset.organization_id for asset in assets}
    ids = list(organizations)
    source_organization = Asset.objects.filter(pk=OuterRef("source_id")).values("organization_id")
    links: dict[int, Link] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        links.update(
            (link.pk, link)
            for link in Link.objects.filter(Q(source_id__in=chunk) | Q(target_id__in=chunk))
            .annotate(source_organization_id=Subquery(source_organization)).order_by("pk")
        )
    changelog.record_bulk([
        changelog.build_entry(user, "delete", link, before=link.to_change_dict(),
                              organization_id=link.source_organization_id or organizations.get(link.source_id))
        for link in links.values()
    ])


def linked_to_filter(queryset, values: list[str], params, user=None):
    """GET /assets?linked_to=<id>: assets linked to that asset in either direction, only when the
    user can see it (otherwise nothing, so the filter can't probe hidden assets)."""
    ids = []
    for raw in values:
        for part in raw.split(","):
            part = part.strip()
            value = id_from_text(part)
            if value is None:
                raise ValidationFailed.field("linked_to", f"'{part}' is not an asset id")
            ids.append(value)
    if user is None:
        return queryset.none()
    anchors = Asset.objects.visible_to(user).filter(pk__in=ids).values("pk")
    linked = Link.objects.filter(
        Q(source_id=OuterRef("pk"), target_id__in=anchors) | Q(target_id=OuterRef("pk"), source_id__in=anchors)
    )
    return queryset.filter(Exists(linked))
