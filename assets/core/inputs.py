from __future__ import annotations

import re
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from assets.access.permissions import is_active_user
from assets.core.errors import Duplicate, Unauthenticated, ValidationFailed

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# Ids are 64-bit: a larger number names nothing (and SQLite can't even bind it).
MAX_ID = 2**63 - 1


def is_id(value) -> bool:
    """A value that can be a row's id: a positive integer of at most 64 bits."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def id_from_text(raw) -> int | None:
    """The id a form, query or file value spells, else None. ASCII digits only: str.isdigit()
    also accepts '²', which int() refuses."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if is_id(value) else None


def require_id(value, field: str, message: str = "must be a positive integer id"):
    """An id given as a JSON or query value; anything else (None too) is a 400 on `field`."""
    if not is_id(value):
        raise ValidationFailed.field(field, message)
    return value


def require_user(user) -> None:
    if not is_active_user(user):
        raise Unauthenticated("Sign in or send a bearer token")


@contextmanager
def unique_or_duplicate(message: str, field: str | None = None):
    """Turn a unique-constraint violation inside the block into 409 DUPLICATE. The savepoint keeps
    the outer transaction usable on PostgreSQL."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        errors = [{"field": field, "message": message}] if field else []
        raise Duplicate(message, errors=errors)


def clean_text(value, field: str, *, max_length: int, required: bool = True) -> str:
    if value is None:
        if required:
            raise ValidationFailed.field(field, "is required")
        return ""
    if not isinstance(value, str):
        raise ValidationFailed.field(field, "must be a string")
    if "\x00" in value:
        raise ValidationFailed.field(field, "must not contain NUL characters")
    value = value.strip()
    if required and not value:
        raise ValidationFailed.field(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationFailed.field(field, f"must be at most {max_length} characters")
    return value


def clean_slug(value, field: str, *, max_length: int) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise ValidationFailed.field(field, "must hold only letters, digits, hyphens and underscores")
    if len(value) > max_length:
        raise ValidationFailed.field(field, f"must be at most {max_length} characters")
    return value
