"""Shared pieces of the pages: domain errors to HTTP answers, the current organization, htmx
partial-or-page rendering and "next" URLs."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from assets.core.errors import Conflict, Forbidden, InUse, NotFound, Unauthenticated, ValidationFailed
from assets.core.inputs import id_from_text

from ..models import Organization
from ..services.organizations import visible_organizations

SESSION_ORGANIZATION = "current_organization_id"


def staff_page(view):
    """Login required, and the service layer's NotFound/Forbidden become the 404/403 pages, so
    a page never tells a hidden object from a missing one."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.detail)
        except (Forbidden, Unauthenticated) as exc:
            raise PermissionDenied(exc.detail)

    return wrapper


def post_only(page, *arg_names):
    """For a form's action URL: POST runs the view; a browser's GET of it (a reloaded or
    bookmarked action, a link opened in a new tab) is sent to the page the form lives on
    instead of a blank 405. `page` is a URL name taking `arg_names` of the view's arguments, or
    a callable (request, **kwargs) -> URL."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if callable(page):
                return redirect(page(request, **kwargs))
            return redirect(reverse(page, kwargs={name: kwargs[name] for name in arg_names}))

        return wrapper

    return decorate


def organization_list(request) -> list[Organization]:
    """Organizations the user may see, in tree order; read once per request (the switcher in
    the layout and the page share it)."""
    cached = getattr(request, "_visible_organizations", None)
    if cached is None:
        cached = list(visible_organizations(request.user).order_by("tree_id", "lft"))
        request._visible_organizations = cached
    return cached


def organization_by_id(request, organization_id) -> Organization | None:
    for organization in organization_list(request):
        if organization.pk == organization_id:
            return organization
    return None


def current_organization(request) -> Organization | None:
    """The organization picked in the switcher (kept in the session), if still visible."""
    return organization_by_id(request, id_from_text(request.session.get(SESSION_ORGANIZATION)))


def page_organization(request, param: str = "organization_id") -> tuple[Organization | None, bool]:
    """The organization a list page is about: the query parameter when present (empty = all
    organizations), else the switcher's choice. Returns (organization, explicit_in_url)."""
    if param in request.GET:
        return organization_by_id(request, id_from_text(request.GET.get(param))), True
    return current_organization(request), False


def list_params(organization, explicit: bool, **filters) -> QueryDict:
    """The canonical query of a list page: its organization (kept when it came from the URL or
    the switcher; empty = all) and the filters that are set, in the order given."""
    params = QueryDict(mutable=True)
    if explicit or organization is not None:
        params["organization_id"] = str(organization.pk) if organization else ""
    for name, value in filters.items():
        if value:
            params[name] = value
    return params


def delete_or_explain(request, title: str, delete) -> bool:
    """Runs `delete(version)` with the version the form posted; a refusal (still in use, changed
    meanwhile) becomes a message on the page instead of an error page."""
    try:
        delete(id_from_text(request.POST.get("version")))
    except (InUse, Conflict) as exc:
        messages.error(request, f"Couldn't delete {title}: {exc.detail}.")
        return False
    return True


def safe_next(request, candidate: str | None, default: str = "/") -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def render_page_or_partial(request, template: str, partial: str, context: dict, *, status: int = 200):
    """The full page, or only `partial` for an htmx request (history restores get the page)."""
    wants_partial = bool(request.htmx) and not request.htmx.history_restore_request
    context = {**context, "is_partial": wants_partial}
    response = render(request, partial if wants_partial else template, context, status=status)
    # A cached partial must never be shown as a whole page on back/forward.
    patch_vary_headers(response, ("HX-Request",))
    return response



# --- list pages ---------------------------------------------------------------------------------
# Every list page does the same four things: filter and page (a bad filter or cursor is shown on
# the page, not a 500), link the next page with the same filters, answer 400 to a full-page
# request whose filter was refused, and render the page or, for htmx, only its rows.


def page_or_error(build):
    """`build()` filters and pages; a refused filter or cursor comes back as the error to show."""
    try:
        return build(), None
    except ValidationFailed as exc:
        return None, exc


def render_list_page(request, template: str, partial: str, context: dict, *, page, error, params,
                     error_key: str = "error", status: int = 200):
    """`params` are the filters that `next_query` (the next page's link) keeps."""
    context = {**context, "page": page, error_key: error}
    if page is not None and page.has_next_page:
        next_params = params.copy()
        next_params["cursor"] = page.end_cursor
        context["next_query"] = next_params.urlencode()
    if error is not None and not request.htmx:
        status = 400
    return render_page_or_partial(request, template, partial, context, status=status)
