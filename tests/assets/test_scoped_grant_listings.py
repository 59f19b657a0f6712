"""An organization-scoped token lists only what its scope allows (issue 13): GET /permissions
names no grant of another organization, not even the user's own, and GET /me tells the account's
status and the token's limits."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as Team

from tests.factories import grant, make_user

from .helpers import assert_problem
from .test_token_scopes import fast_password_hashing, token_for, two_orgs  # noqa: F401  (fixtures)


@pytest.fixture
def orgs(two_orgs):  # noqa: F811  (the imported fixture, by name)
    return two_orgs


def _grant_world(orgs):
    north, south = orgs["north"], orgs["south"]
    alice = make_user("alice")
    for org in (north, south):
        grant(alice, "view_org_assets", org["org"])
        grant(alice, "change_asset", org["assets"][0])
        grant(alice, "groups.view_group", org["group"])
    night = Team.objects.create(name="night shift")
    grant(night, "view_org_assets", south["org"])
    grant(night, "change_asset", south["assets"][1])
    return alice, night


def _organizations_of(items, orgs) -> set[str]:
    by_object = {}
    for key in ("north", "south"):
        world = orgs[key]
        by_object[("organization", world["org"].pk)] = key
        by_object[("group", world["group"].pk)] = key
        for asset in world["assets"]:
            by_object[("asset", asset.pk)] = key
    return {by_object[(item["object_type"], item["object_id"])] for item in items}


def _all_pages(api, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        response = api.get("/permissions", {**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        if not body["page_info"]["has_next_page"]:
            return items
        cursor = body["page_info"]["end_cursor"]


def test_a_scoped_superuser_token_lists_grants_of_its_organizations_only(orgs):
    alice, night = _grant_world(orgs)
    make_user("boss", superuser=True)
    _, full = token_for("boss")
    assert _organizations_of(_all_pages(full), orgs) == {"north", "south"}
    _, scoped = token_for("boss", organization_ids=[orgs["north"]["org"].pk])
    items = _all_pages(scoped)
    assert items and _organizations_of(items, orgs) == {"north"}
    assert not [item for item in items if item.get("team_id") == night.pk]  # the team holds grants in south only
    for object_type in ("organization", "asset", "group"):
        assert _organizations_of(_all_pages(scoped, object_type=object_type), orgs) == {"north"}
    south_asset = orgs["south"]["assets"][0].pk
    assert _all_pages(scoped, object_id=south_asset, object_type="asset") == []
    assert _organizations_of(_all_pages(scoped, user_id=alice.pk), orgs) == {"north"}


def test_a_scoped_token_lists_its_users_own_grants_of_its_organizations_only(orgs):
    alice, _ = _grant_world(orgs)
    _, full = token_for("alice")
    assert _organizations_of(_all_pages(full), orgs) == {"north", "south"}  # one's own grants
    _, scoped = token_for("alice", organization_ids=[orgs["north"]["org"].pk])
    assert _organizations_of(_all_pages(scoped), orgs) == {"north"}


def test_me_tells_the_account_and_the_tokens_limits(orgs):
    make_user("boss", superuser=True)
    north = orgs["north"]["org"]
    _, scoped = token_for("boss", organization_ids=[north.pk], read_only=True)
    me = scoped.get("/me").json()
    # The account is a superuser; the token acts within north only, read-only.
    assert me["user"]["is_superuser"] is True
    assert me["token"]["organization_ids"] == [north.pk] and me["token"]["read_only"] is True
    assert [m["organization"]["id"] for m in me["memberships"]] == [north.pk]
    assert_problem(scoped.get("/users"), 403, "FORBIDDEN")  # no superuser shortcut however it reads
    created, full = token_for("boss")
    me = full.get("/me").json()
    assert me["user"]["is_superuser"] is True
    assert me["token"] == {"id": created["id"], "read_only": False, "organization_ids": []}
