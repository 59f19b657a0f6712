"""Saved views of the asset list (GET /assets?view=<id> applies one) and the custom-field
columns each user shows per type."""

from __future__ import annotations

from ninja import Router, Status

from assets.core.api import ERRORS
from assets.schemas import ColumnChoiceIn, SavedViewIn, SavedViewOut
from assets.services import saved_views

views_router = Router(tags=["saved views"])


def _out(view, user) -> dict:
    return {"id": view.pk, "name": view.name, "query": view.query, "columns": view.columns,
            "organization_id": view.organization_id, "mine": view.owner_id == user.pk}


@views_router.get("", response={200: list[SavedViewOut], **ERRORS})
def list_views(request):
    """Your views and those shared with an organization you can see."""
    return [_out(view, request.auth) for view in saved_views.visible_views(request.auth)]


@views_router.post("", response={201: SavedViewOut, **ERRORS})
def create_view(request, payload: SavedViewIn):
    """`query` holds GET /assets parameters ({name: value or [values]}); `organization_id` shares
    the view with everyone who can see that organization."""
    view = saved_views.save_view(request.auth, name=payload.name, query=payload.query, columns=payload.columns,
                                 organization_id=payload.organization_id)
    return Status(201, _out(view, request.auth))


@views_router.get("/{view_id}", response={200: SavedViewOut, **ERRORS})
def get_view(request, view_id: int):
    return _out(saved_views.get_view(request.auth, view_id), request.auth)


@views_router.delete("/{view_id}", response={204: None, **ERRORS})
def delete_view(request, view_id: int):
    saved_views.delete_view(request.auth, view_id)
    return Status(204, None)


@views_router.post("/columns/{type_id}", response={200: ColumnChoiceIn, **ERRORS})
def choose_columns(request, type_id: int, payload: ColumnChoiceIn):
    """The custom fields of the type you show as asset-list columns, in the type's order."""
    return {"columns": saved_views.choose_columns(request.auth, type_id, payload.columns)}
