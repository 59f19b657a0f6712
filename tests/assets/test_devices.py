"""/devices: managed with manage_org, identifiers unique per organization, linked filter."""

from __future__ import annotations

from assets.models import ChangeLogEntry, Device
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_device, make_org, make_user

from .helpers import assert_problem, truck_body


def test_manager_registers_updates_and_deletes_a_device(org, manager_api, manager):
    created = manager_api.post("/devices", {"organization_id": org.pk, "title": "GPS Unit #117",
                                            "identifier": "356938035643809"})
    assert created.status_code == 201, created.content
    device = created.json()
    assert device == {**device, "title": "GPS Unit #117", "asset": None, "linked": False, "version": 1}
    patched = manager_api.patch(f"/devices/{device['id']}", {"version": 1, "title": "GPS #117"})
    assert patched.json()["title"] == "GPS #117" and patched.json()["version"] == 2
    assert_problem(manager_api.patch(f"/devices/{device['id']}", {"version": 1, "title": "Stale"}), 409, "CONFLICT")
    assert manager_api.delete(f"/devices/{device['id']}?version=2").status_code == 204
    actions = list(ChangeLogEntry.objects.filter(object_type="device").order_by("id").values_list("action", "user_id"))
    assert actions == [("create", manager.pk), ("update", manager.pk), ("delete", manager.pk)]


def test_devices_need_manage_org(org, tracker, viewer_api, editor_api, outsider_api):
    body = {"organization_id": org.pk, "title": "X", "identifier": "1"}
    assert_problem(viewer_api.post("/devices", body), 403, "FORBIDDEN")
    assert_problem(editor_api.post("/devices", body), 403, "FORBIDDEN")
    assert_problem(outsider_api.post("/devices", body), 404, "NOT_FOUND")
    assert viewer_api.get(f"/devices/{tracker.pk}").status_code == 200
    assert_problem(viewer_api.patch(f"/devices/{tracker.pk}", {"title": "x"}), 403, "FORBIDDEN")
    assert_problem(viewer_api.delete(f"/devices/{tracker.pk}"), 403, "FORBIDDEN")
    assert_problem(outsider_api.get(f"/devices/{tracker.pk}"), 404, "NOT_FOUND")
    assert_problem(outsider_api.delete(f"/devices/{tracker.pk}"), 404, "NOT_FOUND")


def test_identifier_is_unique_per_organization(org, tracker, admin_api):
    body = {"organization_id": org.pk, "title": "Copy", "identifier": tracker.identifier}
    assert_problem(admin_api.post("/devices", body), 409, "DUPLICATE")
    other = make_org("other")
    assert admin_api.post("/devices", {**body, "organization_id": other.pk}).status_code == 201
    spare = make_device(org)
    assert_problem(admin_api.patch(f"/devices/{spare.pk}", {"identifier": tracker.identifier}), 409, "DUPLICATE")
    assert_problem(admin_api.post("/devices", {**body, "identifier": ""}), 400, "VALIDATION_ERROR")


def test_linked_filter_and_reverse_lookup(org, truck_type, tracker, spare_tracker, admin_api):
    asset = admin_api.post("/assets", truck_body(org, truck_type, custom_fields={
        "license_plate": "HH-TL 4421", "tracker": tracker.pk})).json()
    linked = admin_api.get("/devices", {"linked": "true"}).json()["items"]
    assert [(d["id"], d["asset"]) for d in linked] == [(tracker.pk, {"id": asset["id"], "title": asset["title"]})]
    free = admin_api.get("/devices", {"linked": "false", "organization_id": org.pk}).json()["items"]
    assert [d["id"] for d in free] == [spare_tracker.pk]
    by_identifier = admin_api.get("/devices", {"identifier": spare_tracker.identifier, "count": "true"}).json()
    assert by_identifier["total_count"] == 1
    assert "total_count" not in admin_api.get("/devices").json()
    assert admin_api.get(f"/devices/{tracker.pk}").json()["linked"] is True


def test_a_linked_device_cannot_be_deleted(org, truck_type, tracker, admin_api):
    admin_api.post("/assets", truck_body(org, truck_type, custom_fields={"license_plate": "A", "tracker": tracker.pk}))
    assert_problem(admin_api.delete(f"/devices/{tracker.pk}"), 409, "IN_USE")
    assert Device.objects.filter(pk=tracker.pk).exists()


def test_device_visibility(org, truck_type, tracker):
    elsewhere = make_org("elsewhere")
    foreign = make_device(elsewhere)
    viewer = make_user()
    grant(viewer, "view_org_assets", org)
    ids = {d["id"] for d in ApiClient(viewer).get("/devices").json()["items"]}
    assert tracker.pk in ids and foreign.pk not in ids
    # Someone who sees one asset sees its devices, not the organization's others.
    asset = make_asset(org, truck_type, custom_fields={"license_plate": "X"})
    from assets.models import AssetDeviceLink

    AssetDeviceLink.objects.create(asset=asset, device=tracker, field_code="tracker")
    spare = make_device(org)
    one_asset = make_user()
    grant(one_asset, "view_asset", asset)
    ids = {d["id"] for d in ApiClient(one_asset).get("/devices").json()["items"]}
    assert ids == {tracker.pk}
    assert_problem(ApiClient(one_asset).get(f"/devices/{spare.pk}"), 404)


def test_device_list_parameters_are_checked(admin_api):
    assert_problem(admin_api.get("/devices", {"linked": "perhaps"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/devices", {"imei": "1"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/devices", {"cursor": "x"}), 400, "VALIDATION_ERROR")
