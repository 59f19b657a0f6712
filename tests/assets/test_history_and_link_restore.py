"""The asset history spelled field by field (custom fields by title, devices by name, only the
visible ones), and a restored asset's links: back when both ends exist and the user may change
them, reported otherwise."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import PASSWORD, make_asset, make_device, make_org

from .helpers import truck_body


def _page(user, url):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_history_names_fields_by_title_and_devices_by_name_only_when_visible(org, truck_type, editor, editor_api,
                                                                                  admin_api, tracker):
    asset = editor_api.post("/assets", truck_body(org, truck_type, title="Diffed", key="diffed",
                                                  custom_fields={"set": {"license_plate": "HH-1"}})).json()
    patched = editor_api.patch(f"/assets/{asset['id']}", {"version": asset["version"], "custom_fields": {
        "set": {"license_plate": "HH-2", "tracker": tracker.pk}}})
    assert patched.status_code == 200, patched.content
    html = _page(editor, f"/changes/asset/{asset['id']}/")
    assert "License Plate <code" in html and "Tracker <code" in html
    assert tracker.title in html
    # a user who sees the asset but not the device's organization... sees the device as hidden
    other_org = make_org("hidden-devices")
    hidden = make_device(other_org, "Secret tracker 9", "SEC-9")
    from assets.models import ChangeLogEntry

    entry = ChangeLogEntry.objects.filter(object_type="asset", object_id=asset["id"], action="update").first()
    entry.after["custom_fields"]["tracker"] = hidden.pk
    entry.save(update_fields=["after"])
    html = _page(editor, f"/changes/asset/{asset['id']}/")
    assert "Secret tracker 9" not in html and "a device you can&#x27;t see" in html


@pytest.fixture
def linked(org, truck_type, editor_api, admin_api):
    gone = editor_api.post("/assets", truck_body(org, truck_type, title="Linked", key="linked-1")).json()
    friend = make_asset(org, truck_type, "Friend", key="friend", custom_fields={"license_plate": "F-1"})
    rival = make_org("rival-links")
    stranger = make_asset(rival, truck_type, "Stranger", key="stranger", custom_fields={"license_plate": "S-1"})
    for source, target in ((gone["id"], friend.pk), (stranger.pk, gone["id"])):
        answer = admin_api.post("/links", {"link_type": "related", "source_id": source, "target_id": target,
                                           "description": "kept"})
        assert answer.status_code == 201, answer.content
    assert admin_api.delete(f"/assets/{gone['id']}").status_code == 204
    entry = admin_api.get("/changes", {"action": "delete", "object_type": "asset"}).json()["items"][0]
    return entry["id"], friend, stranger


def test_restore_brings_back_the_links_the_user_may_change_and_reports_the_rest(linked, editor_api, admin_api):
    change_id, friend, stranger = linked
    body = editor_api.post(f"/changes/{change_id}/restore").json()
    notes = [n for n in body["restore_report"] if n["field"] == "links"]
    assert len(notes) == 1 and f"asset {stranger.pk}" in notes[0]["message"] and "Stranger" not in str(body)
    links = admin_api.get("/links", {"asset_id": body["id"]}).json()
    items = links["items"] if isinstance(links, dict) else links
    assert [(i["source"]["id"], i["target"]["id"], i["description"]) for i in items] == [(body["id"], friend.pk, "kept")]


def test_an_admin_restore_brings_back_every_link(linked, admin_api):
    change_id, friend, stranger = linked
    body = admin_api.post(f"/changes/{change_id}/restore").json()
    assert [n for n in body["restore_report"] if n["field"] == "links"] == []
    items = admin_api.get("/links", {"asset_id": body["id"]}).json()["items"]
    assert sorted((i["source"]["id"], i["target"]["id"]) for i in items) == sorted(
        [(body["id"], friend.pk), (stranger.pk, body["id"])])


def test_the_history_page_query_count_does_not_grow_with_entries(org, truck_type, editor, tracker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets.services.assets import update_asset

    asset = make_asset(org, truck_type, "Busy", key="busy", custom_fields={"license_plate": "B-0"})
    client = Client()
    assert client.login(username=editor.username, password=PASSWORD)
    counts = []
    for total in (10, 50):
        while asset.version < total:
            update_asset(editor, asset.pk, custom_fields={"set": {"license_plate": f"B-{asset.version}",
                                                                  "tracker": tracker.pk if asset.version % 2 else None}})
            asset.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/changes/asset/{asset.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
