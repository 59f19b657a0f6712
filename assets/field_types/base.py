"""What every custom-field kind answers, with the defaults most kinds share. A kind is one
object (see the registry in `assets.field_types`); nothing outside this package asks which
kind a field is, it asks the kind."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django import forms

from assets.transfer.formats import JSONValueError, loads_strict

# 64-bit signed range: what both databases' integer columns and JSON casts hold.
MAX_INTEGER = 2**63 - 1
NO_CHOICE = ("", "—")
# The words a query string, a CSV cell or a form may spell a boolean with.
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
TEXT_OPERATORS = frozenset({"eq", "ne", "in", "isnull", "lt", "lte", "gt", "gte", "contains", "icontains"})
ORDERED_OPERATORS = frozenset({"eq", "ne", "in", "isnull", "lt", "lte", "gt", "gte"})
EQUALITY_OPERATORS = frozenset({"eq", "ne", "in", "isnull"})


class InvalidValue(ValueError):
    """A value or param that breaks its field's rules; the message is user-facing."""


def bool_from_text(raw) -> bool | None:
    """True or False for one of the boolean words (any case, outer spaces ignored), else None."""
    lowered = str(raw).strip().lower()
    return True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else None


def is_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_INTEGER <= value <= MAX_INTEGER


def json_cell(text: str):
    """A CSV cell of a JSON-valued field, parsed; the text itself when it isn't JSON, so the
    validator names the problem."""
    try:
        return loads_strict(text)
    except JSONValueError:
        return text


@dataclass
class FilterInput:
    """One input of the asset list's filter form, named with the API's cf_<code>[__<op>] parameter."""

    name: str
    label: str
    kind: str  # search | number | date | datetime-local | select
    value: str = ""
    choices: list = field(default_factory=list)


@dataclass
class FieldValue:
    """One stored value as the pages show it; `display` picks the template's rendering."""

    code: str
    title: str
    field_type: str
    display: str
    present: bool
    text: str = ""
    url: str | None = None
    items: list = field(default_factory=list)  # option titles, or (locale, text) pairs
    device: object = None
    is_primary: bool = False
    asset_id: int | None = None
    asset_title: str | None = None
    pretty: str = ""


class FieldKind:
    """The defaults: a JSON value compared only by presence, shown as text."""

    code: str = ""  # the stored field_type
    label: str = ""
    params: frozenset[str] = frozenset()  # params accepted besides `required`
    operators: frozenset[str] = frozenset({"isnull"})
    numeric = False  # filters and sorts compare the value as a number
    sortable = False  # the asset list can sort on it (a scalar)
    column = False  # the asset list shows it as a column
    reference: str | None = None  # "asset" or "device": the value is the id of one
    display = "plain"  # how field_value.html renders it
    own_equality = False  # equality filters use `equality_term`, not JSON equality
    # `indexed` may be set on a field of this kind: its sort key has values of a bounded size
    # (a btree entry holds at most ~2,700 bytes on PostgreSQL; a longer value would fail the write).
    indexable = False

    @property
    def params_family(self) -> str:
        """The member of GraphQL's CustomFieldParamsInput that carries this kind's params (seed 003:
        `params: {string: {isRequired: true}}`): the code in lower case unless the kind names
        another; kinds of one family share its input."""
        return self.code.lower()

    # --- definition and value ---------------------------------------------------------------
    def clean_params(self, params: dict, out: dict) -> None:
        """Adds this kind's normalized params to `out`; raises InvalidValue naming the param."""

    def validate(self, params: dict, value):
        """The value to store, or InvalidValue."""
        return value

    # --- filters and ordering ---------------------------------------------------------------
    def index_problem(self, params: dict) -> str | None:
        """Why a field of this kind with these params can't be `indexed` (None: it can)."""
        if not self.indexable:
            return f"{self.code or 'this'} fields can't be indexed; only fields the list sorts by a short value can"
        return None

    def filter_value(self, raw: str, param: str):
        """The JSON value an equality filter compares with, from the query-string text (raising
        ValidationFailed for text that can't be one); None: the text itself."""
        return None

    def equality_term(self, code: str, raw: str):
        """A Q that tests `= raw` some other way than JSON equality (None: JSON equality)."""
        return None

    def equality_probe(self, raw: str):
        """The containment value that lets PostgreSQL's GIN index find `equality_term`'s rows."""
        return None

    def filter_inputs(self, definition, base: str) -> list[FilterInput]:
        return [FilterInput(f"{base}__isnull", "value", "select", choices=[("", "Any"), ("false", "Set"), ("true", "Empty")])]

    # --- asset form -------------------------------------------------------------------------
    strip_form_input = True

    def form_field(self, definition, common: dict, *, device_choices=(), asset_choices=None) -> forms.Field:
        return forms.CharField(**common)

    def form_initial(self, value):
        """The stored (non-null) value as the input shows it."""
        return value

    def form_value(self, raw):
        """The input as the value to store, None for "no value"; forms.ValidationError for input
        that isn't even of the right shape (the service checks the field's rules)."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self.parse_form_text(raw.strip() if self.strip_form_input else raw)

    def parse_form_text(self, text: str):
        return text

    # --- import and export ------------------------------------------------------------------
    def parse_cell(self, text: str):
        """A CSV cell's text as the value the validator expects (left as text when it isn't one,
        so the validator names the problem)."""
        return text

    def export_value(self, value, references: dict):
        """The stored value as a file holds it; `references` maps ids to portable names."""
        return value

    # --- pages ------------------------------------------------------------------------------
    def present(self, definition, value, shown: FieldValue, *, device_links=None, assets_by_id=None) -> None:
        if isinstance(value, float) and value.is_integer():
            shown.text = str(int(value)) if abs(value) < 1e15 else str(value)
        else:
            shown.text = str(value)
