"""Dashboard and the organization switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse

from assets.access.permissions import can_create_assets
from assets.core.inputs import id_from_text

from ..services.assets import visible_assets
from ..services.changes import visible_changes
from .changes import entry_rows
from .common import (
    SESSION_ORGANIZATION,
    current_organization,
    organization_by_id,
    organization_list,
    safe_next,
    staff_page,
)

RECENT_CHANGES = 12


@staff_page
def dashboard(request):
    everything = organization_list(request)
    # The switcher's organization scopes the dashboard like the lists: it and the organizations
    # below it (dealers see their customers).
    current = current_organization(request)
    organizations = [o for o in everything if current is None or (
        o.tree_id == current.tree_id and current.lft <= o.lft <= current.rght)]
    counts: dict[int, list] = {}
    totals: dict[int, int] = {}
    if organizations:
        assets = visible_assets(request.user)
        if current is not None:
            assets = assets.filter(organization_id__in=[o.pk for o in organizations])
        rows = (
            assets
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
    changes = visible_changes(request.user)
    if current is not None:
        changes = changes.filter(organization_id__in=[o.pk for o in organizations])
    recent = list(changes.order_by("-time", "-id")[:RECENT_CHANGES]) if organizations else []
    return render(request, "assets/dashboard.html", {
        "section": "dashboard",
        "cards": cards,
        "asset_total": sum(totals.values()),
        "current": current,
        "can_create": any(can_create_assets(request.user, o.pk) for o in organizations),
        "recent_changes": entry_rows(request.user, recent, with_diff=False),
    })


def switch_organization(request):
    """Remembers the organization picked in the layout's switcher and returns to the page."""
    if request.method != "POST":
        return redirect("dashboard")
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
