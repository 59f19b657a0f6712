"""The header's search: a dropdown of the best hits of each kind (htmx, assets.services.search
.preview) and the full, keyset-paged results page that "show all" opens."""

from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import render

from assets.core.errors import ValidationFailed

from ..services import search as search_service
from .common import page_or_error, render_list_page, staff_page

PAGE_SIZE = 50
LABELS = {"asset": "Assets", "device": "Devices", "group": "Groups", "asset_type": "Asset types",
          "link_type": "Link types"}


def _shown(count: int, capped: bool) -> str:
    """A count as the page shows it: past the cap, "10,000+" (the search counts no further)."""
    return f"{count:,}+" if capped else f"{count:,}"


def _groups(page) -> list[dict]:
    return [
        {"kind": kind, "label": LABELS[kind], "count": page.counts.get(kind, 0),
         "shown": _shown(page.counts[kind], kind in page.capped), "capped": kind in page.capped,
         "items": [item for item in page.items if item["kind"] == kind]}
        for kind in search_service.KINDS if page.counts.get(kind)
    ]


def _total(page) -> str:
    """"3 results", "1 result", "10,000+ results"."""
    total = page.total_count if page else 0
    return f"{_shown(total, bool(page and page.capped))} result{'' if total == 1 and not page.capped else 's'}"


@staff_page
def search_preview(request):
    q = (request.GET.get("q") or "").strip()
    try:
        page = search_service.preview(request.user, q, count_cap=search_service.COUNT_CAP) if q else None
    except ValidationFailed:
        page = None
    groups = _groups(page) if page else []
    return render(request, "assets/partials/search_preview.html",
                  {"q": q, "groups": groups, "total": page.total_count if page else 0, "total_text": _total(page),
                   "searched": bool(q)})


@staff_page
def search_page(request):
    q = (request.GET.get("q") or "").strip()
    kind = request.GET.get("kind") or None
    if kind not in search_service.KINDS:
        kind = None
    params = QueryDict(mutable=True)
    params["q"] = q
    if kind:
        params["kind"] = kind
    page, error = None, None
    if q:
        page, error = page_or_error(lambda: search_service.search(
            request.user, q, kind=kind, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None, with_count=True,
            count_cap=search_service.COUNT_CAP))
    counts = page.counts if page else {}
    rows = [{**item, "label": LABELS[item["kind"]]} for item in page.items] if page else []
    context = {"section": "search", "q": q, "kind": kind, "kind_label": LABELS.get(kind, ""), "rows": rows,
               "kinds": [(name, label, _shown(counts.get(name, 0), name in page.capped) if page else "0")
                         for name, label in LABELS.items()],
               "total": page.total_count if page else 0, "total_text": _total(page)}
    return render_list_page(request, "assets/search.html", "assets/partials/search_rows.html", context,
                            page=page, error=error, params=params)
