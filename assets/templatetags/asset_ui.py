"""Template helpers for the staff pages: the organization switcher in the layout."""

from __future__ import annotations

from django import template

from ..views.common import current_organization, organization_list

register = template.Library()


def indented(organization) -> str:
    return "\u00a0\u00a0" * organization.level + organization.title


@register.inclusion_tag("partials/org_switcher.html", takes_context=True)
def org_switcher(context, oob=False):
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"show": False}
    organizations = organization_list(request)
    return {
        "show": bool(organizations),
        "choices": [(o.pk, indented(o)) for o in organizations],
        "current": current_organization(request),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "oob": oob,
    }
