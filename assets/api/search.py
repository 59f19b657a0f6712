"""Global search."""

from __future__ import annotations

from ninja import Router

from assets.core.api import ERRORS, only_params
from assets.schemas import SearchPage
from assets.services import search as search_service

search_router = Router(tags=["search"])


@search_router.get("", response={200: SearchPage, **ERRORS}, exclude_unset=True)
def search(request, q: str, kind: str | None = None, limit: int | None = None, cursor: str | None = None,
           count: bool = False):
    """Assets (title, key, custom-field text), devices, groups, asset types and link types the
    caller may view, by kind, then ranked (exact title or key, title prefix, the rest) and by
    title; `kind=` keeps one of them; `count=true` adds how many there are."""
    only_params(request, "q", "kind")
    page = search_service.search(request.auth, q, kind=kind, limit=limit, cursor=cursor, with_count=count)
    body = {"items": page.items, "page_info": {"has_next_page": page.has_next_page, "end_cursor": page.end_cursor}}
    if count:
        body["total_count"] = page.total_count
    return body
