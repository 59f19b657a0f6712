"""BOOLEAN: true or false, spelled with the boolean words in filters, cells and forms."""

from __future__ import annotations

from django import forms

from assets.core.errors import ValidationFailed

from .base import NO_CHOICE, FieldKind, FilterInput, InvalidValue, bool_from_text


class Boolean(FieldKind):
    code = "BOOLEAN"
    label = "Boolean"
    operators = frozenset({"eq", "ne", "isnull"})
    sortable = column = indexable = True
    display = "badge"

    def validate(self, params, value):
        if not isinstance(value, bool):
            raise InvalidValue("must be true or false")
        return value

    def filter_value(self, raw, param):
        value = bool_from_text(raw) if raw == raw.strip() else None
        if value is None:
            raise ValidationFailed.field(param, "must be true or false")
        return value

    def filter_inputs(self, definition, base):
        return [FilterInput(base, "is", "select", choices=[("", "Any"), ("true", "Yes"), ("false", "No")])]

    def form_field(self, definition, common, **choices):
        return forms.ChoiceField(choices=[NO_CHOICE, ("true", "Yes"), ("false", "No")], **common)

    def form_initial(self, value):
        return "true" if value is True else "false" if value is False else None

    def parse_form_text(self, text):
        return text == "true"

    def parse_cell(self, text):
        value = bool_from_text(text)
        return text if value is None else value

    def present(self, definition, value, shown, **context):
        shown.text = "Yes" if value is True else "No" if value is False else str(value)
