"""The change log."""

from __future__ import annotations

from ninja import Router

from assets import serializers
from assets.core.api import ERRORS, id_filter, only_params, page_body
from assets.core.pagination import SortKey, paginate
from assets.schemas import ChangePage
from assets.services import changes

changes_router = Router(tags=["changes"])


@changes_router.get("", response={200: ChangePage, **ERRORS}, exclude_unset=True)
def list_changes(
    request, object_type: str | None = None, object_id: int | None = None, user: str | None = None,
    organization_id: int | None = None, limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    """Newest first; only entries about objects the caller may see."""
    only_params(request, "object_type", "object_id", "user", "organization_id")
    queryset = changes.filter_changes(
        changes.visible_changes(request.auth), object_type=object_type, object_id=id_filter(object_id, "object_id"),
        user=user, organization_id=id_filter(organization_id, "organization_id"),
    )
    page = paginate(queryset, [SortKey("time", descending=True)], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.change_data)
