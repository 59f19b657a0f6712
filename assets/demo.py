"""Demo data from the vendor seeds (notes/DEMO.md): TransLog GmbH's trucks with their GPS units,
the architecture model's building, the Quable shirt assets and the Laserfiche email.

`seed()` is idempotent: whatever exists already (looked up by key or code) is left exactly as it
is, so a second run writes nothing. New objects go through the services, which validate them and
log their creation like any other write."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.db import transaction
from guardian.shortcuts import assign_perm

from assets.access.permissions import forget

from .models import Asset, AssetType, Device, Organization
from .services import asset_types, assets, devices, organizations

User = get_user_model()

USERS = [
    # username, password, superuser
    ("admin", "admin", True),
    ("dispatcher", "dispatcher-pass", False),
    ("viewer", "viewer-pass", False),
    # The seed's fleet manager (seed 003): types, devices and assets of TransLog, nothing else.
    ("fleet", "fleet-pass", False),
]
ORGANIZATION_GRANTS = [
    ("dispatcher", "translog", ("view_org_assets", "change_org_assets")),
    ("viewer", "translog", ("view_org_assets",)),
    ("fleet", "translog", ("manage_org", "change_org_assets", "delete_org_assets")),
]
ORGANIZATIONS = [
    # key, title, parent key
    ("navixy-dealer", "Navixy Dealer", None),
    ("translog", "TransLog GmbH", "navixy-dealer"),
    ("architecture-db", "Architecture DB", None),
    ("quable-demo", "Quable Education", None),
    ("laserfiche-repo", "Laserfiche Repository", None),
]


def _field(code, title, field_type, **params):
    return {"code": code, "title": title, "field_type": field_type, "params": params}


COLOR_OPTIONS = [{"code": "blue", "title": "Blue"}, {"code": "black", "title": "Black"},
                 {"code": "white", "title": "White"}]
TYPES = [
    # organization key (None = SYSTEM), code, title, fields
    (None, "generic", "Generic asset", []),
    ("navixy-dealer", "vehicle", "Vehicle", [_field("vin", "VIN", "STRING")]),
    ("translog", "delivery_truck", "Delivery Truck", [
        _field("license_plate", "License Plate", "STRING", required=True),
        _field("fuel_capacity_l", "Fuel Capacity (L)", "NUMBER"),
        _field("tracker", "Tracker", "DEVICE"),
    ]),
    ("translog", "forklift", "Forklift", [_field("serial", "Serial number", "STRING")]),
    ("translog", "boat", "Boat", [_field("hull_id", "Hull ID", "STRING")]),
    ("architecture-db", "building", "Building", []),
    ("architecture-db", "floor", "Floor", []),
    ("architecture-db", "room", "Room", []),
    ("architecture-db", "component", "Component", []),
    ("quable-demo", "document", "Document", [
        _field("reference_name", "Reference name", "LOCALIZED_STRING"),
        _field("description", "Description", "TEXT"),
    ]),
    ("quable-demo", "image", "Image", [
        _field("date_shooting", "Date of shooting", "DATETIME"),
        _field("mannequin", "Mannequin", "STRING"),
        _field("attr_photographer", "Photographer", "STRING"),
        _field("media_desc", "Media description", "LOCALIZED_STRING"),
        _field("color", "Color", "OPTIONS", options=COLOR_OPTIONS),
    ]),
    # The Quable dialect's attributes are the fields of the organization's dam_asset type.
    ("quable-demo", "dam_asset", "DAM asset", [
        _field("date_shooting", "Date of shooting", "DATETIME"),
        _field("mannequin", "Mannequin", "STRING"),
        _field("attr_photographer", "Photographer", "STRING"),
        _field("media_desc", "Media description", "LOCALIZED_STRING"),
        _field("reference_name", "Reference name", "LOCALIZED_STRING"),
    ]),
    ("laserfiche-repo", "email", "Email", []),
    ("laserfiche-repo", "document", "Document", []),
]
DEVICES = [
    ("translog", "GPS Unit #117", "356938035643809"),
    ("translog", "GPS Unit #118", "356938035643810"),
    ("translog", "GPS Unit #119", "356938035643811"),
    ("translog", "GPS Unit #120", "356938035643812"),
]
# organization key, type code, asset key, title, custom fields (patch form; "device:<identifier>"
# stands for that device's id)
ASSETS = [
    ("translog", "delivery_truck", "truck-b-44", "Truck B-44 (Hamburg–Berlin)",
     {"set": {"license_plate": "HH-TL 4421", "fuel_capacity_l": 400, "tracker": "device:356938035643809"},
      "set_primary": ["tracker"]}),
    ("translog", "delivery_truck", "truck-b-45", "Truck B-45 (Hamburg–Munich)",
     {"set": {"license_plate": "HH-TL 4422", "fuel_capacity_l": 400, "tracker": "device:356938035643810"}}),
    ("translog", "delivery_truck", "truck-m-07", "Truck M-07 (Munich local)",
     {"set": {"license_plate": "M-TL 107", "fuel_capacity_l": 120}}),
    ("translog", "delivery_truck", "truck-b-12", "Truck B-12 (Berlin–Leipzig)",
     {"set": {"license_plate": "B-TL 1212", "fuel_capacity_l": 250}}),
    ("translog", "forklift", "forklift-01", "Forklift 01", {"set": {"serial": "FL-2019-0001"}}),
    ("translog", "forklift", "forklift-02", "Forklift 02", {"set": {"serial": "FL-2021-0002"}}),
    ("translog", "boat", "boat-1", "Boat Alpha", {"set": {"hull_id": "BOS-0001"}}),
    ("translog", "boat", "boat-2", "Boat Bravo", {"set": {"hull_id": "BOS-0002"}}),
    ("translog", "boat", "boat-3", "Boat Charlie", {"set": {"hull_id": "BOS-0003"}}),
    ("architecture-db", "building", "building-model", "Main Building model", {}),
    ("architecture-db", "floor", "floor-1", "First Floor", {}),
    ("architecture-db", "floor", "floor-2", "Second Floor", {}),
    ("architecture-db", "floor", "floor-plan-3", "Floor plan 3", {}),
    ("architecture-db", "room", "room-101", "Conference Room A", {}),
    ("architecture-db", "room", "room-102", "Room 102", {}),
    ("architecture-db", "room", "room-201", "Room 201", {}),
    ("architecture-db", "component", "hvac-system", "HVAC System", {}),
    ("architecture-db", "building", "related-asset-1", "Related Model", {}),
    ("quable-demo", "image", "blueshirt", "Blue shirt",
     {"set": {"color": "blue", "mannequin": "Anna", "attr_photographer": "Studio Lumière",
              "date_shooting": "2024-03-14T10:30:00Z",
              "media_desc": {"fr_FR": "Chemise bleue, vue de face", "en_US": "Blue shirt, front view"}}}),
    ("quable-demo", "image", "shirt-front", "Shirt front",
     {"set": {"color": "blue", "mannequin": "Anna", "attr_photographer": "Studio Lumière",
              "date_shooting": "2024-03-14T10:45:00Z"}}),
    ("quable-demo", "document", "shirt-doc", "Blue shirt product sheet",
     {"set": {"reference_name": {"fr_FR": "Chemise bleue", "en_US": "Blue shirt"},
              "description": "Product sheet of the blue cotton shirt."}}),
    ("laserfiche-repo", "email", "email-10", "Email", {}),
    ("laserfiche-repo", "document", "email-attachment-15", "EmailAttachment", {}),
]


class _Counter:
    def __init__(self):
        self.created: dict[str, int] = {}

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def summary(self) -> str:
        if not self.created:
            return "nothing new (already seeded)"
        return ", ".join(f"{n} {kind}" for kind, n in self.created.items())


def _users(counter: _Counter) -> dict:
    users = {}
    for username, password, superuser in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@example.com", is_superuser=superuser, is_staff=superuser)
            user.set_password(password)
            user.save()
            counter.add("users")
        users[username] = user
    return users


def _organizations(admin, counter: _Counter) -> dict:
    found = {o.key: o for o in Organization.objects.filter(key__in=[key for key, _, _ in ORGANIZATIONS])}
    for key, title, parent_key in ORGANIZATIONS:
        if key not in found:
            parent_id = found[parent_key].pk if parent_key else None
            found[key] = organizations.create_organization(admin, key=key, title=title, parent_id=parent_id)
            counter.add("organizations")
    return found


def _grants(users, orgs) -> None:
    for username, org_key, codenames in ORGANIZATION_GRANTS:
        for codename in codenames:
            # assign_perm is get-or-create: a second run adds nothing.
            assign_perm(f"assets.{codename}", users[username], orgs[org_key])
        forget(users[username])


def _types(admin, orgs, counter: _Counter) -> dict:
    found = {}
    for org_key, code, title, fields in TYPES:
        organization = orgs[org_key] if org_key else None
        asset_type = AssetType.objects.filter(organization=organization, code=code).first()
        if asset_type is None:
            asset_type = asset_types.create_type(
                admin, organization_id=organization.pk if organization else None, code=code, title=title,
                fields=[dict(f) for f in fields],
            )
            counter.add("asset types")
        found[(org_key, code)] = asset_type
    return found


def _devices(admin, orgs, counter: _Counter) -> dict:
    found = {}
    for org_key, title, identifier in DEVICES:
        device = Device.objects.filter(organization=orgs[org_key], identifier=identifier).first()
        if device is None:
            device = devices.create_device(admin, organization_id=orgs[org_key].pk, title=title, identifier=identifier)
            counter.add("devices")
        found[identifier] = device
    return found


def _resolve_devices(value, devices_by_identifier):
    if isinstance(value, dict):
        return {k: _resolve_devices(v, devices_by_identifier) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("device:"):
        return devices_by_identifier[value.removeprefix("device:")].pk
    return value


def _assets(admin, orgs, types, devices_by_identifier, counter: _Counter) -> None:
    existing = set(
        Asset.objects.filter(organization__in=orgs.values()).values_list("organization__key", "key")
    )
    for org_key, type_code, key, title, custom_fields in ASSETS:
        if (org_key, key) in existing:
            continue
        asset_type = types.get((org_key, type_code)) or types[("navixy-dealer", type_code)]
        assets.create_asset(
            admin, organization_id=orgs[org_key].pk, type_id=asset_type.pk, key=key, title=title,
            custom_fields=_resolve_devices(custom_fields, devices_by_identifier),
        )
        counter.add("assets")


@transaction.atomic
def seed(stdout=None) -> None:
    out = stdout or sys.stdout
    counter = _Counter()
    users = _users(counter)
    admin = users["admin"]
    orgs = _organizations(admin, counter)
    _grants(users, orgs)
    types = _types(admin, orgs, counter)
    devices_by_identifier = _devices(admin, orgs, counter)
    _assets(admin, orgs, types, devices_by_identifier, counter)
    out.write(f"assets: {counter.summary()}\n")
