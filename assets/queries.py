"""Asset list filters and orderings, including custom-field conditions (`cf_<code>__<op>`),
built as SQL that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    FloatField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import Cast, JSONObject, Lower, StrIndex
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

from assets.core.db.aggregates import JSONRows
from assets.core.errors import ValidationFailed
from assets.core.inputs import MAX_ID
from assets.core.pagination import SortKey

from .field_types import NUMERIC_TYPES, FieldType, InvalidValue, validate_code
from .models import AssetDeviceLink, CustomFieldDefinition

CF_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "icontains", "in", "isnull")
COMPARISONS = {"lt": LessThan, "lte": LessThanOrEqual, "gt": GreaterThan, "gte": GreaterThanOrEqual, "eq": Exact}
ORDERINGS = {"title", "created_at", "updated_at"}
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes"}, {"false", "0", "no"}
# Which operators make sense for which field types. Values the two databases render
# differently as text (booleans, numbers, lists, objects) get no text operators, so every
# accepted condition answers the same on SQLite and PostgreSQL.
_ANY = set(CF_OPERATORS)
_TEXT_OPS = {"eq", "ne", "in", "isnull", "lt", "lte", "gt", "gte", "contains", "icontains"}
OPERATORS_BY_TYPE = {
    FieldType.STRING: _TEXT_OPS,
    FieldType.TEXT: _TEXT_OPS,
    FieldType.URL: _TEXT_OPS,
    FieldType.OPTIONS: _TEXT_OPS,
    FieldType.DATE: _TEXT_OPS,
    FieldType.DATETIME: _TEXT_OPS,
    FieldType.INTEGER: {"eq", "ne", "in", "isnull", "lt", "lte", "gt", "gte"},
    FieldType.NUMBER: {"eq", "ne", "in", "isnull", "lt", "lte", "gt", "gte"},
    FieldType.BOOLEAN: {"eq", "ne", "isnull"},
    FieldType.MULTI_OPTIONS: {"eq", "ne", "in", "isnull"},
    FieldType.LOCALIZED_STRING: {"isnull", "contains", "icontains"},
    FieldType.JSON: {"isnull"},
    FieldType.GEOJSON: {"isnull"},
    FieldType.ASSET: {"eq", "ne", "in", "isnull"},
    FieldType.DEVICE: {"eq", "ne", "in", "isnull"},
}
# float8 holds every integer below 2**53 exactly; past it, distinct stored integers round to
# the same float and the cast comparison matches more than jsonb's exact numeric equality would.
EXACT_FLOAT_LIMIT = 2**53


class UnicodeLower(Lower):
    """LOWER() that folds every letter on both databases: SQLite's built-in lower() only knows
    ASCII, so it calls `unicode_lower`, which `assets.apps` registers on each connection."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="unicode_lower", **extra_context)


def device_rows():
    """An asset's device links as a JSON array in the asset's own row, for the read endpoints:
    one query fewer per request than prefetching them (assets.serializers reads either)."""
    links = (
        AssetDeviceLink.objects.filter(asset_id=OuterRef("pk")).order_by().values("asset_id")
        .annotate(rows=JSONRows(JSONObject(
            id="device_id", title="device__title", identifier="device__identifier", field_code="field_code",
            is_primary="is_primary",
        )))
        .values("rows")
    )
    return Subquery(links, output_field=JSONField())


def parse_cf_param(name: str) -> tuple[str, str]:
    code, _, op = name[3:].partition("__")
    op = op or "eq"
    try:
        validate_code(code)
    except InvalidValue:
        raise ValidationFailed.field(name, "is not a custom field filter")
    if op not in CF_OPERATORS:
        raise ValidationFailed.field(name, f"unknown operator '{op}'; use one of {', '.join(CF_OPERATORS)}")
    return code, op


