"""/asset-types and their field definitions: origins, immutability, who may change them, and
definition changes that would strand stored values."""

from __future__ import annotations

import pytest

from assets.models import Asset, AssetType, ChangeLogEntry
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .helpers import assert_problem


@pytest.fixture
def dealer_tree(db):
    dealer = make_org("navixy-dealer", title="Navixy Dealer")
    translog = make_org("translog", title="TransLog GmbH", parent=dealer)
    make_type(None, "generic", title="Generic asset")
    make_type(dealer, "vehicle", [{"code": "vin", "field_type": "STRING"}], title="Vehicle")
    make_type(translog, "delivery_truck", [{"code": "license_plate", "field_type": "STRING"}], title="Delivery Truck")
    make_type(make_org("elsewhere"), "secret", title="Secret")
    return dealer, translog


def test_types_of_an_organization_carry_their_origin(admin_api, dealer_tree):
    dealer, translog = dealer_tree
    body = admin_api.get("/asset-types", {"organization_id": translog.pk}).json()
    origins = {t["code"]: t["origin"] for t in body["items"]}
    assert origins == {"generic": "SYSTEM", "vehicle": "PARENT_ORGANIZATION", "delivery_truck": "ORGANIZATION"}
    truck = next(t for t in body["items"] if t["code"] == "delivery_truck")
    assert truck["can_be_deleted"] is True
    assert truck["custom_field_definitions"] == [
        {"code": "license_plate", "title": "license_plate", "field_type": "STRING",
         "params": {"required": False, "max_length": 255}, "order": 10, "indexed": False, "index_status": None}
    ]
    assert {t["code"]: t["can_be_deleted"] for t in body["items"]}["vehicle"] is False
    assert "total_count" not in body
    by_code = admin_api.get("/asset-types", {"organization_id": translog.pk, "code": "vehicle"}).json()["items"]
    assert [t["code"] for t in by_code] == ["vehicle"]
    # Relative to the dealer, its own type is ORGANIZATION.
    dealer_view = admin_api.get("/asset-types", {"organization_id": dealer.pk}).json()["items"]
    assert {t["code"]: t["origin"] for t in dealer_view} == {"generic": "SYSTEM", "vehicle": "ORGANIZATION"}


def test_a_type_with_assets_can_not_be_deleted(admin_api, org, truck_type):
    make_asset(org, truck_type, custom_fields={"license_plate": "X"})
    listed = admin_api.get("/asset-types", {"organization_id": org.pk}).json()["items"]
    assert listed[0]["can_be_deleted"] is False
    body = assert_problem(admin_api.delete(f"/asset-types/{truck_type.pk}"), 409, "IN_USE")
    assert body["affected_assets"] == 1


def test_types_visible_to_a_member_without_organization_filter(dealer_tree):
    _, translog = dealer_tree
    user = make_user("member")
    grant(user, "view_org_assets", translog)
    codes = {t["code"] for t in ApiClient(user).get("/asset-types").json()["items"]}
    assert codes == {"generic", "vehicle", "delivery_truck"}
    secret = AssetType.objects.get(code="secret")
    assert_problem(ApiClient(user).get(f"/asset-types/{secret.pk}"), 404, "NOT_FOUND")
    assert_problem(ApiClient(user).get("/asset-types", {"organization_id": secret.organization_id}), 404)


