"""Going-back pages: "Restore this version" on an asset's history and the Deleted page with its
Restore buttons. Both call assets.services.going_back, which holds every rule."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from assets.core.errors import Conflict, Duplicate, ValidationFailed
from assets.core.inputs import id_from_text

from ..services.changes import visible_changes
from ..services.going_back import restore_asset, revert_asset
from .changes import _page, entry_rows
from .common import post_only, render_list_page, staff_page


def _reasons(exc) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors) or exc.detail


@post_only("asset_detail", "asset_id")
@staff_page
def asset_revert(request, asset_id: int, change_id: int):
    history = reverse("object_changes", args=["asset", asset_id])
    try:
        asset = revert_asset(request.user, asset_id, change_id=change_id, version=id_from_text(request.POST.get("version")))
    except Conflict:
        messages.error(request, "The asset changed since you opened its history; review it and restore again.")
        return redirect(history)
    except ValidationFailed as exc:
        messages.error(request, f"Couldn't restore this version: {_reasons(exc)}.")
        return redirect(history)
    messages.success(request, f"Restored {asset.title} to the version of change #{change_id}.")
    return redirect("asset_detail", asset.pk)


@staff_page
def deleted_assets(request):
    queryset = visible_changes(request.user).filter(object_type="asset", action="delete")
    page, error = _page(request, lambda: queryset)
    context = {"section": "assets", "rows": entry_rows(request.user, page.items, with_diff=False) if page else []}
    return render_list_page(request, "assets/deleted_assets.html", "assets/partials/deleted_rows.html", context,
                            page=page, error=error, params=QueryDict(mutable=True))


@post_only("deleted_assets")
@staff_page
def asset_restore(request, change_id: int):
    try:
        restored = restore_asset(request.user, change_id)
    except (Duplicate, ValidationFailed) as exc:
        messages.error(request, f"Couldn't restore the asset: {_reasons(exc) if exc.errors else exc.detail}.")
        return redirect("deleted_assets")
    messages.success(request, f"Restored {restored.asset.title}.")
    for note in restored.report:
        messages.warning(request, f"Not restored: {note['field']}: {note['message']}.")
    return redirect("asset_detail", restored.asset.pk)
