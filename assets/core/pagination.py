"""Keyset (cursor) pagination shared by every list endpoint and page.

A cursor is the sort values of the last row of a page plus its id, so the next page is a
WHERE on an indexed ordering, never an OFFSET. NULL sort values come last in both directions."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assets.core.db import prefetch_rows
from assets.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term: `name` is a model field or an annotation on the queryset."""

    name: str
    descending: bool = False
    nullable: bool = False
    # Informational only: cursor values are checked against the column's own field.
    kind: str = "value"


@dataclass
class Page:
    items: list
    has_next_page: bool
    end_cursor: str | None
    total_count: int | None = None
    extra: dict = field(default_factory=dict)
    # The ordering the page was read in (its id tie-breaker included), for per-row cursors.
    keys: list = field(default_factory=list)
    # Set when the page was read with a cursor: `before` reads the page ending just before
    # `start_cursor` (the keyset page going back).
    has_previous_page: bool = False
    start_cursor: str | None = None

    def page_info(self) -> dict:
        return {"has_next_page": self.has_next_page, "end_cursor": self.end_cursor}

    def cursor_of(self, row) -> str:
        """The cursor that continues after `row` (GraphQL edges carry one per row)."""
        return _encode([_cursor_value(row, k) for k in self.keys])


def _encode(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, expected: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed.field("cursor", "is not a valid cursor")
    if not isinstance(values, list) or len(values) != expected:
        raise ValidationFailed.field("cursor", "is not a valid cursor for this ordering")
    return values


def _after(key: SortKey, value) -> Q:
    """Rows strictly after `value` on this key (NULLs last)."""
    if value is None:
        return Q(pk__in=[])
    lookup = "lt" if key.descending else "gt"
    condition = Q(**{f"{key.name}__{lookup}": value})
    if key.nullable:
        condition |= Q(**{f"{key.name}__isnull": True})
    return condition


def _equal(key: SortKey, value) -> Q:
    if value is None:
        return Q(**{f"{key.name}__isnull": True})
    return Q(**{key.name: value})


def _field_of(queryset: QuerySet, name: str):
    if name == "pk":
        return queryset.model._meta.pk
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    return queryset.model._meta.get_field(name)


def _restore(queryset: QuerySet, key: SortKey, value):
    """A cursor value turned back into what its column holds. Cursors come from clients, so
    anything that isn't a plain value of the column's type is a 400, never a database error."""
    if value is None:
        return None
    invalid = ValidationFailed.field("cursor", "is not a valid cursor")
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid
    if not isinstance(value, str | int | float | bool):
        raise invalid
    # JSON escapes smuggle in what a query string can't: NUL (PostgreSQL refuses it in text)
    # and lone surrogates (not encodable for either database).
    if isinstance(value, str) and ("\x00" in value or not _encodable(value)):
        raise invalid
    model_field = _field_of(queryset, key.name)
    if isinstance(model_field, models.DateTimeField | models.DateField) and not isinstance(value, str):
        raise invalid
    try:
        restored = model_field.to_python(value)
        if isinstance(model_field, models.FloatField):
            float(restored)
    except (DjangoValidationError, TypeError, ValueError, OverflowError):
        raise invalid
    if isinstance(restored, int) and not isinstance(restored, bool) and not -(2**63) <= restored < 2**63:
        raise invalid
    if isinstance(restored, dt.datetime) and timezone.is_naive(restored):
        restored = timezone.make_aware(restored, dt.UTC)
    return restored


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _before(key: SortKey, value) -> Q:
    """Rows strictly before `value` on this key in the forward order (NULLs were last)."""
    if value is None:
        return Q(**{f"{key.name}__isnull": False}) if key.nullable else Q(pk__in=[])
    return Q(**{f"{key.name}__{'gt' if key.descending else 'lt'}": value})


def capped_count(queryset: QuerySet, cap: int) -> tuple[int, bool]:
    """(count, exact): counts at most `cap` + 1 rows, so a huge table costs a bounded scan; past
    the cap the count is `cap` and not exact (shown as "more than cap", as Navixy's
    CountPrecision does for its lists)."""
    n = queryset.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)


def order_terms(keys: list[SortKey], *, backwards: bool = False) -> list:
    """ORDER BY terms of `keys` (NULLs last); `backwards` reads the same order in reverse
    (every direction flipped, NULLs first), for the page before a cursor."""
    terms = []
    for key in keys:
        expr = F(key.name)
        descending = key.descending != backwards
        if key.nullable:
            nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
            terms.append(expr.desc(**nulls) if descending else expr.asc(**nulls))
        else:
            terms.append(expr.desc() if descending else expr.asc())
    return terms


