"""Bulk actions of the asset list: the user ticks rows (each carries the version the list
showed) or takes every asset matching the list's filter, picks an action, sees on a confirmation
page how many assets it touches and how many they may not change (counts only), then applies it
in one transaction through assets.services.bulk. The list page itself gains no query: the
"all N matching" count loads on its own request."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from assets.core.changelog import request_id_var
from assets.core.errors import DomainError, ValidationFailed
from assets.core.inputs import id_from_text
from groups.permissions import visible_groups
from links.services import visible_link_types

from .. import queries
from ..field_types import kind_of
from ..models import CustomFieldDefinition
from ..services import bulk
from ..services.assets import visible_assets
from .common import staff_page


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    verb: str  # the permission the action needs on each asset
    needs: str = ""  # field | group | link


ACTIONS = {a.code: a for a in (
    Action("set_field", "Set a field", "change", "field"),
    Action("clear_field", "Clear a field", "change", "field"),
    Action("add_group", "Add to a group", "change", "group"),
    Action("remove_group", "Remove from a group", "change", "group"),
    Action("move_group", "Move into a group", "change", "group"),
    Action("add_link", "Add a link to an asset", "change", "link"),
    Action("remove_link", "Remove a link to an asset", "change", "link"),
    Action("delete", "Delete", "delete"),
)}
MAX_CHOICES = 500


def _filters(text: str) -> QueryDict:
    return QueryDict(text[:4000])


def _selection(request) -> tuple[bulk.Selection, str, bool]:
    """(selection, the filter's query string, whether it is "all matching")."""
    data = request.POST
    filters = data.get("filters", "")
    if data.get("all_matching") == "1":
        queryset, _ = queries.filter_assets(visible_assets(request.user), _filters(filters), user=request.user)
        return bulk.Selection(queryset=queryset), filters, True
    versions = {}
    for raw in data.getlist("selected")[:bulk.PAGE_MAX_ITEMS]:
        pk_text, _, version_text = raw.partition(":")
        pk = id_from_text(pk_text)
        if pk is not None:
            versions[pk] = id_from_text(version_text)
    return bulk.Selection(versions=versions), filters, False


def _back(request) -> str:
    back = request.POST.get("back") or request.GET.get("back") or ""
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith("/"):
        return back
    return reverse("asset_list")


def _field_choices(user, selection: bulk.Selection) -> list[CustomFieldDefinition]:
    """The fields of the selected assets' types, one per code (two queries)."""
    assets = selection.queryset if selection.queryset is not None else visible_assets(user).filter(
        pk__in=list(selection.versions))
    type_ids = assets.order_by().values("type_id").distinct()
    seen, choices = set(), []
    for definition in CustomFieldDefinition.objects.filter(asset_type_id__in=type_ids).order_by("order", "title", "id"):
        if definition.code not in seen:
            seen.add(definition.code)
            choices.append(definition)
    return choices


def _choices(request, action: Action, selection: bulk.Selection) -> dict:
    user = request.user
    if action.needs == "field":
        return {"fields": _field_choices(user, selection)}
    if action.needs == "group":
        groups = visible_groups(user).select_related("organization").order_by("organization__title", "tree_id", "lft")
        return {"groups": list(groups[:MAX_CHOICES])}
    if action.needs == "link":
        return {"link_types": list(visible_link_types(user)[0].order_by("name")[:MAX_CHOICES])}
    return {}


def _context(request):
    action = ACTIONS.get(request.POST.get("action", ""))
    selection, filters, all_matching = _selection(request)
    return action, selection, {
        "action": action, "actions": ACTIONS.values(), "filters": filters, "all_matching": all_matching,
        "selected": request.POST.getlist("selected")[:bulk.PAGE_MAX_ITEMS], "back": _back(request),
        "section": "assets",
    }


@staff_page
def bulk_count(request):
    """"Select all N matching this filter", N counted in SQL for the list's filter."""
    filters = request.GET.get("filters", "")
    try:
        queryset, _ = queries.filter_assets(visible_assets(request.user), _filters(filters), user=request.user)
        count = queryset.order_by().count()
    except DomainError:
        count = None
    return render(request, "assets/partials/bulk_count.html", {"count": count})


def _bulk_form(template: str):
    """A bulk step: POST only (a reloaded or bookmarked form action goes back to the list), with
    a known action; the view gets (request, action, selection, context)."""

    def decorate(view):
        @staff_page
        @functools.wraps(view)
        def wrapper(request):
            if request.method != "POST":
                return redirect(_back(request))
            action, selection, context = _context(request)
            if action is None:
                context["problem"] = "Choose an action."
                return render(request, template, context, status=400)
            return view(request, action, selection, context)

        return wrapper

    return decorate


@_bulk_form("assets/bulk_confirm.html")
def bulk_confirm(request, action, selection, context):
    try:
        context["summary"] = bulk.summarize(request.user, selection, action.verb)
    except DomainError as exc:
        context["problem"] = exc.detail
        return render(request, "assets/bulk_confirm.html", context, status=400)
    context.update(_choices(request, action, selection))
    return render(request, "assets/bulk_confirm.html", context)


def _field_item(request, selection_items, clear: bool) -> tuple[list[dict], str]:
    code = (request.POST.get("field") or "").strip()
    definition = CustomFieldDefinition.objects.filter(code=code).only("field_type").first() if code else None
    if definition is None:
        raise ValidationFailed.field("field", "choose a field")
    if clear:
        patch = {"unset": [code]}
    else:
        raw = request.POST.get("value", "")
        try:
            value = kind_of(definition.field_type).parse_cell(raw)
        except ValueError as exc:
            raise ValidationFailed.field("value", str(exc))
        patch = {"set": {code: value}}
    return [{**item, "custom_fields": patch} for item in selection_items], code


def _run(request, action: Action, items: list[dict]) -> str:
    """Applies the action; returns what was done, for the result page."""
    user = request.user
    if action.needs == "field":
        items, code = _field_item(request, items, clear=action.code == "clear_field")
        bulk.update_assets(user, items, limit=bulk.PAGE_MAX_ITEMS, results=False)
        return f"{'Cleared' if action.code == 'clear_field' else 'Set'} {code} on {len(items)} asset{'s' * (len(items) != 1)}"
    if action.needs == "group":
        group_id = id_from_text(request.POST.get("group"))
        if group_id is None:
            raise ValidationFailed.field("group", "choose a group")
        mode = action.code.removesuffix("_group")
        count = bulk.file_assets(user, items, group_id, mode)
        done = {"add": "Added", "remove": "Removed", "move": "Moved"}[mode]
        return f"{done} {count} asset{'s' * (count != 1)} {'from' if mode == 'remove' else 'into'} the group"
    if action.needs == "link":
        link_type_id = id_from_text(request.POST.get("link_type"))
        target_key = (request.POST.get("target") or "").strip()
        targets = list(visible_assets(user).filter(key=target_key).values_list("pk", flat=True)[:2]) if target_key else []
        if link_type_id is None:
            raise ValidationFailed.field("link_type", "choose a link type")
        if len(targets) != 1:
            raise ValidationFailed.field("target", "no single asset you can see has this key" if target_key
                                              else "give the target asset's key")
        count = bulk.link_assets(user, items, link_type_id, targets[0], remove=action.code == "remove_link")
        return f"{'Removed' if action.code == 'remove_link' else 'Added'} {count} link{'s' * (count != 1)}"
    bulk.delete_assets(user, items, limit=bulk.PAGE_MAX_ITEMS)
    return f"Deleted {len(items)} asset{'s' * (len(items) != 1)}"


def _explain(user, items: list[dict], errors: list[dict]) -> dict:
    """A failure as counts of what must not be named (gone or hidden, not permitted) and a list
    of the other problems by asset title (assets the user may change)."""
    gone, refused, listed = set(), set(), []
    ids = {index: item["id"] for index, item in enumerate(items)}
    titles = dict(visible_assets(user).filter(pk__in=[ids[e["index"]] for e in errors if e["index"] in ids])
                  .values_list("pk", "title"))
    for error in errors:
        asset_id = ids.get(error["index"])
        if error["message"] == "not found" or asset_id not in titles:
            gone.add(error["index"])
        elif error["message"].startswith("you may view this asset but not"):
            refused.add(error["index"])
        else:
            listed.append({"title": titles[asset_id], "id": asset_id, **error})
    return {"gone": len(gone), "refused": len(refused), "listed": listed}


@_bulk_form("assets/bulk_result.html")
def bulk_apply(request, action, selection, context):
    items = selection.items()
    try:
        if not items:
            raise ValidationFailed.field("selected", "select at least one asset")
        if len(items) > bulk.PAGE_MAX_ITEMS:
            raise ValidationFailed.field("selected", f"at most {bulk.PAGE_MAX_ITEMS} assets at once")
        context["done"] = _run(request, action, items)
        context["request_id"] = request_id_var.get()
        return render(request, "assets/bulk_result.html", context)
    except bulk.BulkFailed as exc:
        context.update(_explain(request.user, items, exc.errors))
        context["failed"] = True
        return render(request, "assets/bulk_result.html", context, status=exc.status)
    except DomainError as exc:
        context["problem"] = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors) if exc.errors else exc.detail
        return render(request, "assets/bulk_result.html", context, status=exc.status if exc.status < 500 else 400)