def test_manager_creates_a_type_with_fields(org, manager_api):
    response = manager_api.post("/asset-types", {
        "organization_id": org.pk, "code": "delivery_truck", "title": "Delivery Truck", "order": 10,
        "description": "Long-haul and last-mile delivery vehicles",
        "custom_field_definitions": [
            {"code": "license_plate", "title": "License Plate", "field_type": "STRING", "params": {"required": True}},
            {"code": "tracker", "title": "Tracker", "field_type": "DEVICE"},
        ],
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1 and body["origin"] == "ORGANIZATION" and body["can_be_deleted"] is True
    assert [f["code"] for f in body["custom_field_definitions"]] == ["license_plate", "tracker"]
    entry = ChangeLogEntry.objects.get(object_type="asset_type", object_id=body["id"])
    assert entry.action == "create" and [f["code"] for f in entry.after["fields"]] == ["license_plate", "tracker"]


def test_types_need_manage_org(org, truck_type, viewer_api, editor_api, outsider_api):
    body = {"organization_id": org.pk, "code": "boat", "title": "Boat"}
    assert_problem(viewer_api.post("/asset-types", body), 403, "FORBIDDEN")
    assert_problem(editor_api.post("/asset-types", body), 403, "FORBIDDEN")
    assert_problem(outsider_api.post("/asset-types", body), 404, "NOT_FOUND")
    assert_problem(viewer_api.patch(f"/asset-types/{truck_type.pk}", {"title": "Lorry"}), 403, "FORBIDDEN")
    assert_problem(viewer_api.delete(f"/asset-types/{truck_type.pk}"), 403, "FORBIDDEN")
    field = {"code": "color", "field_type": "STRING"}
    assert_problem(viewer_api.post(f"/asset-types/{truck_type.pk}/fields", field), 403, "FORBIDDEN")
    assert_problem(outsider_api.post(f"/asset-types/{truck_type.pk}/fields", field), 404, "NOT_FOUND")


def test_system_types_are_created_by_superusers_only(admin_api, manager_api):
    assert_problem(manager_api.post("/asset-types", {"organization_id": None, "code": "g", "title": "G"}), 403)
    response = admin_api.post("/asset-types", {"organization_id": None, "code": "generic", "title": "Generic asset"})
    assert response.status_code == 201 and response.json()["origin"] == "SYSTEM"
    system_id = response.json()["id"]
    assert_problem(manager_api.patch(f"/asset-types/{system_id}", {"title": "Mine"}), 403, "FORBIDDEN")
    assert_problem(admin_api.post("/asset-types", {"organization_id": None, "code": "generic", "title": "G"}), 409)


def test_inherited_types_are_read_only_for_the_child(dealer_tree):
    dealer, translog = dealer_tree
    child_manager = make_user("child-manager")
    grant(child_manager, "manage_org", translog)
    vehicle = AssetType.objects.get(code="vehicle")
    api = ApiClient(child_manager)
    assert api.get(f"/asset-types/{vehicle.pk}", {"organization_id": translog.pk}).json()["origin"] == (
        "PARENT_ORGANIZATION"
    )
    assert_problem(api.patch(f"/asset-types/{vehicle.pk}", {"title": "Car"}), 403, "FORBIDDEN")
    assert_problem(api.delete(f"/asset-types/{vehicle.pk}"), 403, "FORBIDDEN")


def test_code_is_immutable_and_validated(admin_api, org, truck_type):
    assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}", {"code": "lorry"}), 400, "VALIDATION_ERROR")
    same = admin_api.patch(f"/asset-types/{truck_type.pk}", {"code": "delivery_truck", "title": "Truck"})
    assert same.status_code == 200 and same.json()["version"] == 2
    for bad in ("Bad Code", "1truck", "a__b", "set", ""):
        assert_problem(admin_api.post("/asset-types", {"organization_id": org.pk, "code": bad, "title": "X"}), 400)
    assert_problem(
        admin_api.post("/asset-types", {"organization_id": org.pk, "code": "delivery_truck", "title": "Again"}),
        409, "DUPLICATE",
    )


def test_type_patch_versioning(admin_api, truck_type):
    assert admin_api.patch(f"/asset-types/{truck_type.pk}", {"version": 1, "order": 5}).json()["version"] == 2
    body = assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}", {"version": 1, "order": 6}), 409, "CONFLICT")
    assert body["current_version"] == 2
    assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}", {"order": "first"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.delete(f"/asset-types/{truck_type.pk}?version=1"), 409, "CONFLICT")
    assert admin_api.delete(f"/asset-types/{truck_type.pk}?version=2").status_code == 204


