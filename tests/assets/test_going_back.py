"""Going back: POST /assets/{id}/revert brings back the values a change left, and POST
/changes/{id}/restore re-creates a deleted asset from its delete entry, both refused with their
reasons, and neither names what the caller may not see."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import make_asset, make_user

from .helpers import assert_problem, truck_body


def _entries(api, asset_id, **params):
    return api.get("/changes", {"object_type": "asset", "object_id": asset_id, **params}).json()["items"]


@pytest.fixture
def edited(org, truck_type, editor_api):
    """A truck created with plate and fuel, then renamed with another plate and no fuel."""
    created = editor_api.post(
        "/assets", truck_body(org, truck_type, title="Old", key="truck-1",
                              custom_fields={"license_plate": "HH-1", "fuel_capacity_l": 300})
    ).json()
    editor_api.patch(f"/assets/{created['id']}", {
        "title": "New", "custom_fields": {"set": {"license_plate": "HH-2"}, "unset": ["fuel_capacity_l"]}})
    create_entry = _entries(editor_api, created["id"], action="create")[0]
    return created["id"], create_entry["id"]


def test_revert_brings_back_the_values_of_a_change_as_a_new_change(edited, editor_api):
    asset_id, change_id = edited
    version = editor_api.get(f"/assets/{asset_id}").json()["version"]
    response = editor_api.post(f"/assets/{asset_id}/revert", {"change_id": change_id, "version": version})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Old" and body["key"] == "truck-1"
    assert body["custom_fields"] == {"license_plate": "HH-1", "fuel_capacity_l": 300}
    assert body["version"] == version + 1
    newest = _entries(editor_api, asset_id)[0]
    assert newest["action"] == "update"
    assert newest["before"]["title"] == "New" and newest["after"]["title"] == "Old"


def test_revert_with_a_stale_version_is_a_conflict_and_changes_nothing(edited, editor_api):
    asset_id, change_id = edited
    before = editor_api.get(f"/assets/{asset_id}").json()
    response = editor_api.post(f"/assets/{asset_id}/revert", {"change_id": change_id, "version": before["version"] - 1})
    assert_problem(response, 409, "CONFLICT")
    assert editor_api.get(f"/assets/{asset_id}").json() == before


def test_revert_refused_with_the_reason_when_a_value_no_longer_fits_the_type(edited, editor_api, admin_api, truck_type):
    asset_id, change_id = edited
    assert admin_api.delete(f"/asset-types/{truck_type.pk}/fields/fuel_capacity_l").status_code == 200
    before = editor_api.get(f"/assets/{asset_id}").json()
    problem = assert_problem(editor_api.post(f"/assets/{asset_id}/revert", {"change_id": change_id}), 400)
    assert "can't be reverted" in problem["detail"]
    assert {"field": "custom_fields.fuel_capacity_l", "message": "is not a field of type delivery_truck"} in problem["errors"]
    assert editor_api.get(f"/assets/{asset_id}").json() == before


def test_revert_needs_a_change_of_that_asset_that_is_not_its_deletion(edited, editor_api, org, truck_type):
    asset_id, change_id = edited
    other = editor_api.post("/assets", truck_body(org, truck_type, title="Other")).json()
    assert_problem(editor_api.post(f"/assets/{other['id']}/revert", {"change_id": change_id}), 404)
    assert_problem(editor_api.post(f"/assets/{asset_id}/revert", {"change_id": 99999999}), 404)
    assert_problem(editor_api.post(f"/assets/{asset_id}/revert", {"change_id": "x"}), 400)
    assert_problem(editor_api.post(f"/assets/{asset_id}/revert", {}), 400)


def test_revert_of_an_invisible_asset_is_404_and_a_viewer_gets_403(edited, viewer_api, outsider_api):
    asset_id, change_id = edited
    problem = assert_problem(outsider_api.post(f"/assets/{asset_id}/revert", {"change_id": change_id}), 404)
    assert "truck-1" not in str(problem) and "Old" not in str(problem)
    assert_problem(viewer_api.post(f"/assets/{asset_id}/revert", {"change_id": change_id}), 403)


@pytest.fixture
def deleted(org, truck_type, editor_api, admin_api, tracker):
    """A truck with a tracker (primary) and in a group, then deleted; returns (delete entry id, asset)."""
    asset = editor_api.post("/assets", truck_body(
        org, truck_type, title="Gone", key="gone-1",
        custom_fields={"set": {"license_plate": "HH-9", "fuel_capacity_l": 50, "tracker": tracker.pk},
                       "set_primary": ["tracker"]},
    )).json()
    group = admin_api.post("/groups", {"organization_id": org.pk, "title": "Fleet", "asset_ids": [asset["id"]]}).json()
    assert admin_api.delete(f"/assets/{asset['id']}").status_code == 204
    entry = editor_api.get("/changes", {"action": "delete", "object_type": "asset"}).json()["items"][0]
    assert entry["object_id"] == asset["id"]
    return entry["id"], asset, group


def test_restore_re_creates_the_asset_with_its_fields_devices_and_groups(deleted, editor_api, tracker):
    change_id, old, group = deleted
    response = editor_api.post(f"/changes/{change_id}/restore")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["restore_report"] == []
    assert (body["key"], body["title"], body["type"]["id"]) == ("gone-1", "Gone", old["type"]["id"])
    assert body["custom_fields"] == {"license_plate": "HH-9", "fuel_capacity_l": 50, "tracker": tracker.pk}
    assert [d["id"] for d in body["devices"]] == [tracker.pk] and body["primary_device"]["id"] == tracker.pk
    assert [g["id"] for g in body["groups"]] == [group["id"]]
    assert editor_api.get(f"/assets/{body['id']}").json()["groups"] == body["groups"]


def test_restore_reports_what_could_not_come_back(deleted, editor_api, admin_api, org, truck_type, tracker):
    change_id, _, group = deleted
    editor_api.post("/assets", truck_body(org, truck_type, title="Taker", custom_fields={"set": {
        "license_plate": "HH-3", "tracker": tracker.pk}}))
    assert admin_api.delete(f"/asset-types/{truck_type.pk}/fields/fuel_capacity_l").status_code == 200
    assert admin_api.delete(f"/groups/{group['id']}").status_code == 204
    response = editor_api.post(f"/changes/{change_id}/restore")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["custom_fields"] == {"license_plate": "HH-9"} and body["devices"] == [] and body["groups"] == []
    fields = {note["field"]: note["message"] for note in body["restore_report"]}
    assert fields["custom_fields.tracker"] == f"device {tracker.pk} is now linked to another asset"
    assert fields["custom_fields.fuel_capacity_l"] == "is no longer a field of type delivery_truck"
    assert "does not exist" in fields["groups"]


def test_restore_when_the_key_is_taken_by_a_new_asset_is_409(deleted, editor_api, org, truck_type):
    change_id, _, _ = deleted
    editor_api.post("/assets", truck_body(org, truck_type, key="gone-1"))
    assert_problem(editor_api.post(f"/changes/{change_id}/restore"), 409, "DUPLICATE")
    assert editor_api.get("/assets", {"key": "gone-1", "count": "true"}).json()["total_count"] == 1


def test_restoring_twice_is_refused_by_the_key(deleted, editor_api):
    change_id, _, _ = deleted
    assert editor_api.post(f"/changes/{change_id}/restore").status_code == 201
    assert_problem(editor_api.post(f"/changes/{change_id}/restore"), 409, "DUPLICATE")


def test_restore_needs_the_right_to_create_assets_and_never_names_what_is_hidden(
    deleted, viewer_api, outsider_api, editor_api, org, truck_type
):
    change_id, _, _ = deleted
    problem = assert_problem(outsider_api.post(f"/changes/{change_id}/restore"), 404)
    assert "gone-1" not in str(problem) and "Gone" not in str(problem)
    assert outsider_api.get("/changes", {"action": "delete", "count": "true"}).json()["total_count"] == 0
    assert_problem(viewer_api.post(f"/changes/{change_id}/restore"), 403)
    # Holding one asset of the organization doesn't make its deleted ones visible.
    from tests.factories import grant

    holder = make_user("holder")
    grant(holder, "change_asset", make_asset(org, truck_type, "Mine"))
    assert_problem(ApiClient(holder).post(f"/changes/{change_id}/restore"), 404)
    create_entry = editor_api.get("/changes", {"action": "create", "object_type": "asset"}).json()["items"][0]
    assert_problem(editor_api.post(f"/changes/{create_entry['id']}/restore"), 404)
    assert_problem(editor_api.get("/changes", {"action": "purge"}), 400)
