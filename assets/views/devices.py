"""Devices: which are linked, to which asset (when the user may see that asset), a page per
device with its history, and adding, editing or removing devices for organization managers."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import redirect, render

from assets.access.permissions import can_manage_org
from assets.core.errors import Conflict, Duplicate, ValidationFailed
from assets.core.pagination import SortKey, paginate

from ..forms import DeviceEditForm, DeviceForm
from ..models import AssetDeviceLink
from ..services import devices
from ..services.assets import visible_assets
from ..services.changes import visible_changes
from .changes import entry_rows
from .common import (
    delete_or_explain,
    list_params,
    organization_list,
    page_or_error,
    page_organization,
    post_only,
    render_list_page,
    staff_page,
)

PAGE_SIZE = 50
LINK_STATES = {"": "Any", "linked": "Linked", "free": "Not linked"}


def _manageable(request):
    return [(str(o.pk), o.title) for o in organization_list(request) if can_manage_org(request.user, o.pk)]


@staff_page
def device_list(request):
    return _device_page(request)


def _device_page(request, form=None, status=200):
    organization, explicit = page_organization(request)
    link_state = request.GET.get("linked") or ""
    if link_state not in LINK_STATES:
        link_state = ""
    search = (request.GET.get("q") or "").strip()[:128]
    queryset = devices.visible_devices(request.user).select_related("organization").prefetch_related(
        Prefetch("asset_links", queryset=AssetDeviceLink.objects.select_related("asset"))
    )
    if organization is not None:
        queryset = queryset.filter(organization_id=organization.pk)
    if link_state:
        linked = Exists(AssetDeviceLink.objects.filter(device_id=OuterRef("pk")))
        queryset = queryset.filter(linked if link_state == "linked" else ~linked)
    if search:
        queryset = queryset.filter(Q(title__icontains=search) | Q(identifier__icontains=search))
    cursor = request.GET.get("cursor") or None
    page, error = page_or_error(lambda: paginate(queryset, [SortKey("title")], limit=PAGE_SIZE, cursor=cursor))
    rows = []
    if page is not None:
        links = {d.pk: next(iter(d.asset_links.all()), None) for d in page.items}
        # A device may be linked to an asset the user can't open: say so without naming it.
        asset_ids = {link.asset_id for link in links.values() if link is not None}
        visible_ids = set(visible_assets(request.user).filter(pk__in=asset_ids).values_list("pk", flat=True)) if asset_ids else set()
        managed = {o.pk for o in organization_list(request) if can_manage_org(request.user, o.pk)}
        for device in page.items:
            link = links[device.pk]
            rows.append({
                "device": device,
                "link": link,
                "asset_visible": link is not None and link.asset_id in visible_ids,
                "can_delete": device.organization_id in managed and link is None,
            })
    params = list_params(organization, explicit, linked=link_state, q=search)
    manageable = _manageable(request)
    if form is None and manageable:
        initial = {"organization": str(organization.pk)} if organization is not None else {}
        form = DeviceForm(organization_choices=manageable, initial=initial)
    context = {
        "section": "devices", "rows": rows, "organization": organization,
        "organizations": organization_list(request), "link_state": link_state, "link_states": LINK_STATES,
        "search": search, "params": params, "form": form,
        "is_filtered": bool(link_state or search),
    }
    return render_list_page(request, "assets/device_list.html", "assets/partials/device_rows.html", context,
                            page=page, error=error, params=params, status=status)


@staff_page
@post_only("device_list")
def device_create(request):
    form = DeviceForm(request.POST, organization_choices=_manageable(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            device = devices.create_device(
                request.user, organization_id=int(data["organization"]), title=data.get("title") or "",
                identifier=data.get("identifier") or "",
            )
        except (ValidationFailed, Duplicate) as exc:
            form.map_errors(exc)
        else:
            messages.success(request, f"Added device {device.title}.")
            return redirect("device_list")
    return _device_page(request, form=form, status=400)


HISTORY_SHOWN = 10


def _device_context(request, device, form=None) -> dict:
    """The device, the asset it is linked to (named only when the user may open it) and its
    latest changes."""
    link = AssetDeviceLink.objects.select_related("asset").filter(device_id=device.pk).first()
    asset_visible = link is not None and visible_assets(request.user).filter(pk=link.asset_id).exists()
    entries = list(visible_changes(request.user).filter(object_type="device", object_id=device.pk)
                   .order_by("-time", "-pk")[: HISTORY_SHOWN + 1])
    can_manage = can_manage_org(request.user, device.organization_id)
    if form is None and can_manage:
        form = DeviceEditForm(initial={"title": device.title, "identifier": device.identifier, "version": device.version},
                              auto_id="device_%s")
    return {
        "section": "devices", "device": device, "link": link, "asset_visible": asset_visible,
        "history": entry_rows(request.user, entries[:HISTORY_SHOWN]), "more_history": len(entries) > HISTORY_SHOWN,
        "can_manage": can_manage, "form": form if can_manage else None,
    }


@staff_page
def device_detail(request, device_id: int):
    device = devices.get_device(request.user, device_id)
    return render(request, "assets/device_detail.html", _device_context(request, device))


@staff_page
@post_only("device_detail", "device_id")
def device_edit(request, device_id: int):
    device = devices.get_device(request.user, device_id)
    form = DeviceEditForm(request.POST, auto_id="device_%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            devices.update_device(request.user, device.pk, version=data.get("version"),
                                  title=data.get("title") or "", identifier=data.get("identifier") or "")
        except Conflict as exc:
            messages.error(request, f"Someone changed this device meanwhile (now version {exc.current_version}); "
                                    "the page shows the current values, make your change again.")
            return redirect("device_detail", device.pk)
        except (ValidationFailed, Duplicate) as exc:
            form.map_errors(exc)
            status = 409 if isinstance(exc, Duplicate) else 400
        else:
            messages.success(request, "Saved the device.")
            return redirect("device_detail", device.pk)
    return render(request, "assets/device_detail.html", _device_context(request, device, form), status=status)


@staff_page
@post_only("device_detail", "device_id")
def device_delete(request, device_id: int):
    device = devices.get_device(request.user, device_id)
    if delete_or_explain(request, device.title, lambda version: devices.delete_device(request.user, device.pk, version=version)):
        messages.success(request, f"Deleted device {device.title}.")
        return redirect("device_list")
    return redirect("device_detail", device.pk)