# --- field definitions --------------------------------------------------------------------------
def test_field_definition_lifecycle_bumps_the_type_version(admin_api, truck_type):
    added = admin_api.post(f"/asset-types/{truck_type.pk}/fields", {
        "code": "color", "title": "Color", "field_type": "OPTIONS",
        "params": {"options": [{"code": "blue", "title": "Blue"}, {"code": "white", "title": "White"}]},
    })
    assert added.status_code == 201, added.content
    assert added.json()["version"] == 2
    color = next(f for f in added.json()["custom_field_definitions"] if f["code"] == "color")
    assert color["params"]["options"] == [{"code": "blue", "title": "Blue"}, {"code": "white", "title": "White"}]
    patched = admin_api.patch(f"/asset-types/{truck_type.pk}/fields/color", {"version": 2, "title": "Colour"})
    assert patched.status_code == 200 and patched.json()["version"] == 3
    assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}/fields/color", {"version": 2, "order": 1}), 409)
    deleted = admin_api.delete(f"/asset-types/{truck_type.pk}/fields/color?version=3")
    assert deleted.status_code == 200 and deleted.json()["version"] == 4
    assert "color" not in [f["code"] for f in deleted.json()["custom_field_definitions"]]
    assert_problem(admin_api.delete(f"/asset-types/{truck_type.pk}/fields/color"), 404, "NOT_FOUND")


@pytest.mark.parametrize("code", ["set", "unset", "set_primary", "unset_primary"])
def test_reserved_field_codes_are_refused(admin_api, truck_type, code):
    body = assert_problem(
        admin_api.post(f"/asset-types/{truck_type.pk}/fields", {"code": code, "field_type": "STRING"}), 400
    )
    assert "reserved" in body["errors"][0]["message"]


def test_field_code_and_type_are_immutable(admin_api, truck_type):
    assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}/fields/license_plate", {"code": "plate"}), 400)
    body = {"field_type": "TEXT"}
    assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}/fields/license_plate", body), 400)
    assert_problem(
        admin_api.post(f"/asset-types/{truck_type.pk}/fields", {"code": "license_plate", "field_type": "STRING"}),
        409, "DUPLICATE",
    )


@pytest.mark.parametrize(
    "field_type, params",
    [
        ("STRING", {"max_length": 2000}),
        ("STRING", {"max_length": 0}),
        ("STRING", {"pattern": "(unclosed"}),
        ("STRING", {"min": 1}),
        ("TEXT", {"pattern": "x"}),
        ("INTEGER", {"min": 1.5}),
        ("INTEGER", {"min": 10, "max": 1}),
        ("NUMBER", {"max": "ten"}),
        ("BOOLEAN", {"options": []}),
        ("OPTIONS", {}),
        ("OPTIONS", {"options": []}),
        ("OPTIONS", {"options": [{"code": "a"}, {"code": "a"}]}),
        ("OPTIONS", {"options": [{"code": "has space"}]}),
        ("OPTIONS", {"options": ["blue"]}),
        ("MULTI_OPTIONS", {"options": [{"code": "a", "title": 5}]}),
        ("STRING", {"required": "yes"}),
        ("SPACESHIP", {}),
    ],
)
def test_field_params_are_validated_per_type(admin_api, truck_type, field_type, params):
    response = admin_api.post(
        f"/asset-types/{truck_type.pk}/fields", {"code": "extra", "field_type": field_type, "params": params}
    )
    assert_problem(response, 400, "VALIDATION_ERROR")


def test_every_field_type_can_be_defined(admin_api, org):
    field_types = ["STRING", "TEXT", "INTEGER", "NUMBER", "BOOLEAN", "DATE", "DATETIME", "URL", "OPTIONS",
                   "MULTI_OPTIONS", "LOCALIZED_STRING", "JSON", "GEOJSON", "ASSET", "DEVICE"]
    definitions = [
        {"code": f"f_{t.lower()}", "field_type": t,
         "params": {"options": [{"code": "a", "title": "A"}]} if "OPTIONS" in t else {}}
        for t in field_types
    ]
    response = admin_api.post("/asset-types", {
        "organization_id": org.pk, "code": "everything", "title": "Everything", "custom_field_definitions": definitions,
    })
    assert response.status_code == 201, response.content
    assert [f["field_type"] for f in response.json()["custom_field_definitions"]] == field_types


