"""Devices and the asset each is linked to."""

from __future__ import annotations

from ninja import Router, Status

from assets import serializers
from assets.core.api import ERRORS, id_filter, only_params, page_body, split_version
from assets.core.pagination import SortKey, paginate
from assets.schemas import DeviceCreate, DeviceOut, DevicePage, DevicePatch
from assets.services import devices

devices_router = Router(tags=["devices"])


def _devices_queryset(user):
    return devices.with_linked_assets(devices.visible_devices(user), user)


@devices_router.get("", response={200: DevicePage, **ERRORS}, exclude_unset=True)
def list_devices(
    request, organization_id: int | None = None, identifier: str | None = None, linked: bool | None = None,
    limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    """`asset` is the asset the device is linked to when the caller may see it; `linked` tells
    whether it is linked at all."""
    only_params(request, "organization_id", "identifier", "linked")
    queryset = _devices_queryset(request.auth)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=id_filter(organization_id, "organization_id"))
    if identifier:
        queryset = queryset.filter(identifier=identifier)
    if linked is not None:
        queryset = queryset.filter(is_linked=linked)
    page = paginate(queryset, [SortKey("title")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.device_data)


@devices_router.post("", response={201: DeviceOut, **ERRORS})
def create_device(request, payload: DeviceCreate):
    device = devices.create_device(request.auth, **payload.model_dump())
    return Status(201, serializers.device_data(_devices_queryset(request.auth).get(pk=device.pk)))


@devices_router.get("/{device_id}", response={200: DeviceOut, **ERRORS})
def get_device(request, device_id: int):
    devices.get_device(request.auth, device_id)
    return serializers.device_data(_devices_queryset(request.auth).get(pk=device_id))


@devices_router.patch("/{device_id}", response={200: DeviceOut, **ERRORS})
def update_device(request, device_id: int, payload: DevicePatch):
    changes_, version = split_version(payload)
    devices.update_device(request.auth, device_id, version=version, **changes_)
    return serializers.device_data(_devices_queryset(request.auth).get(pk=device_id))


@devices_router.delete("/{device_id}", response={204: None, **ERRORS})
def delete_device(request, device_id: int, version: int | None = None):
    devices.delete_device(request.auth, device_id, version=version)
    return Status(204, None)
