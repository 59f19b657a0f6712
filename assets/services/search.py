"""Global search: assets (title, key, text values of custom fields, localized ones included),
devices, groups, asset types and link types, each only where the user may view it (the existing
visible_to querysets, so the permission filter is SQL). One UNION ALL query per page, ranked then
keyset-paged on (kind, score, title, id), after one cheap query that tells which small tables hold
the text at all; an invisible match is never counted or named. Counts can stop at a cap.

Assets match by full text, every word of the query a word of the asset, the last one a prefix: PostgreSQL
through a stored tsvector column with a GIN index (migration 0013_search_speed), SQLite through an
FTS5 table kept by triggers (0009_asset_search_upkeep), both tokenizing the same way. The small tables
match substrings. The score is the same expression on both databases: an exact title or key first,
then a title that starts with the query, then the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
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

# How many matches of a kind the header and the results page count before they say "10,000+"
# (as the asset list does): counting every one of a million matches can't be fast.
COUNT_CAP = 10_000


@dataclass
class SearchPage:
    items: list[dict]
    has_next_page: bool
    end_cursor: str | None
    total_count: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # the kinds whose count stopped at the cap ("10,000+")
    capped: frozenset[str] = frozenset()


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
        # The matching rows are found first, from the GIN index of search_vector alone (an
        # InitPlan), and the permission filter then reads those rows only, straight by their
        # ctid (the same snapshot, so the same row versions). Written as a plain condition, the
        # planner guesses that a prefix query matches 2 % of the table (it can't know "4711:*" is
        # rare) and intersects the index with the 500,000 rows of the reader's organization.
        return RawSQL(
            '"assets_asset"."ctid" = ANY(ARRAY(SELECT s.ctid FROM assets_asset s'
            " WHERE s.search_vector @@ to_tsquery('simple', %s)))",
            [query], output_field=BooleanField())
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


def _visible(user, kind: str):
    """The rows of a kind the user may view (each kind's own permission rule)."""
    if kind == "asset":
        return Asset.objects.visible_to(user)
    if kind == "device":
        from .devices import visible_devices

        return visible_devices(user)
    if kind == "group":
        from groups.permissions import visible_groups

        return visible_groups(user)
    if kind == "asset_type":
        return AssetType.objects.visible_to(user)
    from links.services import visible_link_types

    return visible_link_types(user)[0]


def _small_model(kind: str):
    if kind == "device":
        from ..models import Device

        return Device
    if kind == "group":
        from groups.models import AssetGroup

        return AssetGroup
    if kind == "asset_type":
        return AssetType
    from links.models import LinkType

    return LinkType


# kind: (title, code, subtitle); the small kinds match their title or code as a substring
FIELDS = {"asset": ("title", "key", "key"), "device": ("title", "identifier", "identifier"),
          "group": ("title", "code", "organization__title"), "asset_type": ("title", "code", "code"),
          "link_type": ("name", "code", "code")}


def _text_match(kind: str, text: str) -> Q:
    title, code, _ = FIELDS[kind]
    return Q(**{f"{title}__icontains": text}) | Q(**{f"{code}__icontains": text})


def _small_kinds_with_text(kinds: list[str], text: str) -> set[str]:
    """Which of the small tables hold the text at all, whoever may view it, in one cheap query.
    Only kinds found here get their permission filter composed: composing one is most of a
    search's Python time, and a search usually matches no device, group or type. The answer is
    used for nothing else, so nothing about rows the user may not view reaches them."""
    pieces, params = [], []
    for kind in kinds:
        compiled = _compiled(_small_model(kind).objects.filter(_text_match(kind, text)).order_by().values("pk")[:1])
        if compiled:
            pieces.append(f"SELECT {KINDS.index(kind)} AS r FROM ({compiled[0]}) e{len(pieces)}")
            params += compiled[1]
    if not pieces:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(pieces), params)
        return {KINDS[rank] for (rank,) in cursor.fetchall()}


def _parts(user, words: list[str], text: str, kinds=KINDS) -> dict:
    """Each kind's matches the user may view, shaped alike for the UNION; a kind that can't
    match is left out."""
    small = [kind for kind in kinds if kind != "asset"]
    present = _small_kinds_with_text(small, text) if small else set()
    zero = Value(0, output_field=IntegerField())
    parts = {}
    for name in kinds:
        if name != "asset" and name not in present:
            continue
        title, code, subtitle = FIELDS[name]
        queryset = _visible(user, name).filter(_asset_match(words) if name == "asset" else _text_match(name, text))
        tree = ({"_tree": F("tree_id"), "_lft": F("lft"), "_rght": F("rght")} if name == "group"
                else {"_tree": zero, "_lft": zero, "_rght": zero})
        parts[name] = queryset.annotate(
            _rank=Value(KINDS.index(name), output_field=IntegerField()), _id=F("pk"), _t=F(title), _sub=F(subtitle),
            _score=_score(text, title, code), **tree)
    return parts


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


