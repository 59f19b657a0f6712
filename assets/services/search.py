"""Global search: assets (title, key, text values of custom fields, localized ones included),
devices, groups, asset types and link types, each only where the user may view it (the existing
visible_to querysets, so the permission filter is SQL). One UNION ALL query per page, ranked then
keyset-paged on (kind, score, title, id); an invisible match is never counted or named.

Assets match by full text, every word of the query a word of the asset, the last one a prefix: PostgreSQL
through a GIN-indexed tsvector expression (migration 0008_asset_search), SQLite through an FTS5
table kept by triggers (0009_asset_search_fts), both tokenizing the same way. The small tables
match substrings. The score is the same expression on both databases: an exact title or key first,
then a title that starts with the query, then the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import BooleanField, Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.urls import reverse

from assets.core.errors import ValidationFailed
from assets.core.inputs import require_user
from assets.core.pagination import clean_limit, decode_cursor, encode_cursor

from ..models import Asset, AssetType

KINDS = ("asset", "device", "group", "asset_type", "link_type")
MAX_QUERY_LENGTH = 200
COLUMNS = ("_rank", "_score", "_t", "_id", "_sub", "_tree", "_lft", "_rght")

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
    counts: dict[str, int] = field(default_factory=dict)


def _words(q) -> list[str]:
    if not isinstance(q, str) or not q.strip():
        raise ValidationFailed.field("q", "must not be empty")
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed.field("q", f"at most {MAX_QUERY_LENGTH} characters")
    words = re.findall(r"[^\W_]+", q.lower())
    if not words:
        raise ValidationFailed.field("q", "must contain a letter or digit")
    return words


def _stars(words: list[str], star: str) -> list[str]:
    """Only the last word is a prefix (the one being typed): a short earlier word like the "p" of
    "P-4711" would otherwise expand to every word starting with p in the index."""
    return [""] * (len(words) - 1) + [star]


def _asset_match(words: list[str]):
    if connection.vendor == "postgresql":
        # The parser reads "P-4711" as 'p' and the signed number '-4711': a number in the query
        # may be either.
        query = " & ".join(
            f"({word}{star} | -{word}{star})" if word.isdigit() else f"{word}{star}"
            for word, star in zip(words, _stars(words, ":*"), strict=True))
        return RawSQL(f"{ASSET_DOCUMENT} @@ to_tsquery('simple', %s)", [query], output_field=BooleanField())
    # The words are letters and digits only, so quoting them is enough for FTS5's syntax.
    query = " AND ".join(f'"{word}"{star}' for word, star in zip(words, _stars(words, "*"), strict=True))
    return RawSQL('"assets_asset"."id" IN (SELECT rowid FROM asset_search WHERE asset_search MATCH %s)', [query],
                  output_field=BooleanField())


def _score(text: str, title: str, code: str):
    return Case(
        When(Q(**{f"{title}__iexact": text}) | Q(**{f"{code}__iexact": text}), then=Value(0)),
        When(**{f"{title}__istartswith": text}, then=Value(1)),
        default=Value(2), output_field=IntegerField(),
    )


def _parts(user, words: list[str], text: str) -> dict:
    from groups.permissions import visible_groups
    from links.services import visible_link_types

    from .devices import visible_devices

    zero = Value(0, output_field=IntegerField())
    flat = {"_tree": zero, "_lft": zero, "_rght": zero}
    return {
        "asset": Asset.objects.visible_to(user).filter(_asset_match(words))
        .annotate(_t=F("title"), _sub=F("key"), _score=_score(text, "title", "key"), **flat),
        "device": visible_devices(user).filter(Q(title__icontains=text) | Q(identifier__icontains=text))
        .annotate(_t=F("title"), _sub=F("identifier"), _score=_score(text, "title", "identifier"), **flat),
        "group": visible_groups(user).filter(Q(title__icontains=text) | Q(code__icontains=text))
        .annotate(_t=F("title"), _sub=F("organization__title"), _score=_score(text, "title", "code"),
                  _tree=F("tree_id"), _lft=F("lft"), _rght=F("rght")),
        "asset_type": AssetType.objects.visible_to(user).filter(Q(title__icontains=text) | Q(code__icontains=text))
        .annotate(_t=F("title"), _sub=F("code"), _score=_score(text, "title", "code"), **flat),
        "link_type": visible_link_types(user)[0].filter(Q(name__icontains=text) | Q(code__icontains=text))
        .annotate(_t=F("name"), _sub=F("code"), _score=_score(text, "name", "code"), **flat),
    }


def _url(kind: str, pk: int, subtitle: str) -> str:
    if kind == "asset":
        return reverse("asset_detail", args=[pk])
    if kind == "device":
        return f"{reverse('device_list')}?{urlencode({'q': subtitle})}"
    if kind == "group":
        return reverse("groups:group", args=[pk])
    if kind == "asset_type":
        return reverse("type_detail", args=[pk])
    return ""


def _clean(user, q, kind):
    require_user(user)
    words = _words(q)
    if kind is not None and kind not in KINDS:
        raise ValidationFailed.field("kind", f"must be one of {', '.join(KINDS)}")
    return words, q.strip()


def _union(selected):
    selected = [queryset.order_by().values_list(*COLUMNS) for queryset in selected]
    return selected[0].union(*selected[1:], all=True) if len(selected) > 1 else selected[0]


def _group_paths(user, rows) -> dict[int, str]:
    """The path of each group hit: its ancestors the user may view, then itself (one query)."""
    from groups.permissions import visible_groups

    groups = [row for row in rows if KINDS[row[0]] == "group"]
    if not groups:
        return {}
    around = Q()
    for row in groups:
        around |= Q(tree_id=row[5], lft__lt=row[6], rght__gt=row[7])
    ancestors = list(visible_groups(user).filter(around).order_by("lft").values_list("tree_id", "lft", "rght", "title"))
    return {
        row[3]: " / ".join([a[3] for a in ancestors if a[0] == row[5] and a[1] < row[6] and a[2] > row[7]] + [row[2]])
        for row in groups
    }


def _items(user, rows) -> list[dict]:
    paths = _group_paths(user, rows)
    return [
        {"kind": KINDS[row[0]], "id": row[3], "title": row[2],
         "subtitle": paths.get(row[3], row[4] or "") if KINDS[row[0]] == "group" else row[4] or "",
         "url": _url(KINDS[row[0]], row[3], row[4] or "")}
        for row in rows
    ]


def _counts(union) -> dict[str, int]:
    sql, params = union.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT u._rank, COUNT(*) FROM ({sql}) u GROUP BY u._rank", params)
        found = dict(cursor.fetchall())
    return {name: found.get(rank, 0) for rank, name in enumerate(KINDS)}


def search(user, q, *, kind=None, limit=None, cursor=None, with_count: bool = False) -> SearchPage:
    words, text = _clean(user, q, kind)
    limit = clean_limit(limit)
    after = None
    if cursor:
        after = decode_cursor(cursor, 4)
        if not (isinstance(after[0], int) and 0 <= after[0] < len(KINDS) and isinstance(after[1], int)
                and isinstance(after[2], str) and isinstance(after[3], int)):
            raise ValidationFailed.field("cursor", "is not a valid cursor")
    kinds = [kind] if kind else list(KINDS)
    parts = _parts(user, words, text)
    selected = []
    for name in kinds:
        rank = KINDS.index(name)
        queryset = parts[name].annotate(_rank=Value(rank, output_field=IntegerField()), _id=F("pk"))
        if after is not None:
            if rank < after[0]:
                continue
            if rank == after[0]:
                queryset = queryset.filter(
                    Q(_score__gt=after[1]) | Q(_score=after[1], _t__gt=after[2])
                    | Q(_score=after[1], _t=after[2], pk__gt=after[3]))
        selected.append(queryset)
    counts = {}
    if with_count:
        counts = {name: n for name, n in _counts(_union(
            [parts[name].annotate(_rank=Value(KINDS.index(name), output_field=IntegerField()), _id=F("pk"))
             for name in kinds])).items() if name in kinds}
    total = sum(counts.values()) if with_count else None
    if not selected:
        return SearchPage([], False, None, total, counts)
    rows = list(_union(selected).order_by("_rank", "_score", "_t", "_id")[: limit + 1])
    has_next = len(rows) > limit
    rows = rows[:limit]
    end = encode_cursor([rows[-1][0], rows[-1][1], rows[-1][2], rows[-1][3]]) if rows else None
    return SearchPage(_items(user, rows), has_next, end, total, counts)


def preview(user, q, *, per_kind: int = 5) -> SearchPage:
    """The header's dropdown: the best few hits of each kind and how many there are of each, in
    one query (a window over the union)."""
    words, text = _clean(user, q, None)
    parts = _parts(user, words, text)
    union = _union([parts[name].annotate(_rank=Value(rank, output_field=IntegerField()), _id=F("pk"))
                    for rank, name in enumerate(KINDS)])
    sql, params = union.query.get_compiler(connection=connection).as_sql()
    names = ", ".join(f"u.{column}" for column in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM (SELECT {names}, ROW_NUMBER() OVER (PARTITION BY u._rank ORDER BY u._score, u._t, u._id)"
            f" AS n, COUNT(*) OVER (PARTITION BY u._rank) AS total FROM ({sql}) u) w WHERE w.n <= %s"
            " ORDER BY w._rank, w._score, w._t, w._id",
            [*params, per_kind],
        )
        found = cursor.fetchall()
    rows = [tuple(row[: len(COLUMNS)]) for row in found]
    counts = dict.fromkeys(KINDS, 0)
    for row in found:
        counts[KINDS[row[0]]] = row[-1]
    return SearchPage(_items(user, rows), False, None, sum(counts.values()), counts)
