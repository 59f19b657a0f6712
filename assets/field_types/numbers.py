"""INTEGER (64-bit) and NUMBER (finite float): optional min and max; filters and sorting
compare them as numbers."""

from __future__ import annotations

import math

from django import forms

from .base import ORDERED_OPERATORS, FieldKind, FilterInput, InvalidValue, is_integer, is_number


def number_from_input(text: str, *, integer: bool):
    """A form input's number (an int when it spells one); forms.ValidationError otherwise."""
    try:
        return int(text)
    except ValueError:
        if integer:
            raise forms.ValidationError("must be an integer")
    try:
        value = float(text)
    except ValueError:
        raise forms.ValidationError("must be a number")
    if not math.isfinite(value):
        raise forms.ValidationError("must be a number")
    return value


class NumberKind(FieldKind):
    params = frozenset({"min", "max"})
    params_family = "number"
    operators = ORDERED_OPERATORS
    numeric = sortable = column = indexable = True
    display = "number"
    integer = False
    noun = "a number"

    def _accepts(self, value) -> bool:
        return is_number(value) and (not self.integer or is_integer(value))

    def clean_params(self, params, out):
        for bound in ("min", "max"):
            if params.get(bound) is not None:
                if not self._accepts(params[bound]):
                    raise InvalidValue(f"params.{bound} must be {self.noun}")
                out[bound] = params[bound]
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise InvalidValue("params.min must not be greater than params.max")

    def validate(self, params, value):
        if self.integer:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not is_integer(value):
                raise InvalidValue("must be an integer (64-bit)")
        elif not is_number(value):
            raise InvalidValue("must be a number")
        if params.get("min") is not None and value < params["min"]:
            raise InvalidValue(f"must be at least {params['min']}")
        if params.get("max") is not None and value > params["max"]:
            raise InvalidValue(f"must be at most {params['max']}")
        return value

    def filter_inputs(self, definition, base):
        return [FilterInput(f"{base}__gte", "from", "number"), FilterInput(f"{base}__lte", "to", "number")]

    def form_field(self, definition, common, **choices):
        attrs = {"step": "1" if self.integer else "any", "inputmode": "decimal"}
        for bound in ("min", "max"):
            if definition.params.get(bound) is not None:
                attrs[bound] = definition.params[bound]
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)

    def parse_form_text(self, text):
        return number_from_input(text, integer=self.integer)

    def parse_cell(self, text):
        if self.integer:
            try:
                return int(text.strip())  # exact, also beyond float precision
            except ValueError:
                pass
        try:
            number = float(text)
        except ValueError:
            return text  # the validator reports "must be a number"
        if not math.isfinite(number):
            return text  # "nan", "inf" or out of range: the validator reports "must be a number"
        return int(number) if number.is_integer() and self.integer else number


class Integer(NumberKind):
    code = "INTEGER"
    label = "Integer"
    integer = True
    noun = "an integer"


class Number(NumberKind):
    code = "NUMBER"
    label = "Number"