def _compiled(queryset) -> tuple[str, list] | None:
    """The SQL of a queryset, or None for one that can match nothing (a kind the user may view
    nothing of)."""
    try:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _counts(parts: dict, kinds: list[str], cap: int | None) -> tuple[dict[str, int], frozenset[str]]:
    """How many hits of each kind, in one statement; with a cap, each kind reads at most cap + 1
    of its matches and a kind past the cap counts as the cap."""
    pieces, params = [], []
    for name in kinds:
        if name not in parts:
            continue
        queryset = parts[name].order_by().values("pk")
        compiled = _compiled(queryset[: cap + 1] if cap else queryset)
        if compiled:
            pieces.append(f"SELECT {KINDS.index(name)} AS r, COUNT(*) AS n FROM ({compiled[0]}) c{len(pieces)}")
            params += compiled[1]
    found = {}
    if pieces:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(pieces), params)
            found = dict(cursor.fetchall())
    capped = frozenset(name for name in kinds if cap and found.get(KINDS.index(name), 0) > cap)
    return {name: cap if name in capped else found.get(KINDS.index(name), 0) for name in kinds}, capped


def search(user, q, *, kind=None, limit=None, cursor=None, with_count: bool = False,
           count_cap: int | None = None) -> SearchPage:
    words, text = _clean(user, q, kind)
    limit = clean_limit(limit)
    after = None
    if cursor:
        after = decode_cursor(cursor, 4)
        if not (isinstance(after[0], int) and 0 <= after[0] < len(KINDS) and isinstance(after[1], int)
                and isinstance(after[2], str) and isinstance(after[3], int)):
            raise ValidationFailed.field("cursor", "is not a valid cursor")
    kinds = [kind] if kind else list(KINDS)
    parts = _parts(user, words, text, kinds)
    selected = []
    for name, queryset in parts.items():
        rank = KINDS.index(name)
        if after is not None:
            if rank < after[0]:
                continue
            if rank == after[0]:
                queryset = queryset.filter(
                    Q(_score__gt=after[1]) | Q(_score=after[1], _t__gt=after[2])
                    | Q(_score=after[1], _t=after[2], pk__gt=after[3]))
        selected.append(queryset)
    counts, capped = {}, frozenset()
    if with_count:
        counts, capped = _counts(parts, kinds, count_cap)
    total = sum(counts.values()) if with_count else None
    if not selected:
        return SearchPage([], False, None, total, counts, capped)
    rows = list(_union(selected).order_by("_rank", "_score", "_t", "_id")[: limit + 1])
    has_next = len(rows) > limit
    rows = rows[:limit]
    end = encode_cursor([rows[-1][0], rows[-1][1], rows[-1][2], rows[-1][3]]) if rows else None
    return SearchPage(_items(user, rows), has_next, end, total, counts, capped)


def preview(user, q, *, per_kind: int = 5, count_cap: int | None = None) -> SearchPage:
    """The header's dropdown: the best few hits of each kind (one query, each kind its own ranked
    top few) and how many there are of each, up to the cap (one more)."""
    words, text = _clean(user, q, None)
    parts = _parts(user, words, text)
    pieces, params = [], []
    for queryset in parts.values():
        compiled = _compiled(queryset.order_by("_score", "_t", "_id").values_list(*COLUMNS)[:per_kind])
        if compiled:
            # each top few in its own subquery: SQLite allows no LIMIT in a UNION's arms
            pieces.append(f"SELECT * FROM ({compiled[0]}) p{len(pieces)}")
            params += compiled[1]
    rows = []
    if pieces:
        with connection.cursor() as cursor:
            cursor.execute(f"{' UNION ALL '.join(pieces)} ORDER BY 1, 2, 3, 4", params)
            rows = [tuple(row) for row in cursor.fetchall()]
    counts, capped = _counts(parts, list(KINDS), count_cap)
    return SearchPage(_items(user, rows), False, None, sum(counts.values()), counts, capped)
