"""Asset detail, create, edit and delete pages. Writes go through assets.services.assets; a
stale version comes back as a conflict showing both versions, never a silent overwrite."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse

from assets.access.permissions import allowed_actions, can_create_assets
from assets.core.errors import Conflict, Duplicate, InUse, ValidationFailed
from assets.core.inputs import id_from_text

from ..forms import MAX_REFERENCE_CHOICES, AssetForm
from ..models import Asset, AssetType
from ..serializers import asset_data
from ..services.asset_types import with_definitions
from ..services.assets import create_asset, delete_asset, get_asset, update_asset, visible_assets
from ..services.changes import visible_changes
from ..services.devices import visible_devices
from .changes import entry_rows
from .common import organization_by_id, organization_list, staff_page
from .presenters import asset_field_values, orphan_values, present_value, referenced_asset_ids, referenced_assets

HISTORY_ON_DETAIL = 10


def _existing_path(path: str) -> str | None:
    """`path` when some app serves it: the links app's pages appear once it ships them."""
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


@staff_page
def asset_detail(request, asset_id: int):
    asset = get_asset(request.user, asset_id)
    shape = asset_data(asset)
    definitions = list(asset.type.field_definitions.all())
    assets_by_id = referenced_assets(request.user, referenced_asset_ids([asset], definitions))
    history = list(
        visible_changes(request.user).filter(object_type="asset", object_id=asset.pk).order_by("-time", "-id")[
            :HISTORY_ON_DETAIL + 1
        ]
    )
    links_panel = _existing_path(f"/links/panel/{asset.pk}/")
    return render(request, "assets/asset_detail.html", {
        "section": "assets",
        "asset": asset,
        "shape": shape,
        "values": asset_field_values(asset, definitions, assets_by_id),
        "orphans": orphan_values(asset, definitions),
        "device_links": list(asset.device_links.all()),
        "groups": shape.get("groups") or [],
        "file": shape.get("file"),
        "history": entry_rows(request.user, history[:HISTORY_ON_DETAIL]),
        "more_history": len(history) > HISTORY_ON_DETAIL,
        "allowed": allowed_actions(request.user, asset, ("change", "delete")),
        "links_panel_url": links_panel,
        "hierarchy_url": _existing_path(f"/links/hierarchy/{asset.pk}/"),
    })


# --- create and edit ----------------------------------------------------------------------------
def _device_choices(user, organization_id: int, asset_id: int | None) -> list[tuple[str, str]]:
    """Devices of the organization that are free, or already this asset's."""
    free = Q(asset_links__isnull=True)
    if asset_id is not None:
        free |= Q(asset_links__asset_id=asset_id)
    devices = visible_devices(user).filter(free, organization_id=organization_id).order_by("title", "id").distinct()
    return [(str(d.pk), f"{d.title} ({d.identifier})") for d in devices]


def _asset_choices(user, organization_id: int, asset_id: int | None):
    """Assets an ASSET field may point to, or None when there are too many for a list (the
    form then takes an id)."""
    queryset = visible_assets(user).filter(organization_id=organization_id)
    if asset_id is not None:
        queryset = queryset.exclude(pk=asset_id)
    rows = list(queryset.order_by("title", "id").values_list("pk", "title", "key")[: MAX_REFERENCE_CHOICES + 1])
    if len(rows) > MAX_REFERENCE_CHOICES:
        return None
    return [(str(pk), f"{title} ({key})") for pk, title, key in rows]


def _build_form(request, definitions, organization_id, asset=None, *, data=None, initial=None):
    references = {d.kind.reference for d in definitions}
    asset_id = asset.pk if asset is not None else None
    return AssetForm(
        data,
        initial=initial,
        definitions=definitions,
        device_choices=_device_choices(request.user, organization_id, asset_id) if "device" in references else (),
        asset_choices=_asset_choices(request.user, organization_id, asset_id) if "asset" in references else None,
        creating=asset is None,
    )


def _creatable_types(request):
    """[(organization, [types])] for every organization the user may create assets in; two
    queries whatever the number of organizations (inheritance resolved on the mptt columns)."""
    organizations = [o for o in organization_list(request) if can_create_assets(request.user, o.pk)]
    if not organizations:
        return []
    # Types are inherited from every ancestor, visible to the user or not.
    types = AssetType.objects.order_by("order", "title").available_to_each(organizations)
    return [(o, types[o.pk]) for o in organizations]