def field_types_by_code(codes, type_ids=None, user=None) -> dict[str, dict[int, str]]:
    """{code: {type_id: field_type}} for the definitions behind the asked codes (one query). With
    a user, only those of types they may read: a code defined only where they can't look answers
    like an unknown one."""
    qs = CustomFieldDefinition.objects.filter(code__in=set(codes))
    if user is not None:
        from .services.asset_types import visible_types

        qs = qs.filter(asset_type__in=visible_types(user)[0].values("pk"))
    if type_ids:
        qs = qs.filter(asset_type_id__in=type_ids)
    found: dict[str, dict[int, str]] = {}
    for code, type_id, field_type in qs.values_list("code", "asset_type_id", "field_type"):
        found.setdefault(code, {})[type_id] = field_type
    return found


class FieldTypeLookup:
    """The field types of every custom-field code one list request names (its cf_ filters and
    its ordering), read in a single query the first time any of them is needed, then shared by
    `filter_assets` and `ordering_for`."""

    def __init__(self, params, ordering: str | None = None, user=None):
        self.user = user
        names = [name for name in params if name.startswith("cf_")]
        if ordering:
            names.append(ordering.removeprefix("-"))
        self.codes = {name[3:].partition("__")[0] for name in names if name.startswith("cf_")}
        self._all: dict[str, dict[int, str]] | None = None

    def types(self, codes, type_ids=None) -> dict[str, dict[int, str]]:
        codes = set(codes)
        if not codes <= self.codes:
            return field_types_by_code(codes, type_ids, self.user)
        if self._all is None:
            self._all = field_types_by_code(self.codes, user=self.user)
        wanted = set(type_ids or ())
        return {
            code: {t: ft for t, ft in by_type.items() if not wanted or t in wanted}
            for code, by_type in self._all.items()
            if code in codes
        }


def numeric_value(code: str, numeric_type_ids: list[int]):
    # CASE guards the cast: the same code may hold text in a type where it isn't numeric.
    return Case(
        When(type_id__in=numeric_type_ids, then=Cast(KT(f"custom_fields__{code}"), FloatField())),
        default=None,
        output_field=FloatField(),
    )


def text_value(code: str):
    return Cast(KT(f"custom_fields__{code}"), TextField())


