from __future__ import annotations

from django.db import transaction

from .. import changelog
from ..errors import Forbidden, InUse, NotFound
from ..models import AssetDeviceLink, Device
from ..permissions import can_manage_org
from ..versioning import check_version, delete_versioned, save_versioned
from .common import clean_text, require_user, unique_or_duplicate
from .organizations import get_organization, visible_organizations


def visible_devices(user):
    require_user(user)
    queryset = Device.objects.all()
    if user.is_superuser:
        return queryset
    return queryset.filter(organization__in=visible_organizations(user).values("pk"))


def get_device(user, device_id: int) -> Device:
    device = visible_devices(user).filter(pk=device_id).first()
    if device is None:
        raise NotFound(f"device {device_id} does not exist")
    return device


def _managed_device(user, device_id: int) -> Device:
    device = get_device(user, device_id)
    if not can_manage_org(user, device.organization_id):
        raise Forbidden("changing devices needs manage_org on their organization")
    return device


@transaction.atomic
def create_device(user, *, organization_id: int, title, identifier) -> Device:
    organization = get_organization(user, organization_id)
    if not can_manage_org(user, organization.pk):
        raise Forbidden("adding devices needs manage_org on the organization")
    device = Device(
        organization=organization,
        title=clean_text(title, "title", max_length=255),
        identifier=clean_text(identifier, "identifier", max_length=128),
    )
    with unique_or_duplicate(f"a device with identifier '{device.identifier}' exists", "identifier"):
        device.save()
    changelog.record_created(user, device)
    return device


@transaction.atomic
def update_device(user, device_id: int, *, version=None, **changes) -> Device:
    device = Device.objects.select_for_update().get(pk=_managed_device(user, device_id).pk)
    check_version(device, version)
    before = device.to_change_dict()
    fields = []
    if "title" in changes:
        device.title = clean_text(changes["title"], "title", max_length=255)
        fields.append("title")
    if "identifier" in changes:
        device.identifier = clean_text(changes["identifier"], "identifier", max_length=128)
        fields.append("identifier")
    with unique_or_duplicate(f"a device with identifier '{device.identifier}' exists", "identifier"):
        save_versioned(device, version, fields)
    changelog.record_updated(user, device, before)
    return device


@transaction.atomic
def delete_device(user, device_id: int, *, version=None) -> None:
    device = _managed_device(user, device_id)
    link = AssetDeviceLink.objects.filter(device=device).first()
    if link is not None:
        raise InUse(f"device {device.identifier} is linked to an asset; unlink it first")
    before = device.to_change_dict()
    delete_versioned(device, version)
    changelog.record_deleted(user, device, before)
