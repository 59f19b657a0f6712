"""The asset list's saved-view picker and column chooser (templates/assets/partials/
saved_views.html, shown above the results so every htmx refresh carries the current query).
Opening a view sends the browser to the list with the view's query; a view's columns become the
user's columns of its type."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from assets.core.errors import DomainError
from assets.core.inputs import id_from_text

from ..field_types import kind_of
from ..models import ColumnChoice
from ..services import saved_views
from .common import post_only, staff_page


def panel(request, state) -> dict:
    """The picker's context: the views the user may use, the query to save, the columns."""
    query = state.params.copy()
    query.pop("limit", None)
    choices = None
    if state.asset_type is not None:
        chosen = state.column_codes
        choices = [{"code": d.code, "title": d.title, "checked": chosen is None or d.code in chosen}
                   for d in state.definitions if kind_of(d.field_type).column]
    return {
        "views": list(saved_views.visible_views(request.user).select_related("organization")),
        "query": query.urlencode(),
        "organizations": state.organizations,
        "columns": choices,
        "type_id": state.asset_type.pk if state.asset_type else None,
        "current": id_from_text(request.GET.get("view")),
    }


def column_codes(request, asset_type) -> list[str] | None:
    return saved_views.chosen_columns(request.user, asset_type)


def _list_url(query: dict) -> str:
    flat = [(name, value) for name, values in query.items() for value in values]
    return f"{reverse('asset_list')}?{urlencode(flat)}" if flat else reverse("asset_list")


@staff_page
def open_view(request):
    view = saved_views.get_view(request.user, request.GET.get("view"))
    type_ids = view.query.get("type_id") or []
    if view.columns is not None and len(type_ids) == 1:
        type_id = id_from_text(type_ids[0])
        try:
            saved_views.choose_columns(request.user, type_id, view.columns)
        except DomainError:
            # The type changed since the view was saved: its own columns stay.
            ColumnChoice.objects.filter(user=request.user, asset_type_id=type_id).delete()
    return redirect(f"{_list_url(view.query)}{'&' if view.query else '?'}view={view.pk}")


@staff_page
@post_only("asset_list")
def save_view(request):
    query = QueryDict(request.POST.get("query") or "")
    type_id = id_from_text(query.get("type_id"))
    columns = None
    if type_id is not None:
        columns = ColumnChoice.objects.filter(user=request.user, asset_type_id=type_id).values_list(
            "codes", flat=True).first()
    try:
        view = saved_views.save_view(
            request.user, name=request.POST.get("name") or "", organization_id=id_from_text(request.POST.get("share")),
            query={name: query.getlist(name) for name in query}, columns=columns)
    except DomainError as exc:
        messages.error(request, f"The view was not saved: {_reason(exc)}")
        return redirect(_back(request, query))
    shared = f", shared with {view.organization.title}" if view.organization else ""
    messages.success(request, f"Saved the view “{view.name}”{shared}.")
    return redirect(f"{reverse('asset_list')}?{query.urlencode()}{'&' if query else ''}view={view.pk}")


@staff_page
@post_only("asset_list")
def choose_columns(request):
    query = QueryDict(request.POST.get("query") or "")
    try:
        saved_views.choose_columns(request.user, id_from_text(request.POST.get("type_id")),
                                   request.POST.getlist("columns"))
    except DomainError as exc:
        messages.error(request, f"The columns were not changed: {_reason(exc)}")
    return redirect(_back(request, query))


def _reason(exc: DomainError) -> str:
    errors = getattr(exc, "errors", None) or []
    return "; ".join(e["message"] for e in errors) or exc.detail


def _back(request, query: QueryDict) -> str:
    return f"{reverse('asset_list')}?{query.urlencode()}" if query else reverse("asset_list")
