"""DATE (YYYY-MM-DD) and DATETIME (ISO 8601, stored in UTC with a Z). Both store text whose
order is the time order, so filters and sorting compare the text."""

from __future__ import annotations

import datetime as dt

from django import forms

from .base import TEXT_OPERATORS, FieldKind, FilterInput, InvalidValue


class DateKind(FieldKind):
    operators = TEXT_OPERATORS
    sortable = column = indexable = True
    input_type = "date"

    def filter_inputs(self, definition, base):
        return [FilterInput(f"{base}__gte", "from", self.input_type), FilterInput(f"{base}__lte", "to", self.input_type)]


class Date(DateKind):
    code = "DATE"
    label = "Date"

    def validate(self, params, value):
        if not isinstance(value, str) or len(value) != 10:
            raise InvalidValue("must be a date as YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise InvalidValue("must be a date as YYYY-MM-DD")

    def form_field(self, definition, common, **choices):
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), help_text="YYYY-MM-DD", **common)


class DateTime(DateKind):
    code = "DATETIME"
    params_family = "date_time"
    label = "Date and time"
    input_type = "datetime-local"

    def validate(self, params, value):
        if not isinstance(value, str):
            raise InvalidValue("must be an ISO 8601 date and time")
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        except (ValueError, OverflowError):
            raise InvalidValue("must be an ISO 8601 date and time")

    def form_field(self, definition, common, **choices):
        return forms.CharField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}), help_text="UTC", **common
        )

    def form_initial(self, value):
        return value.removesuffix("Z").split("+")[0] if isinstance(value, str) else value

    def parse_form_text(self, text):
        try:
            # The browser's local-looking time is read as UTC, as the API reads a time without offset.
            return self.validate({}, text)
        except InvalidValue as exc:
            raise forms.ValidationError(str(exc))

    def present(self, definition, value, shown, **context):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except (TypeError, ValueError, AttributeError):
            shown.text = str(value)
            return
        shown.text = parsed.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
