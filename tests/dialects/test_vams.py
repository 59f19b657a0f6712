"""Seed 001 (AWS VAMS asset links) replayed against /compat/vams/, ids substituted: the seed's
bodies, responses and messages, its error table, and what the REST API reads afterwards."""

from __future__ import annotations

import pytest

from links.models import Link
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_user

BASE = "/compat/vams/"
SEED_CREATE = {
    "fromAssetId": "building-model",
    "fromAssetDatabaseId": "architecture-db",
    "toAssetId": "floor-3",
    "toAssetDatabaseId": "architecture-db",
    "relationshipType": "parentChild",
    "assetLinkAliasId": "floor-3",
    "tags": ["structural", "active"],
}


@pytest.fixture
def vams(compat, editor):
    return compat(BASE, editor)


def link_body(source, target, relationship="parentChild", **extra):
    return {
        "fromAssetId": source.key, "fromAssetDatabaseId": source.organization.key,
        "toAssetId": target.key, "toAssetDatabaseId": target.organization.key,
        "relationshipType": relationship, **extra,
    }


def create(client, body) -> str:
    response = client.post("asset-links", body)
    assert response.status_code == 200, response.content
    return response.json()["assetLinkId"]


def test_seed_walkthrough(vams, editor, building, floors):
    response = vams.post("asset-links", SEED_CREATE)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Asset link created successfully"
    link_id = body["assetLinkId"]
    assert isinstance(link_id, str) and Link.objects.filter(pk=int(link_id)).exists()

    single = vams.get(f"asset-links/single/{link_id}")
    assert single.status_code == 200
    assert single.json() == {"assetLink": {"assetLinkId": link_id, **SEED_CREATE}}

    response = vams.put(f"asset-links/{link_id}", {"tags": ["structural", "active", "reviewed"],
                                                   "assetLinkAliasId": "floor-3-updated"})
    assert response.status_code == 200
    assert response.json() == {"message": "Asset link updated successfully"}
    # What the dialect wrote is what the REST API reads.
    rest = ApiClient(editor).get(f"/links/{link_id}").json()
    assert rest["alias"] == "floor-3-updated"
    assert rest["tags"] == ["structural", "active", "reviewed"]
    assert rest["link_type"]["code"] == "parent_child"
    assert (rest["source"]["key"], rest["target"]["key"]) == ("building-model", "floor-3")

    response = vams.delete(f"asset-links/{link_id}")
    assert response.status_code == 200
    assert response.json() == {"message": "Asset link deleted successfully"}
    assert ApiClient(editor).get(f"/links/{link_id}").status_code == 404
    assert vams.get(f"asset-links/single/{link_id}").status_code == 404


def test_empty_alias_in_put_removes_it(vams, building, floors):
    link_id = create(vams, link_body(building, floors[0], assetLinkAliasId="wing-a"))
    assert vams.put(f"asset-links/{link_id}", {"tags": [], "assetLinkAliasId": ""}).status_code == 200
    assert Link.objects.get(pk=link_id).alias is None


def test_flat_view_groups_related_parents_and_children(vams, arch, floor_type, building, floors):
    campus = make_asset(arch, floor_type, "Campus", key="campus")
    create(vams, link_body(campus, building, assetLinkAliasId="wing-a"))
    child = create(vams, link_body(building, floors[0], assetLinkAliasId="hvac"))
    related = create(vams, link_body(building, floors[1], "related"))
    response = vams.get("database/architecture-db/assets/building-model/asset-links")
    assert response.status_code == 200
    body = response.json()
    assert body["related"] == [{"assetId": "floor-2", "assetName": "Floor 2", "databaseId": "architecture-db",
                                "assetLinkId": related, "assetLinkAliasId": None}]
    assert [(p["assetId"], p["assetLinkAliasId"]) for p in body["parents"]] == [("campus", "wing-a")]
    assert body["children"] == [{"assetId": "floor-1", "assetName": "Floor 1", "databaseId": "architecture-db",
                                 "assetLinkId": child, "assetLinkAliasId": "hvac"}]
    assert body["unauthorizedCounts"] == {"related": 0, "parents": 0, "children": 0}


