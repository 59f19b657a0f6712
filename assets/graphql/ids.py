"""GraphQL IDs are the product's integer ids written as strings ("42")."""

from __future__ import annotations

from assets.core.errors import NotFound, ValidationFailed
from assets.core.inputs import is_id


def parse_id(value) -> int | None:
    text = str(value)
    # Length first: int() refuses strings of more than 4,300 digits.
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    number = int(text)
    return number if is_id(number) else None


def id_argument(value, field: str) -> int:
    """An id naming what a write works on or in: a malformed one is a VALIDATION_ERROR."""
    number = parse_id(value)
    if number is None:
        raise ValidationFailed.field(field, "is not an id")
    return number


def lookup_id(value, what: str) -> int:
    """An id a read looks up: a malformed one names nothing, like an id that doesn't exist."""
    number = parse_id(value)
    if number is None:
        raise NotFound(f"{what} {str(value)[:40]} does not exist")
    return number


def optional_ids(values, field: str) -> list[int] | None:
    if values is None:
        return None
    return [id_argument(value, field) for value in values]
