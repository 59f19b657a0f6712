"""/assets: create (plain map and patch form), read, patch semantics, device links, versions,
deletion, and the validation of every custom field type."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from assets.models import Asset, AssetDeviceLink, ChangeLogEntry
from tests.factories import make_asset, make_device, make_org, make_type

from .helpers import assert_problem, truck_body


def test_create_with_a_plain_map(editor_api, editor, org, truck_type):
    response = editor_api.post("/assets", truck_body(org, truck_type, key="truck-b-44",
                                                     custom_fields={"license_plate": "HH-TL 4421",
                                                                    "fuel_capacity_l": 400}))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"] == "truck-b-44" and body["version"] == 1
    assert body["type"] == {"id": truck_type.pk, "code": "delivery_truck", "title": "Delivery Truck"}
    assert body["custom_fields"] == {"license_plate": "HH-TL 4421", "fuel_capacity_l": 400}
    assert body["primary_device"] is None and body["devices"] == [] and body["groups"] == []
    assert body["organization_id"] == org.pk and body["file"] is None
    assert Asset.objects.get(pk=body["id"]).created_by == editor
    entry = ChangeLogEntry.objects.get(object_type="asset", object_id=body["id"])
    assert entry.action == "create" and entry.user_id == editor.pk and entry.before is None
    assert entry.after["custom_fields"]["license_plate"] == "HH-TL 4421"


def test_create_with_the_patch_form_links_a_primary_device(editor_api, org, truck_type, tracker):
    response = editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "set": {"license_plate": "HH-TL 4421", "tracker": tracker.pk}, "set_primary": ["tracker"],
    }))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["primary_device"] == {"id": tracker.pk, "title": "GPS Unit #117"}
    assert body["devices"] == [{"id": tracker.pk, "title": "GPS Unit #117", "identifier": "356938035643809",
                                "field_code": "tracker", "is_primary": True}]
    assert body["key"].startswith("truck-b-44-hamburg")


def test_create_needs_change_org_assets(viewer_api, outsider_api, manager_api, org, truck_type):
    assert_problem(viewer_api.post("/assets", truck_body(org, truck_type)), 403, "FORBIDDEN")
    assert_problem(manager_api.post("/assets", truck_body(org, truck_type)), 403, "FORBIDDEN")
    assert_problem(outsider_api.post("/assets", truck_body(org, truck_type)), 404, "NOT_FOUND")


def test_create_validation(editor_api, org, truck_type):
    body = assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields={})), 400)
    assert body["errors"] == [{"field": "custom_fields.license_plate", "message": "is required"}]
    body = assert_problem(editor_api.post("/assets", truck_body(org, truck_type, title="", key="Bad key!",
                                                                custom_fields={"color": "red"})), 400)
    fields = {e["field"] for e in body["errors"]}
    assert {"title", "key", "custom_fields.color", "custom_fields.license_plate"} <= fields
    other_org_type = make_type(make_org("elsewhere"), "boat")
    assert_problem(editor_api.post("/assets", truck_body(org, other_org_type)), 400, "VALIDATION_ERROR")
    mixed = {"set": {"license_plate": "X"}, "license_plate": "Y"}
    assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields=mixed)), 400)
    assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields={"set": []})), 400)
    assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields={"unset": "x"})), 400)
    assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields=["x"])), 400)


def test_duplicate_key_is_409(editor_api, org, truck_type):
    assert editor_api.post("/assets", truck_body(org, truck_type, key="truck-1")).status_code == 201
    body = assert_problem(editor_api.post("/assets", truck_body(org, truck_type, key="truck-1")), 409, "DUPLICATE")
    assert body["errors"][0]["field"] == "key"
    # Keys are unique per organization only.
    other = make_org("other")
    assert make_asset(other, make_type(other), key="truck-1").key == "truck-1"


def test_get_limits_custom_fields_with_fields_param(editor_api, org, truck_type):
    created = editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "HH-TL 4421", "fuel_capacity_l": 400})).json()
    full = editor_api.get(f"/assets/{created['id']}").json()
    assert full["custom_fields"] == {"license_plate": "HH-TL 4421", "fuel_capacity_l": 400}
    limited = editor_api.get(f"/assets/{created['id']}", {"fields": "license_plate"}).json()
    assert limited["custom_fields"] == {"license_plate": "HH-TL 4421"}
    both = editor_api.get(f"/assets/{created['id']}", {"fields": "license_plate, fuel_capacity_l,nope"}).json()
    assert both["custom_fields"] == {"license_plate": "HH-TL 4421", "fuel_capacity_l": 400}
    assert editor_api.get(f"/assets/{created['id']}", {"fields": ""}).json()["custom_fields"] == {}


def test_patch_semantics_leave_unmentioned_fields_alone(editor_api, org, truck_type, tracker):
    asset = editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "HH-TL 4421", "fuel_capacity_l": 400})).json()
    step1 = editor_api.patch(f"/assets/{asset['id']}", {
        "version": 1, "custom_fields": {"set": {"tracker": tracker.pk}, "set_primary": ["tracker"]},
    })
    assert step1.status_code == 200, step1.content
    body = step1.json()
    assert body["version"] == 2
    assert body["custom_fields"] == {"license_plate": "HH-TL 4421", "fuel_capacity_l": 400, "tracker": tracker.pk}
    assert body["primary_device"]["id"] == tracker.pk
    step2 = editor_api.patch(f"/assets/{asset['id']}", {"title": "Truck B-44 (Hamburg)"}).json()
    assert step2["custom_fields"] == body["custom_fields"] and step2["version"] == 3
    step3 = editor_api.patch(f"/assets/{asset['id']}", {
        "version": 3, "custom_fields": {"unset": ["tracker", "fuel_capacity_l"], "unset_primary": ["tracker"]},
    }).json()
    assert step3["custom_fields"] == {"license_plate": "HH-TL 4421"}
    assert step3["primary_device"] is None and step3["devices"] == []
    assert not AssetDeviceLink.objects.filter(device=tracker).exists()


def test_primary_flag_moves_between_device_fields(admin_api, org):
    two_trackers = make_type(org, "van", [{"code": "tracker", "field_type": "DEVICE"},
                                          {"code": "backup", "field_type": "DEVICE"}])
    first, second = make_device(org), make_device(org)
    asset = admin_api.post("/assets", {
        "organization_id": org.pk, "type_id": two_trackers.pk, "title": "Van",
        "custom_fields": {"set": {"tracker": first.pk, "backup": second.pk}, "set_primary": ["tracker"]},
    }).json()
    assert asset["primary_device"]["id"] == first.pk
    moved = admin_api.patch(f"/assets/{asset['id']}", {"custom_fields": {"set_primary": ["backup"]}}).json()
    assert moved["primary_device"]["id"] == second.pk
    assert [d["is_primary"] for d in moved["devices"]] == [True, False]  # ordered by field code
    cleared = admin_api.patch(f"/assets/{asset['id']}", {"custom_fields": {"unset_primary": ["backup"]}}).json()
    assert cleared["primary_device"] is None and len(cleared["devices"]) == 2
    body = assert_problem(admin_api.patch(f"/assets/{asset['id']}",
                                          {"custom_fields": {"set_primary": ["tracker", "backup"]}}), 400)
    assert body["errors"][0]["field"] == "custom_fields.set_primary"


def test_patch_errors(editor_api, org, truck_type):
    asset = editor_api.post("/assets", truck_body(org, truck_type)).json()
    path = f"/assets/{asset['id']}"
    assert_problem(editor_api.patch(path, {"custom_fields": {"unset": ["license_plate"]}}), 400)
    assert_problem(editor_api.patch(path, {"custom_fields": {"set": {"license_plate": None}}}), 400)
    assert_problem(editor_api.patch(path, {"custom_fields": {"set_primary": ["license_plate"]}}), 400)
    assert_problem(editor_api.patch(path, {"custom_fields": {"set_primary": ["tracker"]}}), 400)
    both = {"set": {"fuel_capacity_l": 1}, "unset": ["fuel_capacity_l"]}
    assert_problem(editor_api.patch(path, {"custom_fields": both}), 400)
    assert_problem(editor_api.patch(path, {"title": None}), 400)
    assert_problem(editor_api.patch(path, {"key": "has space"}), 400)
    assert_problem(editor_api.patch(path, {"type_id": 5}), 400)
    assert editor_api.get(path).json()["version"] == 1


def test_device_can_belong_to_one_asset_only(editor_api, org, truck_type, tracker):
    editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "A", "tracker": tracker.pk}))
    body = assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "B", "tracker": tracker.pk})), 409, "DUPLICATE")
    assert body["errors"][0]["field"] == "custom_fields.tracker"
    second = editor_api.post("/assets", truck_body(org, truck_type, custom_fields={"license_plate": "B"})).json()
    assert_problem(editor_api.patch(f"/assets/{second['id']}", {"custom_fields": {"set": {"tracker": tracker.pk}}}),
                   409, "DUPLICATE")
    assert Asset.objects.count() == 2 and AssetDeviceLink.objects.count() == 1


def test_one_asset_per_device_is_a_database_constraint(org, truck_type, tracker):
    first, second = make_asset(org, truck_type), make_asset(org, truck_type)
    AssetDeviceLink.objects.create(asset=first, device=tracker, field_code="tracker")
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetDeviceLink.objects.create(asset=second, device=tracker, field_code="tracker")
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetDeviceLink.objects.create(asset=first, device=make_device(org), field_code="tracker")


def test_device_must_belong_to_the_organization(editor_api, org, truck_type):
    foreign = make_device(make_org("elsewhere"))
    body = assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "A", "tracker": foreign.pk})), 400)
    assert body["errors"][0]["field"] == "custom_fields.tracker"
    assert_problem(editor_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "A", "tracker": 987654})), 400)


def test_version_conflict_changes_nothing(editor_api, org, truck_type):
    asset = editor_api.post("/assets", truck_body(org, truck_type)).json()
    editor_api.patch(f"/assets/{asset['id']}", {"version": 1, "title": "First"})
    body = assert_problem(editor_api.patch(f"/assets/{asset['id']}", {"version": 1, "title": "Second"}), 409)
    assert body["code"] == "CONFLICT"
    assert body["entity_type"] == "asset" and body["entity_id"] == asset["id"]
    assert body["expected_version"] == 1 and body["current_version"] == 2
    current = editor_api.get(f"/assets/{asset['id']}").json()
    assert current["title"] == "First" and current["version"] == 2


def test_delete_with_version_removes_device_links(admin_api, org, truck_type, tracker):
    asset = admin_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "A", "tracker": tracker.pk})).json()
    assert_problem(admin_api.delete(f"/assets/{asset['id']}?version=2"), 409, "CONFLICT")
    assert_problem(admin_api.delete(f"/assets/{asset['id']}?version=x"), 400, "VALIDATION_ERROR")
    assert admin_api.delete(f"/assets/{asset['id']}?version=1").status_code == 204
    assert_problem(admin_api.get(f"/assets/{asset['id']}"), 404, "NOT_FOUND")
    assert not AssetDeviceLink.objects.exists()
    entry = ChangeLogEntry.objects.filter(object_type="asset", object_id=asset["id"]).first()
    assert entry.action == "delete" and entry.before["title"] == asset["title"] and entry.after is None
    # The device is free again.
    again = admin_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "B", "tracker": tracker.pk}))
    assert again.status_code == 201


def test_deleting_an_asset_clears_asset_fields_that_named_it(admin_api, org):
    room_type = make_type(org, "room", [{"code": "building", "field_type": "ASSET"}])
    building = make_asset(org, room_type, "Main Building model")
    room = admin_api.post("/assets", {"organization_id": org.pk, "type_id": room_type.pk, "title": "Room 101",
                                      "custom_fields": {"building": building.pk}}).json()
    assert room["custom_fields"] == {"building": building.pk}
    assert admin_api.delete(f"/assets/{building.pk}").status_code == 204
    after = admin_api.get(f"/assets/{room['id']}").json()
    assert after["custom_fields"] == {} and after["version"] == 2
    assert ChangeLogEntry.objects.filter(object_type="asset", object_id=room["id"], action="update").exists()


# --- every custom field type validates its values -------------------------------------------------
ALL_FIELDS = [
    {"code": "name", "field_type": "STRING", "params": {"max_length": 10, "pattern": "^[A-Z].*"}},
    {"code": "notes", "field_type": "TEXT", "params": {"max_length": 20}},
    {"code": "axles", "field_type": "INTEGER", "params": {"min": 2, "max": 10}},
    {"code": "weight", "field_type": "NUMBER", "params": {"min": 0}},
    {"code": "active", "field_type": "BOOLEAN"},
    {"code": "built", "field_type": "DATE"},
    {"code": "seen_at", "field_type": "DATETIME"},
    {"code": "manual", "field_type": "URL"},
    {"code": "color", "field_type": "OPTIONS", "params": {"options": [{"code": "blue"}, {"code": "black"}]}},
    {"code": "tags", "field_type": "MULTI_OPTIONS", "params": {"options": [{"code": "a"}, {"code": "b"}]}},
    {"code": "label", "field_type": "LOCALIZED_STRING"},
    {"code": "extra", "field_type": "JSON"},
    {"code": "area", "field_type": "GEOJSON"},
    {"code": "parent", "field_type": "ASSET"},
    {"code": "tracker", "field_type": "DEVICE"},
]


@pytest.fixture
def everything_type(org):
    return make_type(org, "everything", ALL_FIELDS)


@pytest.mark.parametrize(
    "code, value, stored",
    [
        ("name", "Truck", "Truck"),
        ("notes", "", ""),
        ("axles", 3, 3),
        ("axles", 4.0, 4),
        ("weight", 12.5, 12.5),
        ("active", False, False),
        ("built", "2024-03-14", "2024-03-14"),
        ("seen_at", "2024-03-14T10:30:00+02:00", "2024-03-14T08:30:00Z"),
        ("seen_at", "2024-03-14T10:30:00", "2024-03-14T10:30:00Z"),
        ("manual", "https://example.com/manual.pdf", "https://example.com/manual.pdf"),
        ("color", "blue", "blue"),
        ("tags", ["a", "b"], ["a", "b"]),
        ("label", {"fr_FR": "Chemise bleue", "en_US": "Blue shirt"}, {"fr_FR": "Chemise bleue", "en_US": "Blue shirt"}),
        ("extra", {"any": ["json", 1, None]}, {"any": ["json", 1, None]}),
        ("area", {"type": "Point", "coordinates": [10.0, 53.5]}, {"type": "Point", "coordinates": [10.0, 53.5]}),
    ],
)
def test_valid_values_are_stored_normalized(admin_api, org, everything_type, code, value, stored):
    response = admin_api.post("/assets", {"organization_id": org.pk, "type_id": everything_type.pk, "title": "X",
                                          "custom_fields": {code: value}})
    assert response.status_code == 201, response.content
    assert response.json()["custom_fields"] == {code: stored}


@pytest.mark.parametrize(
    "code, value",
    [
        ("name", "lowercase"), ("name", "Way too long a name"), ("name", 5),
        ("notes", "x" * 21), ("notes", ["x"]),
        ("axles", 1), ("axles", 11), ("axles", 2.5), ("axles", "3"), ("axles", True), ("axles", 2**64),
        ("weight", -1), ("weight", "heavy"), ("weight", 10**400),
        ("active", "yes"), ("active", 1),
        ("built", "14.03.2024"), ("built", "2024-02-30"), ("built", 20240314),
        ("seen_at", "yesterday"), ("seen_at", 5), ("seen_at", "0001-01-01T00:00:00+01:00"),
        ("manual", "not a url"), ("manual", "javascript:alert(1)"),
        ("color", "red"), ("color", ["blue"]),
        ("tags", "a"), ("tags", ["a", "z"]), ("tags", ["a", "a"]),
        ("label", "Blue shirt"), ("label", {}), ("label", {"not a locale": "x"}), ("label", {"en_US": 5}),
        ("area", {"type": "Circle"}), ("area", {"type": "Point"}), ("area", [1, 2]),
        ("parent", "abc"), ("parent", 0), ("parent", 987654),
        ("tracker", "GPS"), ("tracker", -3), ("tracker", 987654),
    ],
)
def test_invalid_values_are_400_naming_the_field(admin_api, org, everything_type, code, value):
    body = assert_problem(
        admin_api.post("/assets", {"organization_id": org.pk, "type_id": everything_type.pk, "title": "X",
                                   "custom_fields": {code: value}}),
        400, "VALIDATION_ERROR",
    )
    assert body["errors"][0]["field"] == f"custom_fields.{code}", body


def test_asset_reference_must_be_visible_and_in_the_same_organization(editor_api, org, everything_type):
    foreign_org = make_org("elsewhere")
    foreign = make_asset(foreign_org, make_type(foreign_org))
    body = assert_problem(editor_api.post("/assets", {
        "organization_id": org.pk, "type_id": everything_type.pk, "title": "X",
        "custom_fields": {"parent": foreign.pk}}), 400)
    assert body["errors"][0]["field"] == "custom_fields.parent"
    local = make_asset(org, everything_type)
    ok = editor_api.post("/assets", {"organization_id": org.pk, "type_id": everything_type.pk, "title": "Y",
                                     "custom_fields": {"parent": local.pk}})
    assert ok.status_code == 201
    assert_problem(editor_api.patch(f"/assets/{local.pk}", {"custom_fields": {"set": {"parent": local.pk}}}), 400)
