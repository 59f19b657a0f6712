"""Global search: assets (title, key, text values of custom fields, localized ones included),
devices, groups, asset types and link types, each only where the user may view it (the existing
visible_to querysets, so the permission filter is SQL). One UNION ALL query per page, keyset-paged
on (kind, title, id); an invisible match is never counted or named.

PostgreSQL matches assets through a full-text expression with a GIN index (migration
0008_asset_search); SQLite matches substrings, the custom-field values through json_tree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, IntegerField, Q, Value
from django.db.models.expressions import RawSQL
from django.urls import reverse

from assets.core.errors import ValidationFailed
from assets.core.inputs import require_user
from assets.core.pagination import clean_limit, decode_cursor, encode_cursor

from ..models import Asset, AssetType

KINDS = ("asset", "device", "group", "asset_type", "link_type")
MAX_QUERY_LENGTH = 200

# The indexed expression of migration 0008_asset_search; the query must spell it the same way for
# PostgreSQL to use the index.
ASSET_DOCUMENT = (
    "(to_tsvector('simple'::regconfig, (\"assets_asset\".\"title\")::text || ' ' || (\"assets_asset\".\"key\")::text)"
    " || jsonb_to_tsvector('simple'::regconfig, \"assets_asset\".\"custom_fields\", '[\"string\"]'::jsonb))"
)


@dataclass
class SearchPage:
    items: list[dict]
    has_next_page: bool
    end_cursor: str | None
    total_count: int | None = None


def _words(q) -> list[str]:
    if not isinstance(q, str) or not q.strip():
        raise ValidationFailed.field("q", "must not be empty")
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed.field("q", f"at most {MAX_QUERY_LENGTH} characters")
    words = re.findall(r"[^\W_]+", q.lower())
    if not words:
        raise ValidationFailed.field("q", "must contain a letter or digit")
    return words


def _asset_match(words: list[str], text: str):
    if connection.vendor == "postgresql":
        # The parser reads "P-4711" as 'p' and the signed number '-4711': a number in the query
        # may be either.
        query = " & ".join(f"({word}:* | -{word}:*)" if word.isdigit() else f"{word}:*" for word in words)
        return RawSQL(f"{ASSET_DOCUMENT} @@ to_tsquery('simple', %s)", [query], output_field=BooleanField())
    in_values = RawSQL(
        "EXISTS (SELECT 1 FROM json_tree(\"assets_asset\".\"custom_fields\") WHERE type = 'text' AND value LIKE %s ESCAPE '\\')",
        ["%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
        output_field=BooleanField(),
    )
    return Q(title__icontains=text) | Q(key__icontains=text) | Q(in_values)


def _parts(user, words: list[str], text: str) -> dict:
    from groups.permissions import visible_groups
    from links.services import visible_link_types

    from .devices import visible_devices

    return {
        "asset": Asset.objects.visible_to(user).filter(_asset_match(words, text)).annotate(_sub=F("key")),
        "device": visible_devices(user).filter(Q(title__icontains=text) | Q(identifier__icontains=text))
        .annotate(_sub=F("identifier")),
        "group": visible_groups(user).filter(title__icontains=text).annotate(_sub=F("organization__title")),
        "asset_type": AssetType.objects.visible_to(user).filter(Q(title__icontains=text) | Q(code__icontains=text))
        .annotate(_sub=F("code")),
        "link_type": visible_link_types(user)[0].filter(Q(name__icontains=text) | Q(code__icontains=text))
        .annotate(_title=F("name"), _sub=F("code")),
    }


def _url(kind: str, pk: int) -> str:
    if kind == "asset":
        return reverse("asset_detail", args=[pk])
    if kind == "device":
        return reverse("device_list")
    if kind == "group":
        return reverse("groups:group", args=[pk])
    if kind == "asset_type":
        return reverse("type_detail", args=[pk])
    return ""


def search(user, q, *, kind=None, limit=None, cursor=None, with_count: bool = False) -> SearchPage:
    require_user(user)
    words = _words(q)
    text = q.strip()
    if kind is not None and kind not in KINDS:
        raise ValidationFailed.field("kind", f"must be one of {', '.join(KINDS)}")
    limit = clean_limit(limit)
    after = None
    if cursor:
        after = decode_cursor(cursor, 3)
        if not (isinstance(after[0], int) and 0 <= after[0] < len(KINDS) and isinstance(after[1], str)
                and isinstance(after[2], int)):
            raise ValidationFailed.field("cursor", "is not a valid cursor")
    kinds = [kind] if kind else list(KINDS)
    parts = _parts(user, words, text)
    selected = []
    for name in kinds:
        rank = KINDS.index(name)
        queryset = parts[name]
        title = "_title" if name == "link_type" else "title"
        if after is not None:
            if rank < after[0]:
                continue
            if rank == after[0]:
                queryset = queryset.filter(Q(**{f"{title}__gt": after[1]}) | Q(**{title: after[1], "pk__gt": after[2]}))
        selected.append(
            queryset.annotate(_rank=Value(rank, output_field=IntegerField()), _t=F(title))
            .order_by().values_list("_rank", "pk", "_t", "_sub")
        )
    total = None
    if with_count:
        total = sum(parts[name].order_by().count() for name in kinds)
    if not selected:
        return SearchPage([], False, None, total)
    union = selected[0].union(*selected[1:], all=True) if len(selected) > 1 else selected[0]
    rows = list(union.order_by("_rank", "_t", "pk")[: limit + 1])
    has_next = len(rows) > limit
    rows = rows[:limit]
    items = [
        {"kind": KINDS[rank], "id": pk, "title": title, "subtitle": subtitle or "", "url": _url(KINDS[rank], pk)}
        for rank, pk, title, subtitle in rows
    ]
    end = encode_cursor([rows[-1][0], rows[-1][2], rows[-1][1]]) if rows else None
    return SearchPage(items, has_next, end, total)
