"""/changes: every write is logged with who, when, before and after, and nobody reads entries
about objects they may not see."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import grant, make_org, make_user

from .helpers import assert_problem, truck_body


@pytest.fixture
def history(org, truck_type, admin_api):
    """A truck created, renamed and deleted, another one kept, and a device, all by the admin."""
    gone = admin_api.post("/assets", truck_body(org, truck_type, title="Gone")).json()
    admin_api.patch(f"/assets/{gone['id']}", {"title": "Going"})
    admin_api.delete(f"/assets/{gone['id']}")
    kept = admin_api.post("/assets", truck_body(org, truck_type, title="Kept")).json()
    device = admin_api.post("/devices", {"organization_id": org.pk, "title": "GPS", "identifier": "1"}).json()
    return {"gone": gone["id"], "kept": kept["id"], "device": device["id"]}


def test_every_write_is_logged_with_before_and_after(history, admin_api, superuser):
    entries = admin_api.get("/changes", {"object_type": "asset", "object_id": history["gone"]}).json()["items"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]  # newest first
    delete, update, create = entries
    assert create["before"] is None and create["after"]["title"] == "Gone"
    assert update["before"]["title"] == "Gone" and update["after"]["title"] == "Going"
    assert delete["before"]["title"] == "Going" and delete["after"] is None
    assert all(e["user_id"] == superuser.pk and e["user"] == "root" for e in entries)
    assert all(e["time"] and e["request_id"] for e in entries)
    assert len({e["request_id"] for e in entries}) == 3


def test_change_filters(history, admin_api, superuser, org):
    by_user = admin_api.get("/changes", {"user": "root", "count": "true"}).json()
    assert by_user["total_count"] == len(by_user["items"]) >= 5
    assert admin_api.get("/changes", {"user": str(superuser.pk)}).json()["items"] == by_user["items"]
    assert admin_api.get("/changes", {"user": "nobody"}).json()["items"] == []
    devices = admin_api.get("/changes", {"object_type": "device"}).json()["items"]
    assert [e["object_id"] for e in devices] == [history["device"]]
    assert "total_count" not in admin_api.get("/changes").json()
    in_org = admin_api.get("/changes", {"organization_id": org.pk}).json()["items"]
    assert {e["object_type"] for e in in_org} >= {"asset", "device"}
    assert_problem(admin_api.get("/changes", {"object": "asset"}), 400)
    assert_problem(admin_api.get("/changes", {"user": "99999999999999999999999"}), 400)


def test_changes_page_newest_first(history, admin_api):
    everything = [e["id"] for e in admin_api.get("/changes").json()["items"]]
    seen, cursor = [], None
    while True:
        body = admin_api.get("/changes", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [e["id"] for e in body["items"]]
        if not body["page_info"]["has_next_page"]:
            break
        cursor = body["page_info"]["end_cursor"]
    assert seen == everything == sorted(everything, reverse=True)


def test_the_change_log_does_not_leak_invisible_objects(history, org, truck_type, admin_api):
    from assets.models import Asset

    one_asset = make_user("one-asset")
    grant(one_asset, "view_asset", Asset.objects.get(pk=history["kept"]))
    entries = ApiClient(one_asset).get("/changes").json()["items"]
    assert {(e["object_type"], e["object_id"]) for e in entries} == {("asset", history["kept"])}

    elsewhere = make_org("elsewhere")
    stranger = make_user("stranger")
    grant(stranger, "view_org_assets", elsewhere)
    assert ApiClient(stranger).get("/changes").json()["items"] == []
    assert ApiClient(stranger).get("/changes", {"object_id": history["kept"]}).json()["items"] == []

    # An organization-wide viewer sees the whole history, deleted assets included.
    viewer = make_user("org-viewer")
    grant(viewer, "view_org_assets", org)
    seen = {(e["object_type"], e["object_id"]) for e in ApiClient(viewer).get("/changes").json()["items"]}
    assert ("asset", history["gone"]) in seen and ("device", history["device"]) in seen

    # manage_org without view rights: types and devices, but not the assets' data.
    manager = make_user("manager-only")
    grant(manager, "manage_org", org)
    kinds = {e["object_type"] for e in ApiClient(manager).get("/changes").json()["items"]}
    assert "asset" not in kinds and "device" in kinds
