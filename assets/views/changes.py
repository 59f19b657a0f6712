"""Change log pages: everything the user may see, and one object's history, each entry with
its before/after difference per key."""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.urls import reverse

from assets.core.errors import NotFound
from assets.core.pagination import SortKey, paginate
from groups.permissions import visible_groups

from ..models import ChangeLogEntry
from ..services.asset_types import visible_types
from ..services.assets import get_asset, visible_assets
from ..services.changes import filter_changes, visible_changes
from ..services.devices import visible_devices
from .common import list_params, organization_list, page_or_error, page_organization, render_list_page, staff_page
from .history_diff import label_asset_diffs
from .presenters import diff_rows

PAGE_SIZE = 50
OBJECT_TYPE_LABELS = {
    "asset": "Asset", "asset_type": "Asset type", "device": "Device", "organization": "Organization",
    "group": "Group", "link": "Link", "link_type": "Link type",
}
TIME_ORDER = [SortKey("time", descending=True, kind="datetime")]


def _object_urls(user, entries) -> dict[tuple[str, int], str]:
    """Pages of the objects named by `entries` that still exist and the user may open (one
    query per object type present)."""
    ids_by_type: dict[str, set[int]] = {}
    for entry in entries:
        ids_by_type.setdefault(entry.object_type, set()).add(entry.object_id)
    urls: dict[tuple[str, int], str] = {}
    if ids_by_type.get("asset"):
        for pk in visible_assets(user).filter(pk__in=ids_by_type["asset"]).values_list("pk", flat=True):
            urls[("asset", pk)] = reverse("asset_detail", args=[pk])
    if ids_by_type.get("asset_type"):
        types, _ = visible_types(user)
        for pk in types.filter(pk__in=ids_by_type["asset_type"]).values_list("pk", flat=True):
            urls[("asset_type", pk)] = reverse("type_detail", args=[pk])
    if ids_by_type.get("device"):
        for pk in visible_devices(user).filter(pk__in=ids_by_type["device"]).values_list("pk", flat=True):
            urls[("device", pk)] = reverse("device_detail", args=[pk])
    if ids_by_type.get("group"):
        for pk in visible_groups(user).filter(pk__in=ids_by_type["group"]).values_list("pk", flat=True):
            urls[("group", pk)] = f"/groups/{pk}/"
    return urls


def entry_rows(user, entries: list[ChangeLogEntry], *, with_diff: bool = True) -> list[dict]:
    urls = _object_urls(user, entries)
    rows = [
        {
            "entry": entry,
            "type_label": OBJECT_TYPE_LABELS.get(entry.object_type, entry.object_type.replace("_", " ").capitalize()),
            "url": urls.get((entry.object_type, entry.object_id)),
            "history_url": reverse("object_changes", args=[entry.object_type, entry.object_id]),
            "diff": diff_rows(entry.before, entry.after) if with_diff else [],
        }
        for entry in entries
    ]
    if with_diff:
        label_asset_diffs(user, rows)
    return rows


def _page(request, entries):
    """One keyset page of the entries `entries()` selects, newest first. Built inside, so that a
    refused filter (a user id past 64 bits) is shown on the page like a bad cursor."""
    cursor = request.GET.get("cursor") or None
    return page_or_error(lambda: paginate(entries(), TIME_ORDER, limit=PAGE_SIZE, cursor=cursor))


@staff_page
def change_list(request):
    organization, explicit = page_organization(request)
    object_type = request.GET.get("object_type") or ""
    if object_type not in OBJECT_TYPE_LABELS:
        object_type = ""
    user_name = (request.GET.get("user") or "").strip()[:150]
    request_id = (request.GET.get("request_id") or "").strip()[:32]
    page, error = _page(request, lambda: filter_changes(
        visible_changes(request.user), object_type=object_type or None, user=user_name or None,
        organization_id=organization.pk if organization else None, request_id=request_id or None,
    ))
    params = list_params(organization, explicit, object_type=object_type, user=user_name, request_id=request_id)
    context = {
        "section": "changes",
        "organizations": organization_list(request),
        "organization": organization,
        "object_type": object_type,
        "object_types": OBJECT_TYPE_LABELS,
        "user_name": user_name,
        "params": params,
        "rows": entry_rows(request.user, page.items) if page else [],
        "is_filtered": bool(object_type or user_name or request_id),
        "request_id": request_id,
    }
    return render_list_page(request, "assets/change_list.html", "assets/partials/change_rows.html", context,
                            page=page, error=error, params=params)


@staff_page
def object_changes(request, object_type: str, object_id: int):
    """One object's history. An object the user can't see answers 404 like a missing one:
    assets are checked directly, other objects by whether any entry about them is visible."""
    subject = None
    if object_type == "asset":
        try:
            subject = get_asset(request.user, object_id)
        except NotFound as exc:
            # A deleted asset keeps its history, readable by organization-wide holders.
            if not visible_changes(request.user).filter(object_type="asset", object_id=object_id).exists():
                raise Http404("no such asset") from exc
    page, error = _page(request, lambda: visible_changes(request.user).filter(object_type=object_type, object_id=object_id))
    if subject is None and page is not None and not page.items and not request.GET.get("cursor"):
        raise Http404("no visible history")
    rows = entry_rows(request.user, page.items) if page else []
    label = OBJECT_TYPE_LABELS.get(object_type, object_type)
    title = subject.title if subject is not None else (rows[0]["entry"].object_repr if rows else f"#{object_id}")
    context = {
        "section": "assets" if object_type == "asset" else "changes",
        "subject": subject,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": label,
        "object_title": title,
        "object_url": rows[0]["url"] if rows else (reverse("asset_detail", args=[object_id]) if subject else None),
        "rows": rows,
        "params": QueryDict(mutable=True),
    }
    return render_list_page(request, "assets/object_changes.html", "assets/partials/change_rows.html", context,
                            page=page, error=error, params=context["params"])