@staff_page
def asset_create(request):
    organization = organization_by_id(request, id_from_text(request.GET.get("organization_id")))
    type_id = id_from_text(request.GET.get("type_id"))
    if organization is None or type_id is None:
        choices = _creatable_types(request)
        if not choices:
            return render(request, "assets/asset_new_choose.html", {"section": "assets", "choices": []}, status=403)
        return render(request, "assets/asset_new_choose.html", {"section": "assets", "choices": choices})
    if not can_create_assets(request.user, organization.pk):
        return render(request, "errors/403.html", {
            "reason": f"You may not create assets in {organization.title}."
        }, status=403)
    asset_type = with_definitions(AssetType.objects.available_to(organization)).filter(pk=type_id).first()
    if asset_type is None:
        raise Http404("type not available here")
    definitions = list(asset_type.field_definitions.all())
    form = _build_form(request, definitions, organization.pk, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                asset = create_asset(
                    request.user, organization_id=organization.pk, type_id=asset_type.pk,
                    custom_fields=form.custom_fields_patch(), **form.changes(),
                )
            except (ValidationFailed, Duplicate) as exc:
                form.map_errors(exc)
            else:
                messages.success(request, f"Created {asset.title}.")
                return redirect("asset_detail", asset.pk)
        status = 400
    return render(request, "assets/asset_form.html", {
        "section": "assets", "form": form, "asset_type": asset_type, "organization": organization,
        "creating": True, "action": f"{reverse('asset_create')}?organization_id={organization.pk}&type_id={asset_type.pk}",
        "cancel_url": f"{reverse('asset_list')}?organization_id={organization.pk}&type_id={asset_type.pk}",
    }, status=status)


def _comparison(user, form, current: Asset, definitions) -> list[dict]:
    """Rows of the conflict view: each value as the user submitted it and as stored now, with
    device and asset references named (a few queries, only on this rare path)."""
    rows = []
    for label, mine, theirs in [
        ("Title", form.data.get("title", ""), current.title),
        ("Key", form.data.get("key", ""), current.key),
    ]:
        rows.append({"label": label, "mine": mine, "theirs": theirs, "differs": (mine or "") != (theirs or "")})
    values = getattr(form, "values", {})
    theirs_links = {link.field_code: link for link in current.device_links.all()}
    device_codes = [d.code for d in definitions if d.kind.reference == "device"]
    wanted_devices = {values.get(code) for code in device_codes if isinstance(values.get(code), int)}
    devices = {d.pk: d for d in visible_devices(user).filter(pk__in=wanted_devices)} if wanted_devices else {}
    primary = form.cleaned_data.get("primary_device") if hasattr(form, "cleaned_data") else None
    mine_links = {
        code: SimpleNamespace(device=devices[values[code]], is_primary=(code == primary))
        for code in device_codes if values.get(code) in devices
    }
    assets_by_id = referenced_assets(
        user, referenced_asset_ids([current, SimpleNamespace(custom_fields=values)], definitions)
    )
    for definition in definitions:
        mine_value = values.get(definition.code)
        stored = current.custom_fields.get(definition.code)
        rows.append({
            "label": definition.title,
            "mine_value": present_value(definition, mine_value, device_links=mine_links, assets_by_id=assets_by_id),
            "theirs_value": present_value(definition, stored, device_links=theirs_links, assets_by_id=assets_by_id),
            "differs": mine_value != stored,
        })
    return rows


@staff_page
def asset_edit(request, asset_id: int):
    asset = get_asset(request.user, asset_id, "change")
    definitions = list(asset.type.field_definitions.all())
    current_primary = next((link.field_code for link in asset.device_links.all() if link.is_primary), None)
    if request.method != "POST":
        form = _build_form(request, definitions, asset.organization_id, asset,
                           initial=AssetForm.initial_for(asset, definitions, current_primary))
        return render(request, "assets/asset_form.html", _edit_context(asset, form))
    form = _build_form(request, definitions, asset.organization_id, asset, data=request.POST)
    conflict = None
    if form.is_valid():
        try:
            update_asset(
                request.user, asset.pk, version=form.cleaned_data.get("version"),
                custom_fields=form.custom_fields_patch(asset.custom_fields, current_primary), **form.changes(),
            )
        except Conflict as exc:
            conflict = exc
        except (ValidationFailed, Duplicate) as exc:
            form.map_errors(exc)
        else:
            messages.success(request, f"Saved {form.cleaned_data.get('title') or asset.title}.")
            return redirect("asset_detail", asset.pk)
    context = _edit_context(asset, form)
    if conflict is not None:
        current = get_asset(request.user, asset.pk)
        context["conflict"] = {
            "yours": conflict.extra.get("expected_version"),
            "current": current.version,
            "rows": _comparison(request.user, form, current, definitions),
        }
        # The user's input stays in the form; saving again is a deliberate overwrite of the
        # version they have now seen.
        data = request.POST.copy()
        data["version"] = str(current.version)
        form.data = data
        context["asset"] = current
    return render(request, "assets/asset_form.html", context, status=409 if conflict else 400)


def _edit_context(asset, form) -> dict:
    return {
        "section": "assets", "form": form, "asset": asset, "asset_type": asset.type,
        "organization": asset.organization, "creating": False,
        "action": reverse("asset_edit", args=[asset.pk]), "cancel_url": reverse("asset_detail", args=[asset.pk]),
    }


@staff_page
def asset_delete(request, asset_id: int):
    asset = get_asset(request.user, asset_id, "delete")
    if request.method == "POST":
        try:
            delete_asset(request.user, asset.pk, version=id_from_text(request.POST.get("version")))
        except Conflict:
            messages.error(request, f"{asset.title} changed since you opened it; review it and delete again.")
            return redirect("asset_detail", asset.pk)
        except InUse as exc:
            messages.error(request, f"Couldn't delete {asset.title}: {exc.detail}.")
            return redirect("asset_detail", asset.pk)
        messages.success(request, f"Deleted {asset.title}.")
        return redirect(f"{reverse('asset_list')}?organization_id={asset.organization_id}")
    return render(request, "assets/asset_delete.html", {"section": "assets", "asset": asset})

