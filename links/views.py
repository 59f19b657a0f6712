"""Pages of the links app: the links panel of an asset (parents / children / related / other with
"N hidden", add with an asset picker, edit alias and tags inline, remove) and the parent/child
hierarchy browser with lazily expanded rows. Every write goes through links.services.

Each view answers htmx requests with its partial and plain requests with a full page, so the
pages work without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assets.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from assets.core.inputs import id_from_text, is_id
from assets.models import Asset
from assets.services.assets import get_asset, visible_assets
from assets.views.common import staff_page

from . import queries, services
from .forms import INCOMING, AddLinkForm, EditLinkForm, add_domain_error
from .models import Link

PICKER_LIMIT = 20
SECTIONS = (
    ("parents", "Parents"),
    ("children", "Children"),
    ("related", "Related"),
    ("other", "Other links"),
)


def _asset(user, asset_id: int) -> Asset:
    if not is_id(asset_id):
        raise NotFound(f"asset {asset_id} does not exist")
    return get_asset(user, asset_id, queryset=Asset.objects.select_related("organization", "type"))


def _changeable(user, asset_ids) -> set[int]:
    """Which of these assets the user may change, in one query."""
    return set(Asset.objects.visible_to(user, "change").filter(pk__in=set(asset_ids)).values_list("pk", flat=True))


def _panel_context(request, asset: Asset, *, add_form=None, picker=None, query="") -> dict:
    links = queries.direct_links(request.user, asset)
    items = [item for name, _ in SECTIONS for item in getattr(links, name)]
    changeable = _changeable(request.user, {asset.pk} | {item["asset_id"] for item in items})
    can_change = asset.pk in changeable
    extras = {
        pk: (version, allow_alias)
        for pk, version, allow_alias in Link.objects.filter(pk__in=[item["link_id"] for item in items]).values_list(
            "pk", "version", "link_type__allow_alias"
        )
    }
    rows = []
    for item in items:
        version, allow_alias = extras.get(item["link_id"], (1, False))
        rows.append({**item, "version": version, "allow_alias": allow_alias,
                     "editable": can_change and item["asset_id"] in changeable})
    by_link = {row["link_id"]: row for row in rows}
    sections = [
        {
            "name": name, "title": title,
            "items": [by_link[item["link_id"]] for item in getattr(links, name)],
            "hidden": links.unauthorized_counts[name],
        }
        for name, title in SECTIONS
    ]
    if can_change and add_form is None:
        add_form = AddLinkForm(link_types=services.available_link_types(asset.organization))
    return {
        "asset": asset,
        "sections": sections,
        "can_change": can_change,
        "add_form": add_form if can_change else None,
        "picker": picker,
        "query": query,
        "total": sum(len(section["items"]) for section in sections),
        "hidden_total": sum(section["hidden"] for section in sections),
    }


def _render_panel(request, asset: Asset, *, status: int = 200, **kwargs):
    context = _panel_context(request, asset, **kwargs)
    template = "links/partials/links_panel.html" if request.htmx else "links/asset_links.html"
    return render(request, template, context, status=status)


def _picker_assets(user, asset_id: int | None, query: str) -> list[Asset]:
    query = query.strip()
    if not query:
        return []
    candidates = visible_assets(user).select_related("organization", "type")
    if asset_id is not None:
        candidates = candidates.exclude(pk=asset_id)
    matches = candidates.filter(Q(title__icontains=query) | Q(key__icontains=query)).order_by("title", "id")
    return list(matches[:PICKER_LIMIT])


def _back_to_panel(request, asset: Asset):
    if request.htmx:
        return None
    return redirect(reverse("links:panel", args=[asset.pk]))


@require_GET
@staff_page
def panel(request, asset_id: int):
    """The links panel. `?q=` searches the picker without JavaScript."""
    asset = _asset(request.user, asset_id)
    query = request.GET.get("q", "")[:200]
    picker = _picker_assets(request.user, asset.pk, query) if query else None
    return _render_panel(request, asset, picker=picker, query=query)


@require_POST
@staff_page
def add_link(request, asset_id: int):
    asset = _asset(request.user, asset_id)
    form = AddLinkForm(request.POST, link_types=services.available_link_types(asset.organization))
    if form.is_valid():
        link_type, direction = form.cleaned_data["role"]
        target_id = form.cleaned_data["target_id"]
        source_id, target_id = (target_id, asset.pk) if direction == INCOMING else (asset.pk, target_id)
        try:
            services.create_link(
                request.user, link_type=link_type.pk, source_id=source_id, target_id=target_id,
                alias=form.cleaned_data["alias"] or None, tags=form.cleaned_data["tags"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"source_id": "target_id"})
        else:
            if not request.htmx:
                messages.success(request, "Link added.")
            return _back_to_panel(request, asset) or _render_panel(request, asset)
    status = 200 if request.htmx else 400
    return _render_panel(request, asset, add_form=form, status=status)


def _link_write(request, link_id: int, write):
    """Runs an edit or removal of a link from the panel of the asset in `asset_id` and answers
    with that panel, the service's error shown on it."""
    asset = _asset(request.user, id_from_text(request.POST.get("asset_id")) or 0)
    try:
        write()
    except Conflict:
        messages.error(request, "Someone else changed this link meanwhile; here is its current state.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return _back_to_panel(request, asset) or _render_panel(request, asset)


@require_POST
@staff_page
def edit_link(request, link_id: int):
    form = EditLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        asset = _asset(request.user, id_from_text(request.POST.get("asset_id")) or 0)
        return _back_to_panel(request, asset) or _render_panel(request, asset)
    changes = {"version": form.cleaned_data["version"]}
    if request.POST.get("tags", "") != request.POST.get("tags_shown", ""):
        changes["tags"] = form.cleaned_data["tags"]
    if "alias" in request.POST:
        changes["alias"] = form.cleaned_data["alias"]
    return _link_write(request, link_id, lambda: services.update_link(request.user, link_id, **changes))


@require_POST
@staff_page
def delete_link(request, link_id: int):
    version = id_from_text(request.POST.get("version"))
    return _link_write(request, link_id, lambda: services.delete_link(request.user, link_id, version=version))


@require_GET
@staff_page
def picker(request):
    """Type-ahead search of visible assets for the add-link form: radio options named target_id."""
    asset_id = id_from_text(request.GET.get("asset_id"))
    query = request.GET.get("q", "")[:200]
    picker = _picker_assets(request.user, asset_id, query) if query.strip() else None
    context = {"picker": picker, "query": query}
    return render(request, "links/partials/picker_results.html", context)


@require_GET
@staff_page
def hierarchy(request, asset_id: int):
    """An asset's parents and its parent/child tree, one level at a time."""
    asset = _asset(request.user, asset_id)
    links = queries.direct_links(request.user, asset, with_children=False)
    try:
        page, hidden = queries.child_page(request.user, asset, cursor=None)
    except ValidationFailed as exc:
        return HttpResponseBadRequest(exc.detail)
    return render(request, "links/hierarchy.html", {
        "asset": asset,
        "parents": links.parents,
        "hidden_parents": links.unauthorized_counts["parents"],
        "rows": page.items,
        "page": page,
        "hidden": hidden,
        "level": 1,
        "shown": len(page.items),
        "more": (page.total_count or 0) - len(page.items),
    })


@require_GET
@staff_page
def hierarchy_children(request, asset_id: int):
    """Rows of one level below an asset, inserted after its row (hx-swap afterend); the
    "… and N more" row fetches the next page in place of itself."""
    asset = _asset(request.user, asset_id)
    level = id_from_text(request.GET.get("level")) or 1
    if level > queries.MAX_TREE_DEPTH * 4:
        return HttpResponseBadRequest("level is too deep")
    shown_before = id_from_text(request.GET.get("shown")) or 0
    cursor = request.GET.get("cursor") or None
    try:
        page, hidden = queries.child_page(request.user, asset, cursor=cursor)
    except ValidationFailed as exc:
        return HttpResponseBadRequest(exc.detail)
    shown = shown_before + len(page.items)
    context = {
        "asset": asset, "rows": page.items, "page": page, "hidden": hidden if cursor is None else 0,
        "level": level, "shown": shown, "more": max((page.total_count or 0) - shown, 0),
    }
    if request.htmx:
        return render(request, "links/partials/hierarchy_rows.html", context)
    return redirect(reverse("links:hierarchy", args=[asset.pk]))
