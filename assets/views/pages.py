"""Dashboard and the organization switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from assets.core.inputs import id_from_text

from ..services.assets import visible_assets
from ..services.changes import visible_changes
from .changes import entry_rows
from .common import SESSION_ORGANIZATION, organization_by_id, organization_list, safe_next, staff_page

RECENT_CHANGES = 12


@staff_page
def dashboard(request):
    organizations = organization_list(request)
    counts: dict[int, list] = {}
    totals: dict[int, int] = {}
    if organizations:
        rows = (
            visible_assets(request.user)
            .values("organization_id", "type_id", "type__title")
            .annotate(n=Count("pk"))
            .order_by("organization_id", "type__title")
        )
        for row in rows:
            counts.setdefault(row["organization_id"], []).append(row)
            totals[row["organization_id"]] = totals.get(row["organization_id"], 0) + row["n"]
    by_id = {o.pk: o for o in organizations}
    cards = [
        {"organization": o, "parent": by_id.get(o.parent_id), "counts": counts.get(o.pk, []), "total": totals.get(o.pk, 0)}
        for o in organizations
    ]
    recent = list(visible_changes(request.user).order_by("-time", "-id")[:RECENT_CHANGES]) if organizations else []
    return render(request, "assets/dashboard.html", {
        "section": "dashboard",
        "cards": cards,
        "asset_total": sum(totals.values()),
        "recent_changes": entry_rows(request.user, recent, with_diff=False),
    })


def switch_organization(request):
    """Remembers the organization picked in the layout's switcher and returns to the page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next=/")
    organization = organization_by_id(request, id_from_text(request.POST.get("organization_id")))
    if organization is None:
        request.session.pop(SESSION_ORGANIZATION, None)
    else:
        request.session[SESSION_ORGANIZATION] = organization.pk
    target = safe_next(request, request.POST.get("next"), reverse("dashboard"))
    # Filters in the query belonged to the old organization (its types, fields, cursors).
    return redirect(urlsplit(target).path or reverse("dashboard"))
