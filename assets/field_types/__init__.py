"""Custom-field kinds: one object per field type holds everything about it (params, value
rules, filter operators and values, sorting, the asset form's input, import cells, export
values, display). `KINDS` is the one registry; the API, the pages, the list queries and the
importers all ask the kind (`kind_of`) instead of testing the type's name.

Adding a kind: a module here with its FieldKind subclass, its line in KINDS, and its tests
(see the README)."""

from __future__ import annotations

import functools
import re

from django.db import models

from .base import FALSE_WORDS, TRUE_WORDS, FieldKind, FieldValue, FilterInput, InvalidValue, bool_from_text
from .boolean import Boolean
from .dates import Date, DateTime
from .json_values import GeoJson, Json, json_text
from .localized import LocalizedString
from .numbers import Integer, Number
from .options import MultiOptions, Options
from .references import AssetReference, DeviceReference
from .text import STRING_MAX_LENGTH, String, Text
from .url import Url

__all__ = [
    "FALSE_WORDS", "KINDS", "TRUE_WORDS", "FieldKind", "FieldType", "FieldValue", "FilterInput", "InvalidValue",
    "STRING_MAX_LENGTH", "bool_from_text", "field_type_choices", "json_text", "kind_of", "types_where", "validate_code",
    "validate_params", "validate_value", "validator",
]

RESERVED_FIELD_CODES = frozenset({"set", "unset", "set_primary", "unset_primary"})
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


# The registry: one line per kind.
KINDS: dict[str, FieldKind] = {kind.code: kind for kind in (
    String(),
    Text(),
    Integer(),
    Number(),
    Boolean(),
    Date(),
    DateTime(),
    Url(),
    Options(),
    MultiOptions(),
    LocalizedString(),
    Json(),
    GeoJson(),
    AssetReference(),
    DeviceReference(),
)}
# The stored field_type values, as Django choices (FieldType.STRING == "STRING").
FieldType = models.TextChoices("FieldType", [(code, (code, kind.label)) for code, kind in KINDS.items()])


def field_type_choices() -> list[tuple[str, str]]:
    """The model's choices, read when used, so that a new kind needs no migration."""
    return FieldType.choices


# The answers of an unknown type (a row whose type was removed): a bare value, filtered by presence.
_UNKNOWN = FieldKind()


def kind_of(field_type: str) -> FieldKind:
    return KINDS.get(field_type, _UNKNOWN)


def types_where(test) -> frozenset[str]:
    """The field types whose kind passes `test`, e.g. for a query over definitions."""
    return frozenset(code for code, kind in KINDS.items() if test(kind))


def validate_code(code) -> str:
    if not isinstance(code, str) or not CODE_RE.match(code) or "__" in code:
        raise InvalidValue(
            "must start with a lowercase letter and hold only lowercase letters, digits and single "
            "underscores (at most 64 characters)"
        )
    if code in RESERVED_FIELD_CODES:
        raise InvalidValue(f"'{code}' is reserved")
    return code


def validate_params(field_type: str, params) -> dict:
    """Returns normalized params or raises InvalidValue naming the param."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidValue("params must be an object")
    kind = kind_of(field_type)
    unknown = sorted(set(params) - {"required"} - kind.params)
    if unknown:
        raise InvalidValue(f"params not allowed for {field_type}: {', '.join(unknown)}")
    out: dict = {"required": params.get("required", False)}
    if not isinstance(out["required"], bool):
        raise InvalidValue("params.required must be true or false")
    kind.clean_params(params, out)
    return out


def validate_value(field_type: str, params: dict, value):
    """Returns the value to store or raises InvalidValue. ASSET and DEVICE references are
    checked against the database by the service, which sees every value of a write at once."""
    return validator(field_type, params)(value)


def validator(field_type: str, params: dict):
    """validate_value with the field's kind and params bound: one callable per field for a write
    of many values (an import checks each field's column with one lookup, not one per cell)."""
    kind = KINDS.get(field_type)
    if kind is None:
        def unknown(value):
            raise InvalidValue(f"unknown field type {field_type}")

        return unknown
    return functools.partial(kind.validate, params)
