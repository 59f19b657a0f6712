"""Seed 000 (Navixy asset links) replayed against /compat/navixy/: create, set, read, list,
unset and delete of asset links (our groups), with Navixy's error shape."""

from __future__ import annotations

import pytest

from groups.models import AssetGroup, GroupMembership
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

BASE = "/compat/navixy/"


@pytest.fixture
def fleet(db):
    return make_org("boston-fleet", title="Boston fleet")


@pytest.fixture
def boats(fleet):
    boat = make_type(fleet, "boat")
    return [make_asset(fleet, boat, f"Boat {n}", key=f"boat-{n}") for n in range(1, 4)]


@pytest.fixture
def manager(fleet):
    user = make_user("manager")
    grant(user, "manage_org", fleet)
    grant(user, "change_org_assets", fleet)
    return user


@pytest.fixture
def navixy(compat, manager):
    return compat(BASE, manager)


def create(client, label, ids) -> int:
    response = client.post("asset_link/create", {"label": label, "asset_ids": ids})
    assert response.status_code == 200, response.content
    return response.json()["id"]


def test_seed_walkthrough(navixy, manager, boats):
    response = navixy.post("asset_link/create", {"label": "Boston boats", "asset_ids": [boats[0].pk]})
    assert response.status_code == 200
    assert list(response.json()) == ["id"]
    link_id = response.json()["id"]
    group = AssetGroup.objects.get(pk=link_id)
    assert group.title == "Boston boats"

    response = navixy.post("asset_link/set", {"link_id": link_id, "asset_id": boats[1].pk})
    assert response.status_code == 200
    read = navixy.post("asset_link/read", {"link_id": link_id}).json()
    assert read == {"id": link_id, "label": "Boston boats", "asset_ids": [boats[0].pk, boats[1].pk],
                    "created_at": group.created_at.isoformat()}
    assert navixy.post("asset_link/list", {}).json() == {"list": [read]}
    # What the dialect wrote is what the REST API reads.
    rest = ApiClient(manager).get(f"/groups/{link_id}").json()
    assert rest["title"] == "Boston boats"
    members = ApiClient(manager).get("/assets", {"group_id": link_id}).json()["items"]
    assert sorted(a["id"] for a in members) == [boats[0].pk, boats[1].pk]

    assert navixy.post("asset_link/unset", {"link_id": link_id, "asset_id": boats[0].pk}).status_code == 200
    assert navixy.post("asset_link/read", {"link_id": link_id}).json()["asset_ids"] == [boats[1].pk]
    assert navixy.post("asset_link/delete", {"link_id": link_id}).status_code == 200
    assert not AssetGroup.objects.exists()
    response = navixy.post("asset_link/read", {"link_id": link_id})
    assert response.status_code == 404
    assert response.json() == {"success": False, "status": {"code": 201, "description": f"asset link {link_id} does not exist"}}


def test_assets_of_two_organizations_are_a_400(navixy, manager, boats):
    other = make_org("other")
    grant(manager, "manage_org", other)
    stranger = make_asset(other, make_type(other, "boat"), "Stranger")
    response = navixy.post("asset_link/create", {"label": "Mixed", "asset_ids": [boats[0].pk, stranger.pk]})
    assert response.status_code == 400
    assert response.json()["success"] is False and response.json()["status"]["code"] == 7
    assert not AssetGroup.objects.exists()


@pytest.mark.parametrize("body", [
    {"label": "x", "asset_ids": []},
    {"label": "x", "asset_ids": [999999]},
    {"label": "", "asset_ids": "BOATS"},
    {"label": "   ", "asset_ids": None},
    {"asset_ids": [1]},
    {"label": "x", "asset_ids": [1], "colour": "red"},
])
def test_bad_create_is_a_400(navixy, boats, body):
    if body.get("asset_ids") == [1]:
        body = {**body, "asset_ids": [boats[0].pk]}
    response = navixy.post("asset_link/create", body)
    assert response.status_code == 400, response.content
    assert response.json()["status"]["code"] == 7
    assert not AssetGroup.objects.exists()