def test_tree_view_nests_children(vams, arch, floor_type, building, floors):
    room = make_asset(arch, floor_type, "Conference Room A", key="room-101")
    first = create(vams, link_body(building, floors[0], assetLinkAliasId="floor-1"))
    second = create(vams, link_body(floors[0], room))
    response = vams.get("database/architecture-db/assets/building-model/asset-links", {"childTreeView": "true"})
    assert response.status_code == 200
    assert response.json()["children"] == [{
        "assetId": "floor-1", "assetName": "Floor 1", "databaseId": "architecture-db",
        "assetLinkId": first, "assetLinkAliasId": "floor-1",
        "children": [{"assetId": "room-101", "assetName": "Conference Room A", "databaseId": "architecture-db",
                      "assetLinkId": second, "assetLinkAliasId": None, "children": []}],
    }]


def test_hidden_assets_are_counted_never_named(compat, building, floors, editor):
    vams = compat(BASE, editor)
    create(vams, link_body(building, floors[0]))
    create(vams, link_body(building, floors[1]))
    partial = make_user("partial")
    grant(partial, "change_asset", building)
    grant(partial, "view_asset", floors[0])
    response = compat(BASE, partial).get("database/architecture-db/assets/building-model/asset-links")
    body = response.json()
    assert [c["assetId"] for c in body["children"]] == ["floor-1"]
    assert body["unauthorizedCounts"]["children"] == 1
    assert b"floor-2" not in response.content and b"Floor 2" not in response.content


def test_hidden_asset_is_reported_like_a_missing_one(compat, building, floors):
    partial = make_user("partial")
    grant(partial, "change_asset", building)
    client = compat(BASE, partial)
    hidden = client.post("asset-links", link_body(building, floors[0]))
    missing = client.post("asset-links", {**link_body(building, floors[0]), "toAssetId": "no-such-floor"})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == {"message": "Asset floor-1 not found in database architecture-db"}
    assert missing.json() == {"message": "Asset no-such-floor not found in database architecture-db"}
    assert str(floors[0].pk) not in hidden.json()["message"]
    # The asset's own links are a 404 for someone who can't see it.
    response = client.get("database/architecture-db/assets/floor-1/asset-links")
    assert response.status_code == 404 and set(response.json()) == {"message"}


@pytest.mark.parametrize("change, fragment", [
    ({"relationshipType": "sibling"}, "relationshipType"),
    ({"fromAssetId": 7}, "fromAssetId"),
    ({"tags": "structural"}, "tags"),
    ({"colour": "red"}, "colour"),
    ({"fromAssetDatabaseId": "no-such-db"}, "not found"),
    ({"toAssetId": "building-model"}, "itself"),
])
def test_invalid_create_is_a_400_message(vams, building, floors, change, fragment):
    response = vams.post("asset-links", {**link_body(building, floors[0]), **change})
    assert response.status_code == 400
    assert list(response.json()) == ["message"] and fragment in response.json()["message"]
    assert not Link.objects.exists()


def test_missing_field_and_malformed_json_are_400(vams, building, floors):
    body = link_body(building, floors[0])
    del body["toAssetId"]
    response = vams.post("asset-links", body)
    assert response.status_code == 400 and "toAssetId" in response.json()["message"]
    response = vams.client.post(f"{BASE}asset-links", "{not json", content_type="application/json", **vams.headers)
    assert response.status_code == 400 and "malformed JSON" in response.json()["message"]


def test_duplicate_is_a_400(vams, building, floors):
    create(vams, link_body(building, floors[0], assetLinkAliasId="floor-1"))
    response = vams.post("asset-links", link_body(building, floors[0], assetLinkAliasId="floor-1"))
    assert response.status_code == 400
    assert "exists" in response.json()["message"]
    # Another alias is another link (VAMS' aliases let one child hang under a parent twice).
    create(vams, link_body(building, floors[0], assetLinkAliasId="floor-1b"))
    related = link_body(floors[1], floors[2], "related")
    create(vams, related)
    response = vams.post("asset-links", link_body(floors[2], floors[1], "related"))
    assert response.status_code == 400