def _to_number(raw: str, param: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValidationFailed.field(param, f"'{raw}' is not a number")
    if not math.isfinite(value):
        raise ValidationFailed.field(param, f"'{raw}' is not a number")
    return value


def _typed_value(raw: str, field_types: set[str], param: str):
    """The JSON value an equality test compares with, from the query-string text."""
    if field_types == {FieldType.BOOLEAN}:
        lowered = raw.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ValidationFailed.field(param, "must be true or false")
    if field_types and field_types <= {FieldType.ASSET, FieldType.DEVICE}:
        if not _digits_of_an_id(raw):
            raise ValidationFailed.field(param, "must be an id")
        return int(raw)
    return raw


def _containment_number(number: float):
    """The JSON number whose jsonb equality matches exactly the stored numbers the float8 cast
    comparison matches, or None when there is none."""
    if abs(number) >= EXACT_FLOAT_LIMIT:
        return None
    return int(number) if number.is_integer() else number


def _containment(code: str, value) -> Q:
    """`custom_fields @> {code: value}`, which the GIN index (jsonb_path_ops, PostgreSQL only)
    answers. It is ANDed to the equality, which stays what defines a match (the one SQLite runs,
    with its float8 casts and type guards): containment holds on every row the equality matches,
    so it only lets the index find them."""
    return Q(custom_fields__contains={code: value})


def _contains(code: str, needle: str, *, insensitive: bool) -> Q:
    # StrIndex (instr/strpos) rather than LIKE: SQLite's LIKE ignores case, PostgreSQL's doesn't.
    text = text_value(code)
    if insensitive:
        return Q(GreaterThan(StrIndex(UnicodeLower(text), Value(needle.lower())), 0))
    return Q(GreaterThan(StrIndex(text, Value(needle)), 0))


def cf_condition(code: str, op: str, raws: list[str], types_of_code: dict[int, str], param: str) -> Q:
    """One custom-field condition; several values of the same parameter are ORed."""
    field_types = set(types_of_code.values())
    if field_types and not any(op in OPERATORS_BY_TYPE.get(ft, _ANY) for ft in field_types):
        kinds = ", ".join(sorted(field_types))
        raise ValidationFailed.field(param, f"operator '{op}' does not apply to {kinds} fields")
    numeric_ids = [t for t, ft in types_of_code.items() if ft in NUMERIC_TYPES]
    is_numeric = bool(field_types) and field_types <= NUMERIC_TYPES
    key_path = f"custom_fields__{code}"
    missing = Q(**{f"{key_path}__isnull": True}) | Q(**{key_path: None})
    if op == "isnull":
        if len(raws) != 1 or raws[0].lower() not in TRUE_WORDS | FALSE_WORDS:
            raise ValidationFailed.field(param, "must be true or false")
        return missing if raws[0].lower() in TRUE_WORDS else ~missing
    values = [v for raw in raws for v in (raw.split(",") if op == "in" else [raw])]
    # SQLite has no containment operator; "ne" can't use an index anyway.
    indexed = op in ("eq", "in") and connection.vendor == "postgresql"
    condition = Q(pk__in=[])
    for raw in values:
        if op in ("eq", "in", "ne"):
            if FieldType.MULTI_OPTIONS in field_types:
                # A list matches when it holds the option; its JSON text holds the quoted code.
                # Option codes can't hold quotes, so on a list of them the text test is membership.
                token = json.dumps(raw)
                list_text = Cast(KeyTransform(code, "custom_fields"), TextField())
                term = Q(GreaterThan(StrIndex(list_text, Value(token)), 0))
                probe = [raw]
                other_types = field_types - {FieldType.MULTI_OPTIONS}
                if other_types:
                    # Where the code is another type's field, the list test would read a string's
                    # JSON text on PostgreSQL (not on SQLite): those assets compare by their own type.
                    list_ids = [t for t, ft in types_of_code.items() if ft == FieldType.MULTI_OPTIONS]
                    term = (Q(type_id__in=list_ids) & term) | (
                        ~Q(type_id__in=list_ids) & Q(**{key_path: _typed_value(raw, other_types, param)})
                    )
                    probe = None
            elif is_numeric:
                number = _to_number(raw, param)
                term = Q(Exact(numeric_value(code, numeric_ids), number))
                probe = _containment_number(number)
            else:
                probe = _typed_value(raw, field_types, param)
                term = Q(**{key_path: probe})
            if indexed and probe is not None:
                term &= _containment(code, probe)
        elif op in ("lt", "lte", "gt", "gte"):
            if is_numeric:
                term = Q(COMPARISONS[op](numeric_value(code, numeric_ids), _to_number(raw, param)))
            else:
                term = Q(COMPARISONS[op](text_value(code), Value(raw)))
        else:
            term = _contains(code, raw, insensitive=(op == "icontains"))
        condition |= term
    if op == "ne":
        return ~missing & ~condition
    return condition


def ordering_for(queryset, ordering: str | None, type_ids=None, *, lookup: FieldTypeLookup | None = None, user=None):
    """Returns (queryset with any needed annotation, sort keys). Default: title, then id."""
    ordering = ordering or "title"
    descending = ordering.startswith("-")
    name = ordering.removeprefix("-")
    if name in ORDERINGS:
        kind = "datetime" if name in ("created_at", "updated_at") else "value"
        return queryset, [SortKey(name, descending=descending, kind=kind)]
    if name.startswith("cf_"):
        code = name[3:]
        try:
            validate_code(code)
        except InvalidValue:
            raise ValidationFailed.field("ordering", f"'{ordering}' is not a custom field")
        found = lookup.types([code], type_ids) if lookup is not None else field_types_by_code([code], type_ids, user)
        types_of_code = found.get(code, {})
        numeric_ids = [t for t, ft in types_of_code.items() if ft in NUMERIC_TYPES]
        if types_of_code and len(numeric_ids) == len(types_of_code):
            queryset = queryset.annotate(cf_sort=numeric_value(code, numeric_ids))
            return queryset, [SortKey("cf_sort", descending=descending, nullable=True, kind="number")]
        queryset = queryset.annotate(cf_sort=text_value(code))
        return queryset, [SortKey("cf_sort", descending=descending, nullable=True)]
    raise ValidationFailed.field(
        "ordering", "must be title, created_at, updated_at or cf_<code>, optionally with a leading '-'"
    )


# Filters contributed by other apps: name -> callable(queryset, values: list[str], params) -> queryset.
# The groups app adds group_id (+ include_descendants), the links app linked_to.
_extra_filters: dict = {}
FIXED_PARAMS = {"limit", "cursor", "count", "ordering", "fields", "include_descendants"}


# Filters registered with with_user=True also get `user=` (the one the list is for), e.g. to
# check that an asset named in the filter is visible to them.
_filters_with_user: set = set()


def register_asset_filter(name: str, apply, *, with_user: bool = False) -> None:
    _extra_filters[name] = apply
    if with_user:
        _filters_with_user.add(name)


def _digits_of_an_id(raw: str) -> bool:
    # Length first: int() refuses strings of more than 4,300 digits with a ValueError.
    return raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_ID


def _ids(values: list[str], param: str) -> list[int]:
    ids = []
    for raw in values:
        for part in raw.split(","):
            part = part.strip()
            if not _digits_of_an_id(part):
                raise ValidationFailed.field(param, f"'{part}' is not an id")
            ids.append(int(part))
    return ids


# Each value of a filter is one more OR term or bound parameter: SQLite refuses expressions
# nested more than 1,000 deep, PostgreSQL more than 65,535 parameters.
MAX_FILTER_VALUES = 100


def _check_filter_sizes(params, getlist) -> None:
    conditions = [name for name in params if name.startswith("cf_")]
    if len(conditions) > MAX_FILTER_VALUES:
        raise ValidationFailed.field(conditions[-1], f"at most {MAX_FILTER_VALUES} custom-field conditions")
    for name in params:
        if name not in FIXED_PARAMS and sum(len(value.split(",")) for value in getlist(name)) > MAX_FILTER_VALUES:
            raise ValidationFailed.field(name, f"at most {MAX_FILTER_VALUES} values")


def filter_assets(queryset, params, user=None, *, lookup: FieldTypeLookup | None = None) -> tuple:
    """Applies the list filters of GET /assets (a QueryDict or a dict of lists); returns the
    queryset and the type ids it is restricted to (for custom-field typing)."""
    getlist = params.getlist if hasattr(params, "getlist") else (lambda k: list(params.get(k, [])))
    _check_filter_sizes(params, getlist)
    type_ids = _ids(getlist("type_id"), "type_id") if getlist("type_id") else []
    if type_ids:
        queryset = queryset.filter(type_id__in=type_ids)
    if getlist("organization_id"):
        queryset = queryset.filter(organization_id__in=_ids(getlist("organization_id"), "organization_id"))
    if getlist("key"):
        queryset = queryset.filter(key__in=getlist("key"))
    needles = [needle for needle in getlist("title_contains") if needle]
    if needles:
        condition = Q(pk__in=[])
        for needle in needles:
            condition |= Q(GreaterThan(StrIndex(UnicodeLower("title"), Value(needle.lower())), 0))
        queryset = queryset.filter(condition)
    if getlist("device_id"):
        device_ids = _ids(getlist("device_id"), "device_id")
        # EXISTS, not a join: an asset holding two of the devices must still come once.
        queryset = queryset.filter(
            Exists(AssetDeviceLink.objects.filter(asset_id=OuterRef("pk"), device_id__in=device_ids))
        )
    cf_params = [name for name in params if name.startswith("cf_")]
    if cf_params:
        parsed = {name: parse_cf_param(name) for name in cf_params}
        codes = {code for code, _ in parsed.values()}
        types = lookup.types(codes, type_ids) if lookup is not None else field_types_by_code(codes, type_ids, user)
        for name, (code, op) in parsed.items():
            queryset = queryset.filter(cf_condition(code, op, getlist(name), types.get(code, {}), name))
    known = FIXED_PARAMS | {"type_id", "organization_id", "key", "title_contains", "device_id"} | set(_extra_filters)
    unknown = [name for name in params if name not in known and not name.startswith("cf_")]
    if unknown:
        raise ValidationFailed.field(unknown[0], "is not a filter of this list")
    for name, apply in _extra_filters.items():
        if getlist(name):
            extra = {"user": user} if name in _filters_with_user else {}
            queryset = apply(queryset, getlist(name), params, **extra)
    return queryset, type_ids
