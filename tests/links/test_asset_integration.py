"""Links and the rest of the repository: asset deletion takes the links along (logged), GET
/assets?linked_to= lists an asset's neighbours, and every link write is in the change log."""

from __future__ import annotations

import pytest

from assets.models import ChangeLogEntry
from links.models import Link
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_user

from .conftest import make_link

pytestmark = pytest.mark.django_db


def test_deleting_an_asset_removes_its_links_and_logs_them(arch, building, floors):
    owner = make_user("owner")
    grant(owner, "change_org_assets", arch)
    grant(owner, "delete_org_assets", arch)
    outgoing = make_link("parent_child", building, floors[0], alias="floor-1")
    incoming = make_link("related", floors[1], building)
    unrelated = make_link("attachment", floors[1], floors[2])
    response = ApiClient(owner).delete(f"/assets/{building.pk}")
    assert response.status_code == 204, response.content
    assert set(Link.objects.values_list("pk", flat=True)) == {unrelated.pk}
    logged = ChangeLogEntry.objects.filter(object_type="link", action="delete")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted([outgoing.pk, incoming.pk])
    entry = logged.get(object_id=outgoing.pk)
    assert entry.before["alias"] == "floor-1" and entry.user == owner
    assert ApiClient(owner).get(f"/assets/{floors[0].pk}/links").json()["parents"] == []


def test_failed_asset_deletion_keeps_the_links(arch, building, floors):
    owner = make_user("owner")
    grant(owner, "delete_org_assets", arch)
    link = make_link("parent_child", building, floors[0])
    stale = ApiClient(owner).delete(f"/assets/{building.pk}?version=7")
    assert stale.status_code == 409
    assert Link.objects.filter(pk=link.pk).exists()
    assert not ChangeLogEntry.objects.filter(object_type="link").exists()


def test_assets_linked_to_an_asset_in_either_direction(editor_api, arch, building, floors, floor_type):
    lonely = make_asset(arch, floor_type, "Lonely", key="lonely")
    make_link("parent_child", building, floors[0])
    make_link("related", floors[1], building)
    make_link("parent_child", building, floors[2], alias="a")
    make_link("parent_child", building, floors[2], alias="b")
    body = editor_api.get("/assets", {"linked_to": building.pk}).json()
    assert sorted(item["key"] for item in body["items"]) == ["floor-1", "floor-2", "floor-3"]
    assert editor_api.get("/assets", {"linked_to": lonely.pk}).json()["items"] == []
    assert editor_api.get("/assets", {"linked_to": "x"}).status_code == 400


def test_linked_to_a_hidden_asset_finds_nothing(arch, building, floors):
    viewer = make_user("viewer")
    for floor in floors:
        grant(viewer, "view_asset", floor)
    make_link("parent_child", building, floors[0])
    api = ApiClient(viewer)
    assert api.get("/assets", {"linked_to": building.pk}).json()["items"] == []
    grant(viewer, "view_asset", building)
    assert [item["key"] for item in api.get("/assets", {"linked_to": building.pk}).json()["items"]] == ["floor-1"]


def test_link_writes_are_in_the_change_log_api(editor_api, building, floors):
    created = editor_api.post("/links", {"link_type": "related", "source_id": building.pk, "target_id": floors[0].pk})
    link_id = created.json()["id"]
    editor_api.patch(f"/links/{link_id}", {"description": "twins"})
    changes = editor_api.get("/changes", {"object_type": "link", "object_id": link_id}).json()["items"]
    assert [change["action"] for change in changes] == ["update", "create"]
    assert changes[0]["before"]["description"] == "" and changes[0]["after"]["description"] == "twins"
