"""OPTIONS (one code of a list) and MULTI_OPTIONS (a list of distinct codes)."""

from __future__ import annotations

import json
import re

from django import forms
from django.db.models import Q, TextField, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan

from assets.transfer.formats import JSONValueError, loads_strict

from .base import EQUALITY_OPERATORS, NO_CHOICE, TEXT_OPERATORS, FieldKind, FilterInput, InvalidValue

OPTION_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def option_choices(definition) -> list[tuple[str, str]]:
    return [(o["code"], o.get("title") or o["code"]) for o in definition.params.get("options", [])]


class OptionsKind(FieldKind):
    params = frozenset({"options"})
    params_family = "options"
    display = "badge"

    def clean_params(self, params, out):
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

    def filter_inputs(self, definition, base):
        return [FilterInput(base, "is", "select", choices=[("", "Any"), *option_choices(definition)])]


class Options(OptionsKind):
    code = "OPTIONS"
    label = "Options"
    operators = TEXT_OPERATORS
    sortable = column = indexable = True  # option codes are at most 64 characters

    def validate(self, params, value):
        codes = [o["code"] for o in params.get("options", [])]
        if not isinstance(value, str) or value not in codes:
            raise InvalidValue(f"must be one of: {', '.join(codes)}")
        return value

    def form_field(self, definition, common, **choices):
        return forms.ChoiceField(choices=[NO_CHOICE, *option_choices(definition)], **common)

    def present(self, definition, value, shown, **context):
        shown.text = dict(option_choices(definition)).get(value, str(value))


class MultiOptions(OptionsKind):
    code = "MULTI_OPTIONS"
    label = "Multiple options"
    operators = EQUALITY_OPERATORS
    column = True
    display = "tags"
    own_equality = True

    def validate(self, params, value):
        codes = [o["code"] for o in params.get("options", [])]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidValue("must be a list of option codes")
        unknown = [v for v in value if v not in codes]
        if unknown:
            raise InvalidValue(f"unknown options {', '.join(unknown)}; allowed: {', '.join(codes)}")
        if len(set(value)) != len(value):
            raise InvalidValue("must not repeat an option")
        return value

    def equality_term(self, code, raw):
        # A list matches when it holds the option; its JSON text holds the quoted code.
        # Option codes can't hold quotes, so on a list of them the text test is membership.
        list_text = Cast(KeyTransform(code, "custom_fields"), TextField())
        return Q(GreaterThan(StrIndex(list_text, Value(json.dumps(raw))), 0))

    def equality_probe(self, raw):
        return [raw]

    def form_field(self, definition, common, **choices):
        return forms.MultipleChoiceField(choices=option_choices(definition), widget=forms.CheckboxSelectMultiple, **common)

    def form_initial(self, value):
        return value if isinstance(value, list) else []

    def form_value(self, raw):
        return list(raw) or None

    def parse_cell(self, text):
        try:
            return loads_strict(text)
        except JSONValueError:
            return [part for part in text.split("|") if part]

    def present(self, definition, value, shown, **context):
        titles = dict(option_choices(definition))
        shown.items = [titles.get(code, str(code)) for code in value] if isinstance(value, list) else [str(value)]
