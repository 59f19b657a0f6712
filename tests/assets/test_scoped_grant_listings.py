"""An organization-scoped token lists only what its scope allows (issue 13): GET /permissions
names no grant of another organization, not even the user's own, GET /teams and /teams/{id} no
team of another one (a team belongs to the organizations it holds grants in), and GET /me tells
the account's status and the token's limits."""

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


def _team_names(api) -> set[str]:
    response = api.get("/teams", {"limit": 1000})
    assert response.status_code == 200, response.content
    return {team["name"] for team in response.json()["items"]}


def test_a_scoped_token_lists_only_teams_of_its_organizations(orgs):
    alice, night = _grant_world(orgs)  # night holds grants in south only
    day = Team.objects.create(name="day shift")
    grant(day, "view_org_assets", orgs["north"]["org"])
    grant(day, "groups.view_group", orgs["south"]["group"])  # day is in both organizations
    lonely = Team.objects.create(name="no grants")
    for team in (night, day, lonely):
        team.user_set.add(alice)
    north, south = orgs["north"]["org"].pk, orgs["south"]["org"].pk

    _, full = token_for("alice")
    assert _team_names(full) == {"night shift", "day shift", "no grants"}  # one's own teams
    _, scoped = token_for("alice", organization_ids=[north])
    assert _team_names(scoped) == {"day shift"}
    assert_problem(scoped.get(f"/teams/{night.pk}"), 404, "NOT_FOUND")
    assert_problem(scoped.get(f"/teams/{lonely.pk}"), 404, "NOT_FOUND")
    assert scoped.get(f"/teams/{day.pk}").json()["member_ids"] == [alice.pk]
    _, south_only = token_for("alice", organization_ids=[south])
    assert _team_names(south_only) == {"night shift", "day shift"}

    # A manager of both organizations sees the teams with grants where it manages, within the scope.
    manager = make_user("manager")
    for org in (orgs["north"]["org"], orgs["south"]["org"]):
        grant(manager, "manage_org", org)
    _, managing = token_for("manager")
    assert _team_names(managing) == {"night shift", "day shift"}
    _, managing_north = token_for("manager", organization_ids=[north])
    assert _team_names(managing_north) == {"day shift"}

    # A superuser's scoped token is no superuser: teams of its organizations only, and no members
    # besides itself.
    make_user("boss", superuser=True)
    _, boss = token_for("boss")
    assert _team_names(boss) == {"night shift", "day shift", "no grants"}
    _, boss_north = token_for("boss", organization_ids=[north])
    assert _team_names(boss_north) == {"day shift"}
    assert scoped.get("/teams", {"count": "true"}).json()["total_count"] == 1
    assert_problem(boss_north.get(f"/teams/{night.pk}"), 404, "NOT_FOUND")
    assert_problem(boss_north.get(f"/users/{alice.pk}"), 404, "NOT_FOUND")
    assert_problem(boss_north.get("/users"), 403, "FORBIDDEN")
