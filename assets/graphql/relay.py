"""Relay-style connections over the keyset pages of assets.core.pagination: `nodes`, `edges`
with a cursor per row, `pageInfo` and a `totalCount` that costs a query only when asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import strawberry

from assets.core.errors import ValidationFailed
from assets.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    node: Node
    cursor: str


@strawberry.type
class Connection(Generic[Node]):
    nodes: list[Node]
    edges: list[Edge[Node]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], int]]

    @strawberry.field
    def total_count(self) -> int:
        return self._count()


def connection(page: Page, to_node: Callable, queryset=None, *, counted: Callable | None = None) -> Connection:
    """A connection of one page; `queryset` (unsliced, filtered), or what `counted()` returns
    when it is asked for, answers totalCount."""
    nodes = [to_node(row) for row in page.items]
    edges = [Edge(node=node, cursor=page.cursor_of(row)) for node, row in zip(nodes, page.items, strict=True)]
    if counted is None and queryset is not None:
        counted = lambda: queryset  # noqa: E731

    def count() -> int:
        return counted().order_by().count() if counted is not None else len(nodes)

    return Connection(nodes=nodes, edges=edges, page_info=PageInfo(has_next_page=page.has_next_page,
                      end_cursor=page.end_cursor), _count=count)


def list_connection(nodes: list, cursor_of: Callable, first: int | None = None, after: str | None = None,
                    *, paged: bool = False) -> Connection:
    """A connection over a short list already in hand (an asset's groups, a user's memberships);
    `paged`: `first` and `after` (a cursor of one of its edges) take a page of it."""
    everything = nodes
    if paged:
        cursors = [cursor_of(node) for node in nodes]
        start = 0
        if after is not None:
            if after not in cursors:
                raise ValidationFailed.field("after", "is not a cursor of this list")
            start = cursors.index(after) + 1
        nodes = nodes[start:start + page_size(first)]
        has_next_page = start + len(nodes) < len(everything)
    else:
        has_next_page = False
    edges = [Edge(node=node, cursor=cursor_of(node)) for node in nodes]
    return Connection(nodes=nodes, edges=edges,
                      page_info=PageInfo(has_next_page=has_next_page, end_cursor=edges[-1].cursor if edges else None),
                      _count=lambda: len(everything))


def page_size(first: int | None) -> int:
    """`first` as the page's limit, with the GraphQL argument's name in the error."""
    if first is None:
        return DEFAULT_LIMIT
    if not 1 <= first <= MAX_LIMIT:
        raise ValidationFailed.field("first", f"must be between 1 and {MAX_LIMIT}")
    return first


class Batch:
    """Rows a page refers to (the organizations, types or assets of its nodes), read in one query
    for the whole page the first time any node asks, instead of one query per node."""

    def __init__(self, load: Callable[[set], dict]):
        self._load = load
        self._wanted: set = set()
        self._loaded: set = set()
        self._found: dict = {}

    def want(self, keys: Iterable) -> Batch:
        self._wanted.update(keys)
        return self

    def get(self, key):
        if key not in self._loaded:
            pending = (self._wanted | {key}) - self._loaded
            self._found.update(self._load(pending))
            self._loaded |= pending
        return self._found.get(key)
