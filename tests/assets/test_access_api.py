"""/me, /users, /teams and /permissions: who may manage access, and what grants do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as Team

from assets.models import ChangeLogEntry
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .helpers import assert_problem


# --- /me ----------------------------------------------------------------------------------------
def test_me_lists_memberships_with_organization_wide_grants(org, viewer):
    other = make_org("architecture-db")
    hidden = make_org("hidden")
    asset = make_asset(other, make_type(other))
    grant(viewer, "view_asset", asset)
    body = ApiClient(viewer).get("/me").json()
    assert body["user"]["username"] == "viewer"
    by_key = {m["organization"]["key"]: m for m in body["memberships"]}
    assert set(by_key) == {"translog", "architecture-db"}
    assert by_key["translog"]["permissions"] == ["view_org_assets"]
    assert by_key["translog"]["organization"] == {"id": org.pk, "key": "translog", "title": "TransLog GmbH"}
    # A grant on one asset makes the organization a membership, without organization-wide rights.
    assert by_key["architecture-db"]["permissions"] == []
    assert hidden.key not in by_key


def test_me_of_a_superuser_lists_every_organization(admin_api, org):
    body = admin_api.get("/me").json()
    assert body["user"]["is_superuser"] is True
    assert [m["organization"]["key"] for m in body["memberships"]] == ["translog"]
    assert "manage_org" in body["memberships"][0]["permissions"]


def test_memberships_through_a_team(org):
    user = make_user("driver")
    team = Team.objects.create(name="drivers")
    team.user_set.add(user)
    grant(team, "view_org_assets", org)
    body = ApiClient(user).get("/me").json()
    assert [m["permissions"] for m in body["memberships"]] == [["view_org_assets"]]


# --- /users -------------------------------------------------------------------------------------
def test_superuser_creates_and_lists_users(admin_api):
    response = admin_api.post("/users", {"username": "dispatcher", "password": "lorry-route-9341", "email": "d@x.org"})
    assert response.status_code == 201
    assert response.json()["username"] == "dispatcher"
    assert response.json()["is_superuser"] is False
    listed = admin_api.get("/users", {"username": "dispatcher"}).json()
    assert [u["username"] for u in listed["items"]] == ["dispatcher"]
    assert "total_count" not in listed
    assert admin_api.get("/users", {"count": "true"}).json()["total_count"] == 2


def test_user_creation_is_validated(admin_api):
    assert_problem(admin_api.post("/users", {"username": "x", "password": "short"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.post("/users", {"username": "bad name!", "password": "long-enough-1"}), 400)
    assert_problem(admin_api.post("/users", {"username": "x", "password": "long-enough-1", "role": "x"}), 400)
    admin_api.post("/users", {"username": "taken", "password": "long-enough-1"})
    assert_problem(admin_api.post("/users", {"username": "taken", "password": "long-enough-1"}), 409, "DUPLICATE")


def test_only_superusers_manage_users(manager_api):
    assert_problem(manager_api.post("/users", {"username": "x", "password": "long-enough-1"}), 403, "FORBIDDEN")
    assert_problem(manager_api.get("/users"), 403, "FORBIDDEN")


def test_a_user_sees_only_themselves(viewer_api, viewer, superuser):
    assert viewer_api.get(f"/users/{viewer.pk}").json()["username"] == "viewer"
    assert_problem(viewer_api.get(f"/users/{superuser.pk}"), 404, "NOT_FOUND")


# --- /teams -------------------------------------------------------------------------------------
def test_superuser_creates_a_team_and_adds_members(admin_api, viewer):
    created = admin_api.post("/teams", {"name": "Hamburg depot"})
    assert created.status_code == 201
    team_id = created.json()["id"]
    response = admin_api.post(f"/teams/{team_id}/members", {"user_ids": [viewer.pk]})
    assert response.status_code == 200
    assert response.json()["member_ids"] == [viewer.pk]
    assert admin_api.get(f"/teams/{team_id}").json()["name"] == "Hamburg depot"
    removed = admin_api.delete(f"/teams/{team_id}/members/{viewer.pk}")
    assert removed.json()["member_ids"] == []


def test_team_rules(admin_api, manager_api, viewer_api, viewer):
    assert_problem(viewer_api.post("/teams", {"name": "mine"}), 403, "FORBIDDEN")
    assert_problem(manager_api.post("/teams", {"name": "mine"}), 403, "FORBIDDEN")
    team_id = admin_api.post("/teams", {"name": "dup"}).json()["id"]
    assert_problem(admin_api.post("/teams", {"name": "dup"}), 409, "DUPLICATE")
    assert_problem(admin_api.post(f"/teams/{team_id}/members", {"user_ids": [987654]}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.post(f"/teams/{team_id}/members", {"user_ids": [2**70]}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.post(f"/teams/{team_id}/members", {"user_ids": "x"}), 400, "VALIDATION_ERROR")
    # A non-member who manages nothing the team holds doesn't learn the team exists.
    assert_problem(viewer_api.get(f"/teams/{team_id}"), 404, "NOT_FOUND")
    assert_problem(manager_api.get(f"/teams/{team_id}"), 404, "NOT_FOUND")


def test_team_list_shows_all_to_superusers_and_to_others_their_own_and_their_organizations(
    admin_api, manager_api, viewer_api, manager, viewer, org
):
    mine = Team.objects.create(name="viewers")
    mine.user_set.add(viewer)
    Team.objects.create(name="others")
    drivers = Team.objects.create(name="translog drivers")
    drivers.user_set.add(viewer)
    grant(drivers, "view_org_assets", org)
    assert [t["name"] for t in viewer_api.get("/teams").json()["items"]] == ["translog drivers", "viewers"]
    assert [t["member_ids"] for t in viewer_api.get("/teams").json()["items"]] == [[viewer.pk], [viewer.pk]]
    body = manager_api.get("/teams").json()
    assert [(t["name"], t["member_ids"]) for t in body["items"]] == [("translog drivers", [])]
    assert "total_count" not in body
    assert [t["name"] for t in admin_api.get("/teams").json()["items"]] == ["others", "translog drivers", "viewers"]


# --- /permissions -------------------------------------------------------------------------------
@pytest.fixture
def asset(org, truck_type):
    return make_asset(org, truck_type, "Truck B-44", custom_fields={"license_plate": "HH-TL 4421"})


def test_superuser_grants_an_asset_permission_which_takes_effect(admin_api, asset, outsider, outsider_api):
    assert_problem(outsider_api.get(f"/assets/{asset.pk}"), 404)
    body = {"permission": "view_asset", "object_type": "asset", "object_id": asset.pk, "user_id": outsider.pk}
    response = admin_api.post("/permissions", body)
    assert response.status_code == 201
    assert response.json() == {**body, "team_id": None}
    assert outsider_api.get(f"/assets/{asset.pk}").status_code == 200
    entry = ChangeLogEntry.objects.filter(object_type="permission").get()
    assert entry.action == "create" and entry.object_id == asset.pk
    assert entry.after["permission"] == "assets.view_asset"
    assert admin_api.post("/permissions/revoke", body).status_code == 204
    assert_problem(outsider_api.get(f"/assets/{asset.pk}"), 404)


def test_manager_grants_on_their_organization_to_a_team(manager_api, org, outsider):
    team = Team.objects.create(name="drivers")
    team.user_set.add(outsider)
    body = {"permission": "view_org_assets", "object_type": "organization", "object_id": org.pk, "team_id": team.pk}
    assert manager_api.post("/permissions", body).status_code == 201
    memberships = ApiClient(outsider).get("/me").json()["memberships"]
    assert memberships[0]["permissions"] == ["view_org_assets"]


def test_grants_need_manage_org(viewer_api, editor_api, asset, org, outsider, outsider_api):
    body = {"permission": "view_asset", "object_type": "asset", "object_id": asset.pk, "user_id": outsider.pk}
    # Visible but not manageable: 403; invisible: 404.
    assert_problem(viewer_api.post("/permissions", body), 403, "FORBIDDEN")
    assert_problem(editor_api.post("/permissions", body), 403, "FORBIDDEN")
    assert_problem(outsider_api.post("/permissions", body), 404, "NOT_FOUND")
    org_body = {"permission": "manage_org", "object_type": "organization", "object_id": org.pk, "user_id": outsider.pk}
    assert_problem(viewer_api.post("/permissions", org_body), 403, "FORBIDDEN")
    assert_problem(outsider_api.post("/permissions", org_body), 404, "NOT_FOUND")


def test_manager_of_another_organization_cant_grant_here(asset, outsider):
    elsewhere = make_org("elsewhere")
    stranger = make_user("stranger")
    grant(stranger, "manage_org", elsewhere)
    body = {"permission": "view_asset", "object_type": "asset", "object_id": asset.pk, "user_id": outsider.pk}
    assert_problem(ApiClient(stranger).post("/permissions", body), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"permission": "fly_asset"}, "permission"),
        ({"permission": "view_org_assets"}, "permission"),
        ({"permission": "assets.view_group"}, "permission"),
        ({"object_type": "spaceship"}, "object_type"),
        ({"user_id": None}, "user_id"),
        ({"team_id": 1}, "user_id"),
        ({"user_id": 987654}, "user_id"),
    ],
)
def test_bad_grants_are_400(admin_api, asset, outsider, change, field):
    body = {"permission": "view_asset", "object_type": "asset", "object_id": asset.pk, "user_id": outsider.pk}
    body.update(change)
    problem = assert_problem(admin_api.post("/permissions", body), 400, "VALIDATION_ERROR")
    assert problem["errors"][0]["field"] == field


def test_grant_on_missing_object_is_404(admin_api, outsider):
    body = {"permission": "view_asset", "object_type": "asset", "object_id": 987654, "user_id": outsider.pk}
    assert_problem(admin_api.post("/permissions", body), 404, "NOT_FOUND")


def test_permission_list_is_filtered_to_managed_organizations_and_own_grants(
    admin_api, manager_api, viewer_api, asset, org, outsider, viewer
):
    elsewhere = make_org("elsewhere")
    other_asset = make_asset(elsewhere, make_type(elsewhere))
    grant(outsider, "view_asset", asset)
    grant(outsider, "view_asset", other_asset)
    everything = admin_api.get("/permissions").json()["items"]
    assert {(g["object_type"], g["object_id"], g["permission"]) for g in everything} >= {
        ("asset", asset.pk, "view_asset"), ("asset", other_asset.pk, "view_asset"),
        ("organization", org.pk, "manage_org"), ("organization", org.pk, "view_org_assets"),
    }
    managed = manager_api.get("/permissions", {"object_type": "asset"}).json()["items"]
    assert [(g["object_id"], g["user_id"]) for g in managed] == [(asset.pk, outsider.pk)]
    own = viewer_api.get("/permissions").json()["items"]
    assert own == [{"permission": "view_org_assets", "object_type": "organization", "object_id": org.pk,
                    "user_id": viewer.pk, "team_id": None}]
    filtered = admin_api.get("/permissions", {"object_type": "asset", "object_id": other_asset.pk}).json()["items"]
    assert [g["object_id"] for g in filtered] == [other_asset.pk]


def test_permission_list_pages_with_a_cursor(admin_api, org, truck_type):
    user = make_user("many")
    for _ in range(5):
        grant(user, "view_asset", make_asset(org, truck_type))
    seen, cursor = [], None
    while True:
        params = {"object_type": "asset", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = admin_api.get("/permissions", params).json()
        seen += [g["object_id"] for g in body["items"]]
        if not body["page_info"]["has_next_page"]:
            break
        cursor = body["page_info"]["end_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert_problem(admin_api.get("/permissions", {"cursor": "garbage"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/permissions", {"object_type": "spaceship"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/permissions", {"colour": "red"}), 400, "VALIDATION_ERROR")


def test_user_and_team_changes_are_logged(admin_api, superuser, viewer):
    user_id = admin_api.post("/users", {"username": "logged", "password": "long-enough-1"}).json()["id"]
    team_id = admin_api.post("/teams", {"name": "logged-team"}).json()["id"]
    admin_api.post(f"/teams/{team_id}/members", {"user_ids": [viewer.pk]})
    assert_problem(admin_api.delete(f"/teams/{team_id}/members/{2**70}"), 404, "NOT_FOUND")
    assert_problem(admin_api.delete(f"/teams/{team_id}/members/{user_id}"), 404, "NOT_FOUND")
    admin_api.delete(f"/teams/{team_id}/members/{viewer.pk}")
    created = ChangeLogEntry.objects.get(object_type="user", object_id=user_id)
    assert created.action == "create" and created.user_id == superuser.pk and created.after["username"] == "logged"
    assert "password" not in created.after
    team_entries = ChangeLogEntry.objects.filter(object_type="team", object_id=team_id).order_by("id")
    assert [(e.action, e.after.get("member_ids")) for e in team_entries] == [
        ("create", None), ("update", [viewer.pk]), ("update", [])
    ]


def test_a_manager_cannot_join_or_fill_teams_of_any_organization(org, manager, manager_api, viewer):
    """Teams are global: joining one inherits every grant added to it later, in any organization.
    A manager may neither join nor fill one, their own organization's included."""
    elsewhere = make_org("elsewhere")
    empty = Team.objects.create(name="elsewhere night shift")  # no grants yet
    powerful = Team.objects.create(name="elsewhere managers")
    grant(powerful, "manage_org", elsewhere)
    own = Team.objects.create(name="translog drivers")
    grant(own, "view_org_assets", org)
    for team in (empty, powerful, own):
        assert_problem(manager_api.post(f"/teams/{team.pk}/members", {"user_ids": [manager.pk]}), 403)
        assert_problem(manager_api.post(f"/teams/{team.pk}/members", {"user_ids": [viewer.pk]}), 403)
    assert not manager.groups.exists() and not viewer.groups.exists()
    # Granting their own organization's permissions to a team stays theirs.
    response = manager_api.post("/permissions", {"permission": "view_org_assets", "object_type": "organization",
                                                 "object_id": org.pk, "team_id": empty.pk})
    assert response.status_code == 201, response.content
