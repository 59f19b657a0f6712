"""Asset list filters and orderings, including custom-field conditions (`cf_<code>__<op>`),
built as SQL that behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from functools import cache, cached_property

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, JSONObject, Lower, StrIndex
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

from assets import extensions
from assets.access.permissions import permission_key
from assets.core.db import PLACEHOLDER_TYPES, KeyedQueries
from assets.core.db.aggregates import JSONRows
from assets.core.errors import ValidationFailed
from assets.core.inputs import id_from_text, require_user
from assets.core.pagination import SortKey

from .field_types import FALSE_WORDS, TRUE_WORDS, InvalidValue, kind_of, validate_code
from .models import AssetDeviceLink, AssetType, ChangeLogEntry, CustomFieldDefinition
from .sort_keys import definition_sort_key

CF_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "icontains", "in", "isnull")
COMPARISONS = {"lt": LessThan, "lte": LessThanOrEqual, "gt": GreaterThan, "gte": GreaterThanOrEqual, "eq": Exact}
ORDERINGS = {"title", "key", "created_at", "updated_at"}
# Orderings by a related row's title, read through the join the list already makes.
RELATED_ORDERINGS = {"type": "type__title", "organization": "organization__title"}
# Orderings by a value read per row from another table (nullable: rows without one sort last).
# An asset has at most one primary device (a unique partial index on asset_device_link, which
# also serves this lookup); the list's "Primary device" column shows its title.
SUBQUERY_ORDERINGS = {
    "primary_device": lambda: Subquery(
        AssetDeviceLink.objects.filter(asset_id=OuterRef("pk"), is_primary=True).values("device__title")[:1]
    ),
}
# Which operators apply is each kind's `operators`: values the two databases render differently
# as text (booleans, numbers, lists, objects) get no text operators, so every accepted condition
# answers the same on SQLite and PostgreSQL.
# float8 holds every integer below 2**53 exactly; past it, distinct stored integers round to
# the same float and the cast comparison matches more than jsonb's exact numeric equality would.
EXACT_FLOAT_LIMIT = 2**53


class UnicodeLower(Lower):
    """LOWER() that folds every letter on both databases: SQLite's built-in lower() only knows
    ASCII, so it calls `unicode_lower`, which `assets.apps` registers on each connection."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="unicode_lower", **extra_context)


@cache
def device_rows():
    """An asset's device links as a JSON array in the asset's own row, for the read endpoints:
    one query fewer per request than prefetching them (assets.serializers reads either). Built
    once per process: building the subquery cost ~0.5 ms of every list request, and a query that
    takes it resolves a copy (Subquery.resolve_expression), never the expression itself."""
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


# Building and compiling the definitions' query with its visibility condition cost ~3 ms of every
# list request that names a custom field, against ~0.1 ms for running it.
_FIELD_TYPES = KeyedQueries()


def field_types_by_code(codes, type_ids=None, user=None) -> dict[str, dict[int, str]]:
    """{code: {type_id: field_type}} for the definitions behind the asked codes (one query). With
    a user, only those of types they may read: a code defined only where they can't look answers
    like an unknown one."""
    codes, type_ids = tuple(sorted(set(codes))), tuple(sorted(set(type_ids or ())))
    if user is not None:
        require_user(user)

    def build():
        qs = CustomFieldDefinition.objects.filter(code__in=codes)
        if user is not None:
            condition = AssetType.objects.visible_condition(user, "asset_type__")
            if condition is not None:
                qs = qs.filter(condition)
        if type_ids:
            qs = qs.filter(asset_type_id__in=type_ids)
        return qs.values_list("code", "asset_type_id", "field_type")

    key = (codes, type_ids, None if user is None else permission_key(user))
    found: dict[str, dict[int, str]] = {}
    for code, type_id, field_type in _FIELD_TYPES.rows(key, build):
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


def sort_key_of(code: str, types_of_code: dict[int, str]):
    """(expression, numeric) that sorts and range filters on `code` compare: for a code of one
    type, that definition's own sort key, the expression an `indexed` field's index is built on
    (assets.sort_keys); for several numeric types a number guarded by type; else the text."""
    kinds = {t: kind_of(ft) for t, ft in types_of_code.items()}
    if len(kinds) == 1:
        ((type_id, kind),) = kinds.items()
        if kind.sortable:
            return definition_sort_key(code, kind, type_id), kind.numeric
    numeric_ids = [t for t, kind in kinds.items() if kind.numeric]
    if kinds and len(numeric_ids) == len(kinds):
        return numeric_value(code, numeric_ids), True
    return text_value(code), False


