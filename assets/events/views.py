"""The event-rules page: the rules of organizations the user manages, their recent deliveries
(status, attempts, response, duration, last error) and redeliver; adding and removing rules."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render

from assets.access.permissions import can_manage_org
from assets.core.errors import DomainError
from assets.core.inputs import id_from_text
from assets.views.common import organization_list, post_only, staff_page

from . import services
from .models import ACTIONS, OBJECT_TYPES, Delivery

RECENT = 20


@staff_page
def rule_list(request):
    recent = Delivery.objects.select_related("change").order_by("-id")[:RECENT]
    rules = list(
        services.manageable_rules(request.user).select_related("organization").order_by("name", "id")
        .prefetch_related(Prefetch("deliveries", queryset=recent, to_attr="recent"))
    )
    organizations = [o for o in organization_list(request) if can_manage_org(request.user, o.pk)]
    return render(request, "events/rule_list.html", {
        "section": "events", "rules": rules, "organizations": organizations,
        "object_types": OBJECT_TYPES, "actions": ACTIONS,
    })


@staff_page
@post_only("event_rules")
def rule_create(request):
    try:
        services.create_rule(
            request.user,
            organization_id=id_from_text(request.POST.get("organization_id")) or 0,
            name=request.POST.get("name", ""),
            object_types=request.POST.getlist("object_types"),
            actions=request.POST.getlist("actions"),
            asset_type_codes=[c.strip() for c in request.POST.get("asset_type_codes", "").split(",") if c.strip()],
            url=request.POST.get("url", "").strip(),
            secret=request.POST.get("secret", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Event rule added.")
    return redirect("event_rules")


@staff_page
@post_only("event_rules")
def rule_delete(request, rule_id: int):
    services.delete_rule(request.user, rule_id)
    messages.success(request, "Event rule removed.")
    return redirect("event_rules")


@staff_page
@post_only("event_rules")
def redeliver(request, rule_id: int, delivery_id: int):
    services.redeliver(request.user, rule_id, delivery_id)
    messages.success(request, "Delivery queued again.")
    return redirect("event_rules")


