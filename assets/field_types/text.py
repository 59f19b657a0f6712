"""STRING and TEXT: plain text with a length limit; STRING may also carry a pattern.

Patterns run on RE2 (google-re2), whose matching time is linear in the input: a pattern such
as `(a+)+$` can't stall a worker the way Python's backtracking `re` would. RE2 has no
backreferences or lookaround; a pattern using them is refused when the field is defined."""

from __future__ import annotations

import functools

import re2
from django import forms

from .base import TEXT_OPERATORS, FieldKind, FilterInput, InvalidValue, is_integer

STRING_MAX_LENGTH = 1024
STRING_DEFAULT_LENGTH = 255
TEXT_MAX_LENGTH = 100_000
PATTERN_MAX_LENGTH = 500
# The longest STRING an index takes: 4 bytes a character in UTF-8 keeps every value inside a
# PostgreSQL btree entry (~2,700 bytes), so an indexed field never refuses a valid write.
INDEXED_MAX_LENGTH = 600
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
# The check only asks whether the whole value matches: it needs no captured groups.
_RE2_OPTIONS.never_capture = True


@functools.lru_cache(maxsize=128)
def compiled_pattern(pattern: str):
    """The RE2 program of a pattern (cached: a list import checks one pattern many times)."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


def _pattern_problem(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


class TextKind(FieldKind):
    params = frozenset({"max_length"})
    operators = TEXT_OPERATORS
    sortable = True
    column = True
    max_length = TEXT_MAX_LENGTH
    default_length = TEXT_MAX_LENGTH
    strip_form_input = False

    def clean_params(self, params, out):
        max_length = params.get("max_length", self.default_length)
        if not is_integer(max_length) or not 1 <= max_length <= self.max_length:
            raise InvalidValue(f"params.max_length must be an integer from 1 to {self.max_length}")
        out["max_length"] = max_length

    def validate(self, params, value):
        if not isinstance(value, str):
            raise InvalidValue("must be a string")
        max_length = params.get("max_length", self.default_length)
        if len(value) > max_length:
            raise InvalidValue(f"must be at most {max_length} characters")
        return value

    def filter_inputs(self, definition, base):
        return [FilterInput(f"{base}__icontains", "contains", "search")]


class Text(TextKind):
    code = "TEXT"
    label = "Text"
    column = False  # long values stay on the detail page
    display = "text"

    def form_field(self, definition, common, **choices):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), strip=False, **common)


class String(TextKind):
    code = "STRING"
    label = "String"
    params = frozenset({"max_length", "pattern"})
    max_length = STRING_MAX_LENGTH
    default_length = STRING_DEFAULT_LENGTH
    indexable = True

    def index_problem(self, params):
        if params.get("max_length", self.default_length) > INDEXED_MAX_LENGTH:
            return f"an indexed STRING field needs params.max_length of at most {INDEXED_MAX_LENGTH}"
        return None

    def clean_params(self, params, out):
        super().clean_params(params, out)
        pattern = params.get("pattern")
        if pattern is None:
            return
        if not isinstance(pattern, str) or len(pattern) > PATTERN_MAX_LENGTH:
            raise InvalidValue(f"params.pattern must be a regular expression of at most {PATTERN_MAX_LENGTH} characters")
        try:
            compiled_pattern(pattern)
        except re2.error as exc:
            raise InvalidValue(
                f"params.pattern is not a regular expression this server runs ({_pattern_problem(exc)}); "
                "backreferences and lookaround are not supported"
            )
        out["pattern"] = pattern

    def validate(self, params, value):
        value = super().validate(params, value)
        if params.get("pattern") and not self._matches(params["pattern"], value):
            raise InvalidValue(f"must match the pattern {params['pattern']}")
        return value

    @staticmethod
    def _matches(pattern: str, value: str) -> bool:
        try:
            return compiled_pattern(pattern).fullmatch(value) is not None
        except re2.error:
            # A pattern stored before RE2 that RE2 can't run: no value can be checked against it.
            return False

    def form_field(self, definition, common, **choices):
        max_length = definition.params.get("max_length")
        attrs = {"maxlength": max_length} if max_length else {}
        if definition.params.get("pattern"):
            attrs["title"] = f"Pattern: {definition.params['pattern']}"
        return forms.CharField(widget=forms.TextInput(attrs=attrs), strip=False, **common)