def test_alias_on_a_related_link_is_a_400(vams, building, floors):
    response = vams.post("asset-links", link_body(building, floors[0], "related", assetLinkAliasId="x"))
    assert response.status_code == 400 and "alias" in response.json()["message"]
    link_id = create(vams, link_body(building, floors[0], "related"))
    response = vams.put(f"asset-links/{link_id}", {"tags": [], "assetLinkAliasId": "x"})
    assert response.status_code == 400 and "alias" in response.json()["message"]


def test_cycle_is_a_400(vams, building, floors):
    create(vams, link_body(building, floors[0]))
    create(vams, link_body(floors[0], floors[1]))
    response = vams.post("asset-links", link_body(floors[1], building))
    assert response.status_code == 400
    assert "ancestor" in response.json()["message"]
    assert Link.objects.count() == 2


def test_alias_conflict_on_update_is_a_400(vams, building, floors):
    create(vams, link_body(building, floors[0], assetLinkAliasId="a"))
    second = create(vams, link_body(building, floors[0], assetLinkAliasId="b"))
    response = vams.put(f"asset-links/{second}", {"tags": [], "assetLinkAliasId": "a"})
    assert response.status_code == 400
    assert Link.objects.get(pk=second).alias == "b"


def test_view_only_user_gets_403_on_every_write(compat, vams, viewer, building, floors):
    link_id = create(vams, link_body(building, floors[0]))
    client = compat(BASE, viewer)
    assert client.get(f"asset-links/single/{link_id}").status_code == 200
    for response in (
        client.post("asset-links", link_body(building, floors[1])),
        client.put(f"asset-links/{link_id}", {"tags": ["x"]}),
        client.delete(f"asset-links/{link_id}"),
    ):
        assert response.status_code == 403, response.content
        assert list(response.json()) == ["message"]
    assert Link.objects.get(pk=link_id).tags == []


def test_change_on_one_end_only_is_a_403(compat, building, floors):
    half = make_user("half")
    grant(half, "change_asset", building)
    grant(half, "view_asset", floors[0])
    response = compat(BASE, half).post("asset-links", link_body(building, floors[0]))
    assert response.status_code == 403


@pytest.mark.parametrize("link_id", ["999999", "link-abc123", "0", "9" * 40])
def test_unknown_link_is_a_404(vams, link_id):
    for response in (
        vams.get(f"asset-links/single/{link_id}"),
        vams.put(f"asset-links/{link_id}", {"tags": []}),
        vams.delete(f"asset-links/{link_id}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"message": "Asset link not found"}


def test_link_with_a_hidden_end_is_a_404(compat, vams, building, floors):
    link_id = create(vams, link_body(building, floors[0]))
    partial = make_user("partial")
    grant(partial, "change_asset", building)
    assert compat(BASE, partial).get(f"asset-links/single/{link_id}").json() == {"message": "Asset link not found"}


def test_anonymous_is_401(compat, building):
    response = compat(BASE).get("database/architecture-db/assets/building-model/asset-links")
    assert response.status_code == 401 and set(response.json()) == {"message"}


def test_links_across_databases(vams, editor, building):
    other = make_org("other-db")
    grant(editor, "change_org_assets", other)
    from tests.factories import make_type

    remote = make_asset(other, make_type(other, "model"), "Remote", key="remote")
    link_id = create(vams, link_body(building, remote, "related"))
    body = vams.get(f"asset-links/single/{link_id}").json()["assetLink"]
    assert (body["toAssetDatabaseId"], body["toAssetId"]) == ("other-db", "remote")


def test_a_hidden_source_is_named_by_its_own_key(compat, building, floors):
    # The dialect tells the ends apart by the service's NotFound.entity_id, not its wording.
    partial = make_user("partial-target")
    grant(partial, "change_asset", floors[0])
    response = compat(BASE, partial).post("asset-links", link_body(building, floors[0]))
    assert response.status_code == 400
    assert response.json() == {"message": "Asset building-model not found in database architecture-db"}
    assert str(building.pk) not in response.json()["message"]
