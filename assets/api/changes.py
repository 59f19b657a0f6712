"""The change log."""

from __future__ import annotations

from ninja import Router, Status

from assets import serializers
from assets.core.api import ERRORS, id_filter, only_params, page_body
from assets.core.pagination import SortKey, paginate
from assets.schemas import ChangePage, RestoredAssetOut
from assets.services import changes, going_back

changes_router = Router(tags=["changes"])


@changes_router.get("", response={200: ChangePage, **ERRORS}, exclude_unset=True)
def list_changes(
    request, object_type: str | None = None, object_id: int | None = None, user: str | None = None,
    organization_id: int | None = None, action: str | None = None, limit: int | None = None,
    cursor: str | None = None, count: bool = False, request_id: str | None = None,
):
    """Newest first; only entries about objects the caller may see. `action=delete&object_type=asset`
    lists the deleted assets that POST /changes/{id}/restore can bring back. `request_id` keeps
    one request's entries (an import's, a bulk write's: the X-Request-ID it answered with)."""
    only_params(request, "object_type", "object_id", "user", "organization_id", "action", "request_id")
    queryset = changes.filter_changes(
        changes.visible_changes(request.auth), object_type=object_type, object_id=id_filter(object_id, "object_id"),
        user=user, organization_id=id_filter(organization_id, "organization_id"), action=action,
        request_id=request_id,
    )
    page = paginate(queryset, [SortKey("time", descending=True)], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.change_data)


@changes_router.post("/{change_id}/restore", response={201: RestoredAssetOut, **ERRORS})
def restore_asset(request, change_id: int):
    """Re-creates the asset a delete entry removed (needs change_org_assets on its organization);
    `restore_report` lists what could not come back. A key taken since is a 409."""
    restored = going_back.restore_asset(request.auth, change_id)
    return Status(201, {**serializers.asset_data(restored.asset), "restore_report": restored.report})