def test_adding_a_required_field_to_a_used_type_is_in_use(admin_api, org, truck_type):
    for _ in range(2):
        make_asset(org, truck_type, custom_fields={"license_plate": "X"})
    body = assert_problem(
        admin_api.post(f"/asset-types/{truck_type.pk}/fields",
                       {"code": "vin", "field_type": "STRING", "params": {"required": True}}),
        409, "IN_USE",
    )
    assert body["affected_assets"] == 2 and "2 assets" in body["detail"]
    optional = admin_api.post(f"/asset-types/{truck_type.pk}/fields", {"code": "vin", "field_type": "STRING"})
    assert optional.status_code == 201


def test_tightening_params_that_stored_values_break_is_in_use(admin_api, org, truck_type):
    make_asset(org, truck_type, custom_fields={"license_plate": "HH-TL 4421"})
    make_asset(org, truck_type, custom_fields={"license_plate": "M-TL 107"})
    body = assert_problem(
        admin_api.patch(f"/asset-types/{truck_type.pk}/fields/license_plate",
                        {"params": {"required": True, "max_length": 8}}),
        409, "IN_USE",
    )
    assert body["affected_assets"] == 1
    body = assert_problem(
        admin_api.patch(f"/asset-types/{truck_type.pk}/fields/fuel_capacity_l", {"params": {"required": True}}),
        409, "IN_USE",
    )
    assert body["affected_assets"] == 2
    ok = admin_api.patch(f"/asset-types/{truck_type.pk}/fields/license_plate", {"params": {"required": True,
                                                                                          "max_length": 10}})
    assert ok.status_code == 200


def test_deleting_a_field_with_values_needs_drop_values(admin_api, editor_api, org, truck_type, tracker):
    created = editor_api.post("/assets", {
        "organization_id": org.pk, "type_id": truck_type.pk, "title": "Truck",
        "custom_fields": {"set": {"license_plate": "HH-TL 4421", "tracker": tracker.pk}, "set_primary": ["tracker"]},
    }).json()
    body = assert_problem(admin_api.delete(f"/asset-types/{truck_type.pk}/fields/tracker"), 409, "IN_USE")
    assert body["affected_assets"] == 1
    response = admin_api.delete(f"/asset-types/{truck_type.pk}/fields/tracker?drop_values=true")
    assert response.status_code == 200
    asset = editor_api.get(f"/assets/{created['id']}").json()
    assert "tracker" not in asset["custom_fields"]
    assert asset["devices"] == [] and asset["primary_device"] is None
    assert asset["version"] == created["version"] + 1
    entry = ChangeLogEntry.objects.filter(object_type="asset", object_id=created["id"]).first()
    assert entry.action == "update" and "tracker" in entry.before["custom_fields"]
    assert "tracker" not in entry.after["custom_fields"]
    assert Asset.objects.get(pk=created["id"]).device_links.count() == 0


def test_adding_a_field_checks_the_type_version_from_body_or_query(admin_api, truck_type):
    field = {"code": "vin", "field_type": "STRING"}
    assert_problem(admin_api.post(f"/asset-types/{truck_type.pk}/fields", {**field, "version": 7}), 409, "CONFLICT")
    assert_problem(admin_api.post(f"/asset-types/{truck_type.pk}/fields?version=7", field), 409, "CONFLICT")
    assert_problem(admin_api.post(f"/asset-types/{truck_type.pk}/fields?version=x", field), 400)
    assert admin_api.post(f"/asset-types/{truck_type.pk}/fields?version=1", field).json()["version"] == 2