def test_blank_label_is_a_400(navixy, boats):
    response = navixy.post("asset_link/create", {"label": "  ", "asset_ids": [boats[0].pk]})
    assert response.status_code == 400 and not AssetGroup.objects.exists()


def test_unknown_link_and_asset(navixy, boats):
    link_id = create(navixy, "Boats", [boats[0].pk])
    for path, body in [("asset_link/set", {"link_id": 999999, "asset_id": boats[1].pk}),
                       ("asset_link/unset", {"link_id": 999999, "asset_id": boats[0].pk}),
                       ("asset_link/delete", {"link_id": 999999}),
                       ("asset_link/read", {"link_id": -1})]:
        assert navixy.post(path, body).status_code == 404, path
    response = navixy.post("asset_link/set", {"link_id": link_id, "asset_id": 999999})
    assert response.status_code == 400
    assert navixy.post("asset_link/unset", {"link_id": link_id, "asset_id": boats[2].pk}).status_code == 404
    assert navixy.post("asset_link/set", {"link_id": "x", "asset_id": 1}).status_code == 400


def test_hidden_members_are_never_named(compat, navixy, fleet, boats):
    link_id = create(navixy, "Boats", [boats[0].pk, boats[1].pk])
    partial = make_user("partial")
    grant(partial, "view_group", AssetGroup.objects.get(pk=link_id))
    grant(partial, "view_asset", boats[0])
    client = compat(BASE, partial)
    assert client.post("asset_link/read", {"link_id": link_id}).json()["asset_ids"] == [boats[0].pk]
    assert client.post("asset_link/list", {}).json()["list"][0]["asset_ids"] == [boats[0].pk]
    # Setting a hidden asset reads like a missing one.
    hidden = client.post("asset_link/set", {"link_id": link_id, "asset_id": boats[2].pk})
    missing = client.post("asset_link/set", {"link_id": link_id, "asset_id": 999999})
    assert hidden.status_code == missing.status_code
    # Groups the user can't see are not listed or readable.
    outsider = make_user("outsider")
    assert compat(BASE, outsider).post("asset_link/list", {}).json() == {"list": []}
    assert compat(BASE, outsider).post("asset_link/read", {"link_id": link_id}).status_code == 404


def test_view_only_is_403(compat, navixy, fleet, boats):
    link_id = create(navixy, "Boats", [boats[0].pk])
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", fleet)
    client = compat(BASE, viewer)
    assert client.post("asset_link/read", {"link_id": link_id}).status_code == 200
    for path, body in [("asset_link/set", {"link_id": link_id, "asset_id": boats[1].pk}),
                       ("asset_link/unset", {"link_id": link_id, "asset_id": boats[0].pk}),
                       ("asset_link/delete", {"link_id": link_id}),
                       ("asset_link/create", {"label": "Mine", "asset_ids": [boats[1].pk]})]:
        response = client.post(path, body)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["status"]["code"] == 11
    assert list(GroupMembership.objects.values_list("asset_id", flat=True)) == [boats[0].pk]


def test_anonymous_is_401(compat):
    response = compat(BASE).post("asset_link/list", {})
    assert response.status_code == 401 and response.json()["status"]["code"] == 4


def test_ids_beyond_64_bits_are_4xx(navixy, boats):
    huge = 2**70
    for path, body in [("asset_link/create", {"label": "x", "asset_ids": [huge]}),
                       ("asset_link/create", {"label": "x", "asset_ids": [boats[0].pk, huge]}),
                       ("asset_link/read", {"link_id": huge}),
                       ("asset_link/set", {"link_id": huge, "asset_id": huge})]:
        response = navixy.post(path, body)
        assert 400 <= response.status_code < 500, (path, response.content)
    assert not AssetGroup.objects.exists()
