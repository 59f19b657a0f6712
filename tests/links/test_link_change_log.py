"""The change log never shows a link whose far end the user may not view (issue 13 #5): not in
GET /changes, not in one link's history, not on the change-log pages."""

from __future__ import annotations

from django.test import Client

from assets.models import ChangeLogEntry
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user


def test_entries_of_a_link_to_a_hidden_asset_are_not_shown(arch, building, editor, editor_api):
    vault = make_org("vault")
    secret = make_asset(vault, make_type(vault, "safe"), "Secret safe", key="secret-safe")
    root = ApiClient(make_user("root", superuser=True))
    hidden = root.post("/links", {"link_type": "related", "source_id": building.pk, "target_id": secret.pk,
                                  "tags": ["SECRET-TAG"], "properties": {"code": "SECRET-PROP"}}).json()["id"]
    root.patch(f"/links/{hidden}", {"description": "SECRET-DESCRIPTION"})
    floor = make_asset(arch, building.type, "Annex")
    shown = editor_api.post("/links", {"link_type": "related", "source_id": building.pk, "target_id": floor.pk}).json()["id"]
    assert ChangeLogEntry.objects.filter(object_type="link", object_id=hidden).count() == 2

    listed = editor_api.get("/changes", {"object_type": "link"}).json()["items"]
    assert [item["object_id"] for item in listed] == [shown]
    assert editor_api.get("/changes", {"object_type": "link", "object_id": hidden}).json()["items"] == []
    assert "SECRET" not in editor_api.get("/changes").content.decode()

    pages = Client()
    pages.force_login(editor)
    assert pages.get(f"/changes/link/{hidden}/").status_code == 404
    for url in ("/changes/", "/changes/?object_type=link"):
        body = pages.get(url).content.decode()
        assert "SECRET" not in body and f"/changes/link/{shown}/" in body

    # Deleted with the hidden asset: the delete entry stays hidden too.
    root.delete(f"/assets/{secret.pk}")
    assert [item["object_id"] for item in editor_api.get("/changes", {"object_type": "link"}).json()["items"]] == [shown]


def test_links_of_a_deleted_asset_of_an_organization_the_user_sees_whole_stay_in_the_log(arch, building, floors):
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", arch)
    root = ApiClient(make_user("root", superuser=True))
    link_id = root.post("/links", {"link_type": "related", "source_id": building.pk, "target_id": floors[0].pk}).json()["id"]
    root.delete(f"/assets/{floors[0].pk}")
    actions = [item["action"] for item in ApiClient(viewer).get("/changes", {"object_type": "link", "object_id": link_id}).json()["items"]]
    assert actions == ["delete", "create"]