def clean_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed.field("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def paginate(
    queryset: QuerySet,
    keys: list[SortKey],
    *,
    limit: int | None = None,
    cursor: str | None = None,
    with_count: bool = False,
    before: str | None = None,
) -> Page:
    """One query for the page (limit + 1 rows tell whether there is a next one) and one more
    for `total_count` only when asked. `before` (instead of `cursor`) reads the page that ends
    just before that row: the same keyset read backwards, then put back in order."""
    limit = clean_limit(limit)
    all_keys = _with_id_key(keys)
    total = queryset.order_by().count() if with_count else None
    # Prefetches run on the page's rows only (not the extra row that tells whether there is a
    # next page), through the cheap per-row path of assets.core.db.prefetch.
    lookups = queryset._prefetch_related_lookups
    backwards = bool(before) and not cursor
    ordered = queryset.prefetch_related(None).order_by(*order_terms(all_keys, backwards=backwards))
    if cursor or backwards:
        values = cursor_values(queryset, keys, cursor or before, param="cursor" if cursor else "before")
        ordered = ordered.filter(_beyond(all_keys, values, backwards=backwards))
    rows = list(ordered[: limit + 1])
    page = _page_of(rows, all_keys, limit, total=total, cursor=cursor, backwards=backwards)
    prefetch_rows(page.items, lookups)
    return page


def cursor_values(queryset: QuerySet, keys: list[SortKey], cursor: str, *, param: str = "cursor") -> list:
    """The sort values (the id last) of the row a cursor continues after, each checked against
    and turned into its column's type: a 400 for anything that isn't one of this ordering's."""
    all_keys = _with_id_key(keys)
    decoded = _decode(cursor, len(all_keys))
    values = [_restore(queryset, k, v) for k, v in zip(all_keys, decoded, strict=True)]
    if values[-1] is None:
        raise ValidationFailed.field(param, "is not a valid cursor")
    return values


def _beyond(all_keys: list[SortKey], values: list, *, backwards: bool = False) -> Q:
    """Rows after (or, `backwards`, before) the row of these sort values, in keyset order."""
    beyond = _before if backwards else _after
    condition = Q(pk__in=[])
    for i, key in enumerate(all_keys):
        term = beyond(key, values[i])
        for prior, prior_value in zip(all_keys[:i], values[:i], strict=False):
            term &= _equal(prior, prior_value)
        condition |= term
    return condition


def _with_id_key(keys: list[SortKey]) -> list[SortKey]:
    return [*keys, SortKey("pk", descending=keys[-1].descending if keys else False)]


def first_page_queryset(queryset: QuerySet, keys: list[SortKey], limit: int | None = None, *,
                        after: list | None = None) -> QuerySet:
    """The query `paginate` runs for a first page (no cursor, no count), or for the page after
    the row of `after` (a cursor's `cursor_values`), for a read compiled once
    (assets.core.db.compiled) that `first_page` then turns into the same Page. Prefetches are
    left to the caller."""
    all_keys = _with_id_key(keys)
    ordered = queryset.prefetch_related(None).order_by(*order_terms(all_keys))
    if after is not None:
        ordered = ordered.filter(_beyond(all_keys, after))
    return ordered[: clean_limit(limit) + 1]


def first_page(rows: list, keys: list[SortKey], limit: int | None = None, *, cursor: str | None = None) -> Page:
    """The Page of the rows of `first_page_queryset(queryset, keys, limit)`, or of the page
    after `cursor` when its values were the query's `after`."""
    return _page_of(list(rows), _with_id_key(keys), clean_limit(limit), cursor=cursor)


def _page_of(rows: list, all_keys: list[SortKey], limit: int, *, total=None, cursor=None, backwards=False) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    end_cursor = start_cursor = None
    if rows:
        end_cursor = _encode([_cursor_value(rows[-1], k) for k in all_keys])
        start_cursor = _encode([_cursor_value(rows[0], k) for k in all_keys])
    return Page(
        items=rows, has_next_page=True if backwards else more, end_cursor=end_cursor, total_count=total,
        keys=all_keys, has_previous_page=more if backwards else bool(cursor), start_cursor=start_cursor,
    )


def _cursor_value(row, key: SortKey):
    value = row.pk if key.name == "pk" else getattr(row, key.name)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


# For keyset pages that are not one queryset (a union of several, as in global search).
encode_cursor = _encode
decode_cursor = _decode
