"""URL: an http(s) or ftp(s) address, shown as a link."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator

from .base import TEXT_OPERATORS, FieldKind, FilterInput, InvalidValue

URL_MAX_LENGTH = 2048
LINKABLE_SCHEMES = ("http://", "https://", "ftp://", "ftps://")
_url_validator = URLValidator(schemes=["http", "https", "ftp", "ftps"])


class Url(FieldKind):
    code = "URL"
    label = "URL"
    operators = TEXT_OPERATORS
    sortable = column = True
    display = "url"

    def validate(self, params, value):
        if not isinstance(value, str) or len(value) > URL_MAX_LENGTH:
            raise InvalidValue("must be a URL")
        try:
            _url_validator(value)
        except DjangoValidationError:
            raise InvalidValue("must be a valid http(s) or ftp URL")
        return value

    def filter_inputs(self, definition, base):
        return [FilterInput(f"{base}__icontains", "contains", "search")]

    def form_field(self, definition, common, **choices):
        return forms.CharField(widget=forms.URLInput(attrs={"placeholder": "https://"}), **common)

    def present(self, definition, value, shown, **context):
        shown.text = str(value)
        # Only ordinary schemes become links: a stored "javascript:" must stay inert text.
        if shown.text.lower().startswith(LINKABLE_SCHEMES):
            shown.url = shown.text
