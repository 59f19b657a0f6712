"""The Django admin: every model has working screens, guardian's object-permission screens exist,
and asset writes go through the services (validation, device links, change log)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assets.models import Asset, AssetDeviceLink, AssetType, ChangeLogEntry, Device, Organization
from tests.factories import make_asset

MODELS = ["organization", "assettype", "device", "asset", "apitoken", "changelogentry"]


@pytest.fixture
def admin_client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def truck(org, truck_type):
    return make_asset(org, truck_type, "Truck B-44", custom_fields={"license_plate": "HH-TL 4421"})


@pytest.mark.parametrize("model", MODELS)
def test_changelists_render(admin_client, truck, tracker, model):
    assert admin_client.get(f"/admin/assets/{model}/").status_code == 200


@pytest.mark.parametrize("model", ["organization", "assettype", "device", "asset"])
def test_add_pages_render(admin_client, model):
    assert admin_client.get(f"/admin/assets/{model}/add/").status_code == 200


def test_change_pages_and_object_permission_screens_render(admin_client, org, truck, truck_type, tracker):
    for path in (f"organization/{org.pk}", f"asset/{truck.pk}", f"assettype/{truck_type.pk}", f"device/{tracker.pk}"):
        assert admin_client.get(f"/admin/assets/{path}/change/").status_code == 200, path
    assert admin_client.get(f"/admin/assets/organization/{org.pk}/permissions/").status_code == 200
    assert admin_client.get(f"/admin/assets/asset/{truck.pk}/permissions/").status_code == 200


def test_history_is_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/assets/changelogentry/add/").status_code == 403
    assert admin_client.get("/admin/assets/apitoken/add/").status_code == 403


def _asset_form(asset_or_none, org, asset_type, **fields) -> dict:
    data = {
        "organization": org.pk, "type": asset_type.pk, "key": "truck-b-44", "title": "Truck B-44",
        "custom_fields": json.dumps({"license_plate": "HH-TL 4421"}),
        "device_links-TOTAL_FORMS": "0", "device_links-INITIAL_FORMS": "0",
        "device_links-MIN_NUM_FORMS": "0", "device_links-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_admin_asset_edit_goes_through_the_services(admin_client, superuser, org, truck, truck_type, tracker):
    data = _asset_form(truck, org, truck_type, key=truck.key, title="Truck B-44 (Hamburg)",
                       custom_fields=json.dumps({"license_plate": "HH-TL 4421", "tracker": tracker.pk}))
    response = admin_client.post(f"/admin/assets/asset/{truck.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    truck.refresh_from_db()
    assert truck.title == "Truck B-44 (Hamburg)" and truck.version == 2
    assert AssetDeviceLink.objects.get(asset=truck).device_id == tracker.pk
    entry = ChangeLogEntry.objects.get(object_type="asset", object_id=truck.pk)
    assert entry.action == "update" and entry.user_id == superuser.pk and entry.before["title"] == "Truck B-44"


def test_admin_asset_edit_shows_rule_violations_as_form_errors(admin_client, org, truck, truck_type):
    data = _asset_form(truck, org, truck_type, key=truck.key, custom_fields=json.dumps({"fuel_capacity_l": "lots"}))
    response = admin_client.post(f"/admin/assets/asset/{truck.pk}/change/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "license_plate: is required and can&#x27;t be unset" in page or "license_plate" in page
    assert "fuel_capacity_l: must be a number" in page
    truck.refresh_from_db()
    assert truck.version == 1 and not ChangeLogEntry.objects.exists()


def test_admin_asset_add_and_delete_are_logged(admin_client, org, truck_type):
    response = admin_client.post("/admin/assets/asset/add/", _asset_form(None, org, truck_type))
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = Asset.objects.get(key="truck-b-44")
    assert asset.custom_fields == {"license_plate": "HH-TL 4421"}
    response = admin_client.post(f"/admin/assets/asset/{asset.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Asset.objects.filter(pk=asset.pk).exists()
    actions = list(ChangeLogEntry.objects.filter(object_type="asset").order_by("id").values_list("action", flat=True))
    assert actions == ["create", "delete"]


def test_admin_organization_writes_are_versioned_and_logged(admin_client, org):
    response = admin_client.post("/admin/assets/organization/add/", {"key": "north", "title": "North",
                                                                      "parent": org.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    north = Organization.objects.get(key="north")
    assert north.parent_id == org.pk and north.level == 1
    response = admin_client.post(f"/admin/assets/organization/{north.pk}/change/", {"key": "north", "title": "Nord",
                                                                                    "parent": org.pk})
    assert response.status_code == 302
    north.refresh_from_db()
    assert north.title == "Nord" and north.version == 2
    actions = list(ChangeLogEntry.objects.filter(object_type="organization", object_id=north.pk)
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update"]
    response = admin_client.post("/admin/assets/organization/", {
        "action": "delete_selected", "_selected_action": [north.pk], "post": "yes"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=north.pk).exists()
    assert ChangeLogEntry.objects.filter(object_type="organization", object_id=north.pk, action="delete").exists()


def _type_form(truck_type):
    """The admin's change form of a type as posted unchanged, with its field definitions inline."""
    definitions = list(truck_type.field_definitions.order_by("order"))
    data = {"title": truck_type.title, "order": truck_type.order, "description": "",
            "field_definitions-TOTAL_FORMS": str(len(definitions)),
            "field_definitions-INITIAL_FORMS": str(len(definitions)),
            "field_definitions-MIN_NUM_FORMS": "0", "field_definitions-MAX_NUM_FORMS": "1000"}
    for n, definition in enumerate(definitions):
        data.update({
            f"field_definitions-{n}-id": definition.pk, f"field_definitions-{n}-asset_type": truck_type.pk,
            f"field_definitions-{n}-code": definition.code, f"field_definitions-{n}-title": definition.title,
            f"field_definitions-{n}-field_type": definition.field_type,
            f"field_definitions-{n}-params": json.dumps(definition.params),
            f"field_definitions-{n}-order": definition.order,
        })
    return definitions, data


