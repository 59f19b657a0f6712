"""The one adapter from a service's DomainError to what pages and the admin show: errors on the
form fields they name, the rest (and refusals such as conflicts) as sentences."""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from assets.core.errors import DomainError


def error_lines(exc: DomainError) -> list[str]:
    """One "field: message" line per error, or the detail when the error names none."""
    lines = [f"{e['field']}: {e.get('message', '')}" if e.get("field") else e.get("message", "") for e in exc.errors]
    return [line for line in lines if line] or [exc.detail]


def error_text(exc: DomainError) -> str:
    """For a message: the detail, and every error line that the detail doesn't say yet."""
    lines = [line for line in error_lines(exc) if line not in exc.detail]
    return f"{exc.detail}: {'; '.join(lines)}" if lines else exc.detail


def as_validation_error(exc: DomainError) -> forms.ValidationError:
    """For a form's clean(): every error line as a non-field error."""
    return forms.ValidationError(error_lines(exc))


def place_errors(
    form: forms.Form, exc: DomainError, field_for: Callable[[str, str], tuple[str | None, str]] | None = None,
) -> None:
    """Each error of `exc` on the form field it names (`field_for(name, message)` may rename the
    field and reword the message), else as a non-field "field: message"; anything but invalid
    input (conflicts, duplicates, refusals) also gets its detail as a sentence."""
    for item in exc.errors:
        name = str(item.get("field") or "")
        message = item.get("message") or exc.detail
        target, shown = field_for(name, message) if field_for is not None else (name, message)
        if target and target in form.fields:
            form.add_error(target, shown)
        else:
            form.add_error(None, f"{name}: {message}" if name else message)
    if not exc.errors or exc.status != 400:
        form.add_error(None, exc.detail)
