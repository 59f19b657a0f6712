"""Custom field types: which params each accepts and how each validates a value.

One home for these rules: the API, the pages and the importers all validate through
`validate_params` and `validate_value`."""

from __future__ import annotations

import datetime as dt
import math
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models

RESERVED_FIELD_CODES = frozenset({"set", "unset", "set_primary", "unset_primary"})
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?$")
STRING_MAX_LENGTH = 1024
STRING_DEFAULT_LENGTH = 255
TEXT_MAX_LENGTH = 100_000
GEOJSON_TYPES = {
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection", "Feature", "FeatureCollection",
}


class FieldType(models.TextChoices):
    STRING = "STRING", "String"
    TEXT = "TEXT", "Text"
    INTEGER = "INTEGER", "Integer"
    NUMBER = "NUMBER", "Number"
    BOOLEAN = "BOOLEAN", "Boolean"
    DATE = "DATE", "Date"
    DATETIME = "DATETIME", "Date and time"
    URL = "URL", "URL"
    OPTIONS = "OPTIONS", "Options"
    MULTI_OPTIONS = "MULTI_OPTIONS", "Multiple options"
    LOCALIZED_STRING = "LOCALIZED_STRING", "Localized string"
    JSON = "JSON", "JSON"
    GEOJSON = "GEOJSON", "GeoJSON"
    ASSET = "ASSET", "Asset"
    DEVICE = "DEVICE", "Device"


NUMERIC_TYPES = frozenset({FieldType.INTEGER, FieldType.NUMBER})
OPTION_TYPES = frozenset({FieldType.OPTIONS, FieldType.MULTI_OPTIONS})
# Params each type accepts besides `required`.
ALLOWED_PARAMS = {
    FieldType.STRING: {"max_length", "pattern"},
    FieldType.TEXT: {"max_length"},
    FieldType.INTEGER: {"min", "max"},
    FieldType.NUMBER: {"min", "max"},
    FieldType.OPTIONS: {"options"},
    FieldType.MULTI_OPTIONS: {"options"},
}


class InvalidValue(ValueError):
    """A value or param that breaks its field's rules; the message is user-facing."""


def validate_code(code) -> str:
    if not isinstance(code, str) or not CODE_RE.match(code) or "__" in code:
        raise InvalidValue(
            "must start with a lowercase letter and hold only lowercase letters, digits and single "
            "underscores (at most 64 characters)"
        )
    if code in RESERVED_FIELD_CODES:
        raise InvalidValue(f"'{code}' is reserved")
    return code


# 64-bit signed range: what both databases' integer columns and JSON casts hold.
MAX_INTEGER = 2**63 - 1
OPTION_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def _is_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_INTEGER <= value <= MAX_INTEGER