def test_admin_refuses_definition_changes_that_strand_values(admin_client, org, truck, truck_type):
    definitions, data = _type_form(truck_type)
    data["field_definitions-TOTAL_FORMS"] = str(len(definitions) + 1)
    new = len(definitions)
    data.update({f"field_definitions-{new}-asset_type": truck_type.pk, f"field_definitions-{new}-code": "vin",
                 f"field_definitions-{new}-title": "VIN", f"field_definitions-{new}-field_type": "STRING",
                 f"field_definitions-{new}-params": json.dumps({"required": True}),
                 f"field_definitions-{new}-order": 99})
    response = admin_client.post(f"/admin/assets/assettype/{truck_type.pk}/change/", data)
    assert response.status_code == 200
    assert "a required field can&#x27;t be added while 1 assets of the type have no value for it" in response.content.decode()
    assert not truck_type.field_definitions.filter(code="vin").exists()
    # Optional, it is accepted, and the type's version moves.
    data[f"field_definitions-{new}-params"] = json.dumps({})
    response = admin_client.post(f"/admin/assets/assettype/{truck_type.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AssetType.objects.get(pk=truck_type.pk).version == 2
    assert truck_type.field_definitions.get(code="vin").params == {"required": False, "max_length": 255}



def _errors_of(response) -> str:
    return response.content.decode()


def test_admin_organization_refusals_show_on_the_form(admin_client, org):
    response = admin_client.post("/admin/assets/organization/add/", {"key": "translog", "title": "Twin"})
    assert response.status_code == 200
    assert "already taken" in _errors_of(response) or "exists" in _errors_of(response)
    north = Organization.objects.create(key="north", title="North", parent=org)
    # Moving an organization below its own child is the service's Cycle refusal.
    response = admin_client.post(f"/admin/assets/organization/{org.pk}/change/",
                                 {"key": "translog", "title": "TransLog GmbH", "parent": north.pk})
    assert response.status_code == 200
    assert "can&#x27;t move below itself or its descendants" in _errors_of(response)
    org.refresh_from_db()
    assert org.parent_id is None and org.version == 1
    # An organization with children is refused by delete_organization, and stays.
    response = admin_client.post("/admin/assets/organization/", {
        "action": "delete_selected", "_selected_action": [org.pk], "post": "yes"})
    assert response.status_code in (200, 403)
    assert Organization.objects.filter(pk=org.pk).exists()


def test_admin_asset_type_writes_go_through_the_services(admin_client, org, truck_type):
    response = admin_client.post("/admin/assets/assettype/add/", {
        "organization": org.pk, "code": "Not A Code!", "title": "Bad", "description": "", "order": 10,
        "field_definitions-TOTAL_FORMS": "0", "field_definitions-INITIAL_FORMS": "0",
        "field_definitions-MIN_NUM_FORMS": "0", "field_definitions-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 200
    assert not AssetType.objects.filter(title="Bad").exists()
    response = admin_client.post(f"/admin/assets/assettype/{truck_type.pk}/change/", {
        "title": "Lorry", "order": truck_type.order, "description": "",
        "field_definitions-TOTAL_FORMS": "0", "field_definitions-INITIAL_FORMS": "0",
        "field_definitions-MIN_NUM_FORMS": "0", "field_definitions-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, _errors_of(response)[:2000]
    truck_type.refresh_from_db()
    assert truck_type.title == "Lorry" and truck_type.version == 2
    assert ChangeLogEntry.objects.filter(object_type="asset_type", object_id=truck_type.pk, action="update").exists()


def test_admin_refuses_deleting_a_field_that_holds_values(admin_client, org, truck, truck_type):
    definitions, data = _type_form(truck_type)
    plate = next(n for n, d in enumerate(definitions) if d.code == "license_plate")
    data[f"field_definitions-{plate}-DELETE"] = "on"
    data["title"] = "Renamed meanwhile"
    response = admin_client.post(f"/admin/assets/assettype/{truck_type.pk}/change/", data)
    assert response.status_code == 200
    assert "1 assets hold a value for &#x27;license_plate&#x27;" in _errors_of(response)
    # The whole page rolled back: the type's rename too.
    truck_type.refresh_from_db()
    assert truck_type.title != "Renamed meanwhile" and truck_type.version == 1
    assert truck_type.field_definitions.filter(code="license_plate").exists()


def test_admin_device_writes_go_through_the_services(admin_client, org, tracker):
    response = admin_client.post("/admin/assets/device/add/",
                                 {"organization": org.pk, "title": "Twin", "identifier": tracker.identifier})
    assert response.status_code == 200
    assert "already exists" in _errors_of(response)
    assert Device.objects.filter(identifier=tracker.identifier).count() == 1
    response = admin_client.post(f"/admin/assets/device/{tracker.pk}/change/",
                                 {"organization": org.pk, "title": "Renamed", "identifier": tracker.identifier})
    assert response.status_code == 302, _errors_of(response)[:2000]
    tracker.refresh_from_db()
    assert tracker.title == "Renamed" and tracker.version == 2
    assert ChangeLogEntry.objects.filter(object_type="device", object_id=tracker.pk, action="update").exists()