def _to_number(raw: str, param: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValidationFailed.field(param, f"'{raw}' is not a number")
    if not math.isfinite(value):
        raise ValidationFailed.field(param, f"'{raw}' is not a number")
    return value


def _typed_value(raw: str, kinds, param: str):
    """The JSON value an equality test compares with, from the query-string text: the kinds'
    own reading when they all read it the same way, else the text."""
    readers = {type(kind).filter_value for kind in kinds}
    if len(readers) == 1:
        value = next(iter(kinds)).filter_value(raw, param)
        if value is not None:
            return value
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
    """`needle` is what the text is searched for: lowered already when `insensitive`."""
    # StrIndex (instr/strpos) rather than LIKE: SQLite's LIKE ignores case, PostgreSQL's doesn't.
    text = text_value(code)
    if insensitive:
        return Q(GreaterThan(StrIndex(UnicodeLower(text), Value(needle)), 0))
    return Q(GreaterThan(StrIndex(text, Value(needle)), 0))


def _own_equality(code: str, raw: str, kinds: dict, own_terms: list, param: str):
    """(term, probe) for an equality on a code some of whose kinds test it their own way (a
    MULTI_OPTIONS list holds the option). Where the code is another kind's field, the own test
    would read that value's JSON text on PostgreSQL (not on SQLite): those assets compare by
    their own kind."""
    if len(set(kinds.values())) == 1:
        kind = own_terms[0]
        return kind.equality_term(code, raw), kind.equality_probe(raw)
    terms, own_ids = [], []
    for kind in own_terms:
        ids = [t for t, k in kinds.items() if k is kind]
        own_ids += ids
        terms.append(Q(type_id__in=ids) & kind.equality_term(code, raw))
    others = {k for k in kinds.values() if k not in own_terms}
    terms.append(~Q(type_id__in=own_ids) & Q(**{f"custom_fields__{code}": _typed_value(raw, others, param)}))
    term = terms[0]
    for more in terms[1:]:
        term |= more
    return term, None


def _bindable(value) -> bool:
    """Whether a compiled statement can take `value` as a parameter; any other value (True, False,
    None) changes the SQL itself (SQLite compares JSON true as a word, not as JSON)."""
    return type(value) in PLACEHOLDER_TYPES


class CfFilter:
    """One custom-field condition, validated, with its values read from the query string as the
    SQL compares them (a number, a JSON value, a lowered needle). `terms` are (form, arguments),
    one per value ORed; `condition()` is the Q. The same condition with other values of the same
    types is the same SQL with other parameters: `shape` says which SQL (None when a term's SQL
    depends on its value in a way no parameter carries, a kind's own equality test) and
    `values` the parameters, so a statement compiled once can stand for all of them
    (assets.services.assets.filtered_asset_page, which passes other `values` to `condition`)."""

    def __init__(self, code: str, op: str, types_of_code: dict[int, str], terms: list[tuple], *,
                 indexed: bool = False, numeric: bool = False):
        self.code, self.op, self.types_of_code, self.terms = code, op, types_of_code, terms
        self.indexed, self.numeric = indexed, numeric
        self.values = tuple(arg for _, args in terms for arg in args if _bindable(arg))

    @cached_property
    def shape(self) -> tuple | None:
        forms = []
        for form, args in self.terms:
            if form == "own" or not all(_bindable(arg) or arg is True or arg is False or arg is None for arg in args):
                return None
            forms.append((form, tuple(type(arg) if _bindable(arg) else ("=", type(arg), arg) for arg in args)))
        return (self.code, self.op, tuple(sorted(self.types_of_code.items())), self.indexed, self.numeric, tuple(forms))

    def condition(self, values: tuple | None = None) -> Q:
        """The Q of this condition, or of the same shape with `values` in place of its own."""
        terms = self.terms if values is None else self._terms_with(values)
        code, key_path = self.code, f"custom_fields__{self.code}"
        missing = Q(**{f"{key_path}__isnull": True}) | Q(**{key_path: None})
        if self.op == "isnull":
            ((_, (is_null,)),) = terms
            return missing if is_null else ~missing
        condition = Q(pk__in=[])
        for form, args in terms:
            probe = None
            if form == "own":
                term, probe = args
            elif form == "number":
                number, probe = args
                term = Q(Exact(sort_key_of(code, self.types_of_code)[0], number))
            elif form == "json":
                (probe,) = args
                term = Q(**{key_path: probe})
            elif form == "range":
                key = sort_key_of(code, self.types_of_code)[0]
                term = Q(COMPARISONS[self.op](key, args[0] if self.numeric else Value(args[0])))
            else:
                term = _contains(code, args[0], insensitive=(self.op == "icontains"))
            if self.indexed and probe is not None:
                term &= _containment(code, probe)
            condition |= term
        if self.op == "ne":
            return ~missing & ~condition
        return condition

    def _terms_with(self, values: tuple) -> list[tuple]:
        given = iter(values)
        terms = [(form, tuple(next(given) if _bindable(arg) else arg for arg in args)) for form, args in self.terms]
        if next(given, None) is not None:
            raise ValueError("more values than the condition's shape holds")
        return terms


def cf_filter(code: str, op: str, raws: list[str], types_of_code: dict[int, str], param: str) -> CfFilter:
    """One custom-field condition; several values of the same parameter are ORed. Every check of
    a value (400 for one the field can't compare) is made here, before any SQL is built."""
    kinds = {t: kind_of(ft) for t, ft in types_of_code.items()}
    distinct = set(kinds.values())
    if distinct and not any(op in kind.operators for kind in distinct):
        names = ", ".join(sorted(set(types_of_code.values())))
        raise ValidationFailed.field(param, f"operator '{op}' does not apply to {names} fields")
    is_numeric = bool(distinct) and all(kind.numeric for kind in distinct)
    if op == "isnull":
        if len(raws) != 1 or raws[0].lower() not in TRUE_WORDS | FALSE_WORDS:
            raise ValidationFailed.field(param, "must be true or false")
        return CfFilter(code, op, types_of_code, [("missing", (raws[0].lower() in TRUE_WORDS,))])
    values = [v for raw in raws for v in (raw.split(",") if op == "in" else [raw])]
    # SQLite has no containment operator; "ne" can't use an index anyway.
    indexed = op in ("eq", "in") and connection.vendor == "postgresql"
    own_terms = [kind for kind in distinct if kind.own_equality]
    numeric = op in COMPARISONS and op != "eq" and sort_key_of(code, types_of_code)[1]
    terms = []
    for raw in values:
        if op in ("eq", "in", "ne"):
            if own_terms:
                terms.append(("own", _own_equality(code, raw, kinds, own_terms, param)))
            elif is_numeric:
                number = _to_number(raw, param)
                # Every value reaches the SQL: the probe only where containment is tested.
                terms.append(("number", (number, _containment_number(number) if indexed else None)))
            else:
                terms.append(("json", (_typed_value(raw, distinct, param),)))
        elif op in ("lt", "lte", "gt", "gte"):
            terms.append(("range", (_to_number(raw, param) if numeric else raw,)))
        else:
            terms.append(("contains", (raw.lower() if op == "icontains" else raw,)))
    return CfFilter(code, op, types_of_code, terms, indexed=indexed, numeric=numeric)


def plain_ordering(ordering: str) -> bool:
    """Whether `ordering` names a column or annotation whose SQL is the same for every request
    (not a custom field, whose expression depends on the field's types)."""
    name = ordering.removeprefix("-")
    return name in ORDERINGS or name in RELATED_ORDERINGS or name in SUBQUERY_ORDERINGS


def ordering_for(queryset, ordering: str | None, type_ids=None, *, lookup: FieldTypeLookup | None = None, user=None):
    """Returns (queryset with any needed annotation, sort keys). Default: title, then id."""
    ordering = ordering or "title"
    descending = ordering.startswith("-")
    name = ordering.removeprefix("-")
    if name in ORDERINGS:
        kind = "datetime" if name in ("created_at", "updated_at") else "value"
        return queryset, [SortKey(name, descending=descending, kind=kind)]
    if name in RELATED_ORDERINGS:
        queryset = queryset.annotate(**{f"{name}_sort": F(RELATED_ORDERINGS[name])})
        return queryset, [SortKey(f"{name}_sort", descending=descending)]
    if name in SUBQUERY_ORDERINGS:
        queryset = queryset.annotate(**{f"{name}_sort": SUBQUERY_ORDERINGS[name]()})
        return queryset, [SortKey(f"{name}_sort", descending=descending, nullable=True)]
    if name.startswith("cf_"):
        code = name[3:]
        try:
            validate_code(code)
        except InvalidValue:
            raise ValidationFailed.field("ordering", f"'{ordering}' is not a custom field")
        found = lookup.types([code], type_ids) if lookup is not None else field_types_by_code([code], type_ids, user)
        key, numeric = sort_key_of(code, found.get(code, {}))
        queryset = queryset.annotate(cf_sort=key)
        return queryset, [SortKey("cf_sort", descending=descending, nullable=True, kind="number" if numeric else "value")]
    raise ValidationFailed.field(
        "ordering", "must be title, key, type, organization, created_at, updated_at, primary_device or cf_<code>, "
        "optionally with a leading '-'"
    )


# Parameters of a list that are not filters. The extensions add filters of their own (groups:
# group_id with include_descendants, links: linked_to), see AssetExtension.list_filters.
FIXED_PARAMS = {"limit", "cursor", "count", "ordering", "fields"}
# The parameters besides cf_ conditions that a compiled list statement binds (custom_field_list).
COMPILED_PARAMS = FIXED_PARAMS | {"organization_id"}


def _getlist(params):
    """The values of one parameter, from a QueryDict or from a dict of lists (GraphQL's)."""
    return params.getlist if hasattr(params, "getlist") else (lambda name: list(params.get(name, [])))


def _ids(values: list[str], param: str) -> list[int]:
    ids = []
    for raw in values:
        for part in raw.split(","):
            value = id_from_text(part)
            if value is None:
                raise ValidationFailed.field(param, f"'{part.strip()}' is not an id")
            ids.append(value)
    return ids


# Each value of a filter is one more OR term or bound parameter: SQLite refuses expressions
# nested more than 1,000 deep, PostgreSQL more than 65,535 parameters.
MAX_FILTER_VALUES = 100


def _check_filter_sizes(params, getlist) -> None:
    conditions = [name for name in params if name.startswith("cf_")]
    if len(conditions) > MAX_FILTER_VALUES:
        raise ValidationFailed.field(conditions[-1], f"at most {MAX_FILTER_VALUES} custom-field conditions")
    unbounded = FIXED_PARAMS | extensions.filter_options()
    for name in params:
        if name not in unbounded and sum(len(value.split(",")) for value in getlist(name)) > MAX_FILTER_VALUES:
            raise ValidationFailed.field(name, f"at most {MAX_FILTER_VALUES} values")


MAX_REQUEST_ID_LENGTH = 32  # config.middleware.RequestIdMiddleware's ids


def _logged_under(values: list[str]) -> Exists | Q:
    """The assets one request (an import, a bulk action) wrote: those its change-log entries
    name. The list's own queryset keeps the permission filter; this only narrows it."""
    request_ids = [part.strip() for raw in values for part in raw.split(",") if part.strip()]
    for request_id in request_ids:
        if len(request_id) > MAX_REQUEST_ID_LENGTH or not request_id.isalnum():
            raise ValidationFailed.field("request_id", f"'{request_id[:40]}' is not a request id")
    if not request_ids:
        return Q()
    return Exists(ChangeLogEntry.objects.filter(object_type="asset", object_id=OuterRef("pk"),
                                                request_id__in=request_ids))


def title_or_key_contains(queryset, needle: str):
    """Assets whose title or key contains `needle`, ignoring case (the list page's search box)."""
    needle = Value(needle.lower())
    return queryset.filter(
        Q(GreaterThan(StrIndex(UnicodeLower("title"), needle), 0)) | Q(GreaterThan(StrIndex(UnicodeLower("key"), needle), 0))
    )


def cf_filters(params, getlist, type_ids, *, lookup: FieldTypeLookup | None = None, user=None) -> list[CfFilter]:
    """The request's cf_<code>[__<op>] conditions, in the order of its parameters."""
    cf_params = [name for name in params if name.startswith("cf_")]
    if not cf_params:
        return []
    parsed = {name: parse_cf_param(name) for name in cf_params}
    codes = {code for code, _ in parsed.values()}
    types = lookup.types(codes, type_ids) if lookup is not None else field_types_by_code(codes, type_ids, user)
    return [cf_filter(code, op, getlist(name), types.get(code, {}), name) for name, (code, op) in parsed.items()]


class CustomFieldList:
    """A list request whose filters are all custom-field conditions, and organizations,
    validated: its SQL's `shape` (how many organizations, the conditions' shapes, the ordering
    with the types of a custom field it sorts by) and the `values` bound into it. `apply` builds
    the same filters and ordering as filter_assets and ordering_for would, with other values of
    the same shape in place of its own."""

    def __init__(self, organization_ids: list[int], filters: list[CfFilter], ordering: str, ordering_types: tuple,
                 lookup: FieldTypeLookup):
        self.organizations = len(organization_ids)
        self.filters, self.ordering, self._lookup = filters, ordering, lookup
        self.shape = (self.organizations, tuple(cf.shape for cf in filters), ordering, ordering_types)
        self.values = (*organization_ids, *(value for cf in filters for value in cf.values))

    def apply(self, queryset, values: tuple) -> tuple:
        """(queryset, sort keys)."""
        start = self.organizations
        if self.organizations:
            queryset = queryset.filter(organization_id__in=list(values[:start]))
        for cf in self.filters:
            queryset = queryset.filter(cf.condition(values[start:start + len(cf.values)]))
            start += len(cf.values)
        return ordering_for(queryset, self.ordering, lookup=self._lookup)


def custom_field_list(params, ordering: str | None, lookup: FieldTypeLookup) -> CustomFieldList | None:
    """The request as a CustomFieldList; None when it has other filters, or a condition or
    ordering whose SQL no shape fixes (filter_assets and ordering_for then answer it, and raise
    the errors of a bad ordering). A bad condition raises here what filter_assets would."""
    if any(name not in COMPILED_PARAMS and not name.startswith("cf_") for name in params):
        return None
    getlist = _getlist(params)
    _check_filter_sizes(params, getlist)
    organization_ids = _ids(getlist("organization_id"), "organization_id") if getlist("organization_id") else []
    filters = cf_filters(params, getlist, [], lookup=lookup)
    if any(cf.shape is None for cf in filters):
        return None
    ordering = ordering or "title"
    ordering_types = ()
    if not plain_ordering(ordering):
        code = ordering.removeprefix("-").removeprefix("cf_")
        if not ordering.removeprefix("-").startswith("cf_") or not _is_code(code):
            return None
        ordering_types = tuple(sorted(lookup.types([code]).get(code, {}).items()))
    return CustomFieldList(organization_ids, filters, ordering, ordering_types, lookup)


def _is_code(code: str) -> bool:
    try:
        validate_code(code)
    except InvalidValue:
        return False
    return True


def filter_assets(queryset, params, user=None, *, lookup: FieldTypeLookup | None = None) -> tuple:
    """Applies the list filters of GET /assets (a QueryDict or a dict of lists); returns the
    queryset and the type ids it is restricted to (for custom-field typing)."""
    getlist = _getlist(params)
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
    if getlist("request_id"):
        queryset = queryset.filter(_logged_under(getlist("request_id")))
    for cf in cf_filters(params, getlist, type_ids, lookup=lookup, user=user):
        queryset = queryset.filter(cf.condition())
    extra_filters = extensions.list_filters()
    known = FIXED_PARAMS | {"type_id", "organization_id", "key", "title_contains", "device_id", "request_id"}
    known |= extensions.filter_options() | set(extra_filters)
    unknown = [name for name in params if name not in known and not name.startswith("cf_")]
    if unknown:
        raise ValidationFailed.field(unknown[0], "is not a filter of this list")
    for name, apply in extra_filters.items():
        if getlist(name):
            queryset = apply(queryset, getlist(name), params, user=user)
    return queryset, type_ids
