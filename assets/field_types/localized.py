"""LOCALIZED_STRING: an object of locale to text, e.g. {"en_US": "Blue shirt"}."""

from __future__ import annotations

import re

from django import forms

from .base import FieldKind, FilterInput, InvalidValue, json_cell
from .text import STRING_MAX_LENGTH

LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?$")


class LocalizedString(FieldKind):
    code = "LOCALIZED_STRING"
    label = "Localized string"
    operators = frozenset({"isnull", "contains", "icontains"})
    column = True
    display = "locales"

    def validate(self, params, value):
        if not isinstance(value, dict) or not value:
            raise InvalidValue('must be an object of locale to text, e.g. {"en_US": "Blue shirt"}')
        for locale, text in value.items():
            if not LOCALE_RE.match(locale):
                raise InvalidValue(f"'{locale}' is not a locale such as en_US")
            if text is not None and (not isinstance(text, str) or len(text) > STRING_MAX_LENGTH):
                raise InvalidValue(f"the {locale} text must be a string of at most {STRING_MAX_LENGTH} characters")
        return value

    def filter_inputs(self, definition, base):
        return [FilterInput(f"{base}__icontains", "contains", "search")]

    def form_field(self, definition, common, **choices):
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}), help_text="One line per locale, e.g. en_US: Blue shirt", **common
        )

    def form_initial(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{locale}: {'' if text is None else text}" for locale, text in sorted(value.items()))
        return ""

    def parse_form_text(self, text):
        """One "locale: text" per line, the way a translator would write them down."""
        values = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            locale, sep, line_text = line.partition(":")
            if not sep or not locale.strip():
                raise forms.ValidationError(f"line {number}: write it as locale: text, e.g. en_US: Blue shirt")
            values[locale.strip()] = line_text.strip()
        return values or None

    def parse_cell(self, text):
        return json_cell(text)

    def present(self, definition, value, shown, **context):
        if isinstance(value, dict):
            shown.items = sorted(
                (str(locale), "" if text is None else str(text), str(locale).replace("_", "-"))
                for locale, text in value.items()
            )
        else:
            shown.text = str(value)