def validate_params(field_type: str, params) -> dict:
    """Returns normalized params or raises InvalidValue naming the param."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidValue("params must be an object")
    allowed = {"required"} | ALLOWED_PARAMS.get(field_type, set())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidValue(f"params not allowed for {field_type}: {', '.join(unknown)}")
    out: dict = {"required": params.get("required", False)}
    if not isinstance(out["required"], bool):
        raise InvalidValue("params.required must be true or false")
    if field_type in (FieldType.STRING, FieldType.TEXT):
        limit = STRING_MAX_LENGTH if field_type == FieldType.STRING else TEXT_MAX_LENGTH
        default = STRING_DEFAULT_LENGTH if field_type == FieldType.STRING else TEXT_MAX_LENGTH
        max_length = params.get("max_length", default)
        if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= limit:
            raise InvalidValue(f"params.max_length must be an integer from 1 to {limit}")
        out["max_length"] = max_length
    if field_type == FieldType.STRING and params.get("pattern") is not None:
        pattern = params["pattern"]
        if not isinstance(pattern, str) or len(pattern) > 500:
            raise InvalidValue("params.pattern must be a regular expression of at most 500 characters")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InvalidValue(f"params.pattern is not a valid regular expression: {exc}")
        out["pattern"] = pattern
    if field_type in NUMERIC_TYPES:
        for bound in ("min", "max"):
            if params.get(bound) is not None:
                value = params[bound]
                if not _is_number(value) or (field_type == FieldType.INTEGER and not _is_integer(value)):
                    raise InvalidValue(f"params.{bound} must be {'an integer' if field_type == FieldType.INTEGER else 'a number'}")
                out[bound] = value
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise InvalidValue("params.min must not be greater than params.max")
    if field_type in OPTION_TYPES:
        options = params.get("options")
        if not isinstance(options, list) or not options:
            raise InvalidValue("params.options must be a non-empty list of {code, title}")
        seen = set()
        normalized = []
        for option in options:
            if not isinstance(option, dict) or not isinstance(option.get("code"), str) or not option["code"]:
                raise InvalidValue("each option needs a non-empty string code")
            if not OPTION_CODE_RE.match(option["code"]):
                raise InvalidValue(
                    f"option code '{option['code']}' may hold only letters, digits and _ . : - (at most 64)"
                )
            if set(option) - {"code", "title"}:
                raise InvalidValue("an option has only a code and a title")
            if option["code"] in seen:
                raise InvalidValue(f"option code '{option['code']}' appears twice")
            seen.add(option["code"])
            title = option.get("title", option["code"])
            if not isinstance(title, str) or len(title) > 255:
                raise InvalidValue("option titles must be strings of at most 255 characters")
            normalized.append({"code": option["code"], "title": title})
        out["options"] = normalized
    return out


def _validate_geojson(value, depth=0) -> None:
    if depth > 8:
        raise InvalidValue("GeoJSON is nested too deeply")
    if not isinstance(value, dict) or value.get("type") not in GEOJSON_TYPES:
        raise InvalidValue(f"must be a GeoJSON object with a type among {', '.join(sorted(GEOJSON_TYPES))}")
    kind = value["type"]
    if kind == "FeatureCollection":
        if not isinstance(value.get("features"), list):
            raise InvalidValue("a FeatureCollection needs a features list")
        for feature in value["features"]:
            _validate_geojson(feature, depth + 1)
    elif kind == "Feature":
        if value.get("geometry") is not None:
            _validate_geojson(value["geometry"], depth + 1)
    elif kind == "GeometryCollection":
        if not isinstance(value.get("geometries"), list):
            raise InvalidValue("a GeometryCollection needs a geometries list")
        for geometry in value["geometries"]:
            _validate_geojson(geometry, depth + 1)
    elif not isinstance(value.get("coordinates"), list):
        raise InvalidValue(f"a {kind} needs a coordinates list")


_url_validator = URLValidator(schemes=["http", "https", "ftp", "ftps"])


def validate_value(field_type: str, params: dict, value):
    """Returns the value to store or raises InvalidValue. ASSET and DEVICE references are
    checked against the database by the service, which sees every value of a write at once."""
    if field_type in (FieldType.STRING, FieldType.TEXT):
        if not isinstance(value, str):
            raise InvalidValue("must be a string")
        max_length = params.get("max_length", STRING_DEFAULT_LENGTH if field_type == FieldType.STRING else TEXT_MAX_LENGTH)
        if len(value) > max_length:
            raise InvalidValue(f"must be at most {max_length} characters")
        if params.get("pattern") and not re.fullmatch(params["pattern"], value):
            raise InvalidValue(f"must match the pattern {params['pattern']}")
        return value
    if field_type in NUMERIC_TYPES:
        if field_type == FieldType.INTEGER:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not _is_integer(value):
                raise InvalidValue("must be an integer (64-bit)")
        elif not _is_number(value):
            raise InvalidValue("must be a number")
        if params.get("min") is not None and value < params["min"]:
            raise InvalidValue(f"must be at least {params['min']}")
        if params.get("max") is not None and value > params["max"]:
            raise InvalidValue(f"must be at most {params['max']}")
        return value
    if field_type == FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidValue("must be true or false")
        return value
    if field_type == FieldType.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat() if isinstance(value, str) and len(value) == 10 else _bad_date()
        except ValueError:
            raise InvalidValue("must be a date as YYYY-MM-DD")
    if field_type == FieldType.DATETIME:
        if not isinstance(value, str):
            raise InvalidValue("must be an ISO 8601 date and time")
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        except (ValueError, OverflowError):
            raise InvalidValue("must be an ISO 8601 date and time")
    if field_type == FieldType.URL:
        if not isinstance(value, str) or len(value) > 2048:
            raise InvalidValue("must be a URL")
        try:
            _url_validator(value)
        except DjangoValidationError:
            raise InvalidValue("must be a valid http(s) or ftp URL")
        return value
    if field_type == FieldType.OPTIONS:
        codes = [o["code"] for o in params.get("options", [])]
        if not isinstance(value, str) or value not in codes:
            raise InvalidValue(f"must be one of: {', '.join(codes)}")
        return value
    if field_type == FieldType.MULTI_OPTIONS:
        codes = [o["code"] for o in params.get("options", [])]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidValue("must be a list of option codes")
        unknown = [v for v in value if v not in codes]
        if unknown:
            raise InvalidValue(f"unknown options {', '.join(unknown)}; allowed: {', '.join(codes)}")
        if len(set(value)) != len(value):
            raise InvalidValue("must not repeat an option")
        return value
    if field_type == FieldType.LOCALIZED_STRING:
        if not isinstance(value, dict) or not value:
            raise InvalidValue('must be an object of locale to text, e.g. {"en_US": "Blue shirt"}')
        for locale, text in value.items():
            if not LOCALE_RE.match(locale):
                raise InvalidValue(f"'{locale}' is not a locale such as en_US")
            if text is not None and (not isinstance(text, str) or len(text) > STRING_MAX_LENGTH):
                raise InvalidValue(f"the {locale} text must be a string of at most {STRING_MAX_LENGTH} characters")
        return value
    if field_type == FieldType.JSON:
        return value
    if field_type == FieldType.GEOJSON:
        _validate_geojson(value)
        return value
    if field_type in (FieldType.ASSET, FieldType.DEVICE):
        if not _is_integer(value) or value <= 0:
            raise InvalidValue(f"must be the id of a {'device' if field_type == FieldType.DEVICE else 'asset'}")
        return value
    raise InvalidValue(f"unknown field type {field_type}")


def _bad_date():
    raise ValueError


def sort_key_is_numeric(field_types: set[str]) -> bool:
    return bool(field_types) and field_types <= NUMERIC_TYPES
