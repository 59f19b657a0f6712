from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q

from assets.access.permissions import ASSET_CODENAMES, ORG_ASSET_CODENAMES, can_manage_org, snapshot
from assets.core import changelog
from assets.core.errors import Forbidden, InUse, one_or_404
from assets.core.inputs import clean_text, require_user, unique_or_duplicate
from assets.core.versioning import check_version, delete_versioned, lock_row, save_versioned

from ..models import Asset, AssetDeviceLink, Device
from .organizations import get_organization

GLOBAL_DEVICE_PERMS = tuple(
    f"assets.{c}" for c in ("view_device", "change_device", "manage_org", *ASSET_CODENAMES["view"],
                            *ORG_ASSET_CODENAMES["view"])
)


def visible_devices(user):
    """Devices of organizations the user holds an organization-wide grant in, plus the devices
    linked to assets they can view (they appear on those assets anyway)."""
    require_user(user)
    queryset = Device.objects.all()
    if user.is_superuser:
        return queryset
    snap = snapshot(user)
    if snap.has_global(*GLOBAL_DEVICE_PERMS):
        return queryset
    condition = Q(organization_id__in=sorted(snap.org_perms))
    condition |= Q(
        Exists(
            AssetDeviceLink.objects.filter(
                device_id=OuterRef("pk"), asset__in=Asset.objects.visible_to(user).values("pk")
            )
        )
    )
    return queryset.filter(condition)


def with_linked_assets(queryset, user):
    """Annotates `is_linked` and prefetches the link only when its asset is visible: a device
    may show that it is taken without naming an asset the user may not see."""
    visible_links = AssetDeviceLink.objects.select_related("asset")
    if not user.is_superuser:
        visible_links = visible_links.filter(asset__in=Asset.objects.visible_to(user).values("pk"))
    return queryset.annotate(
        is_linked=Exists(AssetDeviceLink.objects.filter(device_id=OuterRef("pk")))
    ).prefetch_related(Prefetch("asset_links", queryset=visible_links, to_attr="visible_links"))


def get_device(user, device_id: int) -> Device:
    return one_or_404(visible_devices(user), "device", device_id)


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
    device = lock_row(Device.objects.all(), _managed_device(user, device_id).pk, "device")
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
    check_version(device, version)

    def refuse_if_linked(deleted: Device) -> None:
        # Asked after the DELETE holds the row: a link committed meanwhile is seen here, and a
        # link being written waits for us (it locks the device) and then finds no device.
        if AssetDeviceLink.objects.filter(device_id=deleted.pk).exists():
            raise InUse(f"device {deleted.identifier} is linked to an asset; unlink it first")

    deleted = delete_versioned(device, version, before_cascade=refuse_if_linked)
    changelog.record_deleted(user, deleted, deleted.to_change_dict())
