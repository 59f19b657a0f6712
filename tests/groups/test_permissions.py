"""Group-scoped permissions: grants on a group reach its subtree's groups and assets, resolved in
SQL through the assets foundation (GET /assets, GET/PATCH /assets/{id}), never a sibling's."""

from __future__ import annotations

import pytest

from tests.factories import grant, make_user

from .conftest import make_group


@pytest.fixture
def hamburg_team(germany):
    """A user who may edit everything filed under North (so Hamburg and Berlin), through a team."""
    from django.contrib.auth.models import Group as Team

    user = make_user("hamburg-dispatch")
    team = Team.objects.create(name="North depots")
    team.user_set.add(user)
    grant(team, "change_group_assets", germany["north"])
    return user


def ids_of(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def test_group_grant_covers_descendant_groups_assets_not_a_siblings(api, hamburg_team, germany, trucks):
    client = api(hamburg_team)
    listed = client.get("/assets", {"limit": 100})
    assert listed.status_code == 200
    # Hamburg (trucks 1, 2) and Berlin (truck 3) are under North; Munich's truck 4 is under South.
    assert ids_of(listed) == {trucks[0].pk, trucks[1].pk, trucks[2].pk}
    assert client.get(f"/assets/{trucks[0].pk}").status_code == 200
    assert client.get(f"/assets/{trucks[3].pk}").status_code == 404
    assert client.get(f"/assets/{trucks[5].pk}").status_code == 404

    patched = client.patch(f"/assets/{trucks[2].pk}", {"title": "Truck 3 (Berlin)"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "Truck 3 (Berlin)"
    assert client.patch(f"/assets/{trucks[3].pk}", {"title": "Nope"}).status_code == 404
    # Group grants never allow deleting.
    assert client.delete(f"/assets/{trucks[0].pk}").status_code == 403


def test_view_group_assets_is_view_only(api, germany, trucks):
    auditor = make_user()
    grant(auditor, "view_group_assets", germany["hamburg"])
    client = api(auditor)
    assert ids_of(client.get("/assets")) == {trucks[0].pk, trucks[1].pk}
    response = client.patch(f"/assets/{trucks[0].pk}", {"title": "Nope"})
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"


def test_grant_follows_an_asset_moved_out_of_the_subtree(api, admin_api, hamburg_team, germany, trucks):
    assert api(hamburg_team).get(f"/assets/{trucks[0].pk}").status_code == 200
    admin_api.post(f"/groups/{germany['munich'].pk}/assets", {"asset_ids": [trucks[0].pk]})
    assert api(hamburg_team).get(f"/assets/{trucks[0].pk}").status_code == 404


def test_grant_follows_a_moved_subtree(api, admin_api, hamburg_team, germany, trucks):
    admin_api.patch(f"/groups/{germany['munich'].pk}", {"parent_id": germany["north"].pk})
    assert api(hamburg_team).get(f"/assets/{trucks[3].pk}").status_code == 200


def test_group_filter_on_assets_with_descendants(api, admin_api, germany, trucks):
    north = germany["north"].pk
    assert ids_of(admin_api.get("/assets", {"group_id": north})) == set()
    with_descendants = admin_api.get("/assets", {"group_id": north, "include_descendants": "true"})
    assert ids_of(with_descendants) == {trucks[0].pk, trucks[1].pk, trucks[2].pk}
    several = admin_api.get("/assets", {"group_id": f"{germany['berlin'].pk},{germany['munich'].pk}"})
    assert ids_of(several) == {trucks[2].pk, trucks[3].pk}
    assert admin_api.get("/assets", {"group_id": "abc"}).status_code == 400
    assert admin_api.get("/assets", {"group_id": north, "include_descendants": "maybe"}).status_code == 400


def test_group_filter_never_shows_invisible_assets(api, viewer, germany, trucks, other_org):
    outsider = make_user()
    grant(outsider, "view_org_assets", other_org)
    response = api(outsider).get("/assets", {"group_id": germany["hamburg"].pk})
    assert response.status_code == 200 and response.json()["items"] == []


def test_group_filter_on_an_invisible_group_reveals_nothing(api, germany, trucks):
    """Someone who may see truck 1 but not Hamburg can't learn that it is filed there."""
    user = make_user()
    grant(user, "view_asset", trucks[0])
    client = api(user)
    assert ids_of(client.get("/assets")) == {trucks[0].pk}
    assert client.get("/assets", {"group_id": germany["hamburg"].pk}).json()["items"] == []
    assert client.get("/assets", {"group_id": germany["north"].pk, "include_descendants": "true"}).json()["items"] == []
    grant(user, "view_group", germany["north"])
    assert ids_of(client.get("/assets", {"group_id": germany["hamburg"].pk})) == {trucks[0].pk}


def test_groups_are_visible_with_org_level_grants(api, viewer, germany):
    listed = api(viewer).get("/groups", {"limit": 100})
    assert len(listed.json()["items"]) == 6


def test_view_group_reaches_the_subtree_and_hides_the_rest(api, germany):
    user = make_user()
    grant(user, "view_group", germany["north"])
    client = api(user)
    titles = {g["title"] for g in client.get("/groups", {"limit": 100}).json()["items"]}
    assert titles == {"North", "Hamburg depot", "Berlin depot"}
    assert client.get(f"/groups/{germany['south'].pk}").status_code == 404
    assert client.get(f"/groups/{germany['root'].pk}").status_code == 404
    hamburg = client.get(f"/groups/{germany['hamburg'].pk}").json()
    # The path starts at the highest group the user may see.
    assert hamburg["path"] == ["North", "Hamburg depot"]
    # The group is visible, its assets are not: counts don't reveal them.
    assert hamburg["asset_count"] == 0
    assert client.get(f"/groups/{germany['hamburg'].pk}/assets").json()["items"] == []
    # The organization shows through the group grant.
    me = client.get("/me").json()
    assert [m["organization"]["key"] for m in me["memberships"]] == ["translog"]


def test_invisible_group_is_404_everywhere(api, outsider, germany, trucks):
    client = api(outsider)
    group = germany["hamburg"].pk
    assert client.get(f"/groups/{group}").status_code == 404
    assert client.get(f"/groups/{group}/tree").status_code == 404
    assert client.get(f"/groups/{group}/assets").status_code == 404
    assert client.patch(f"/groups/{group}", {"title": "x"}).status_code == 404
    assert client.delete(f"/groups/{group}").status_code == 404
    assert client.post(f"/groups/{group}/assets", {"asset_ids": [trucks[0].pk]}).status_code == 404
    assert client.put(f"/groups/{group}/assets", {"asset_ids": []}).status_code == 404
    assert client.delete(f"/groups/{group}/assets/{trucks[0].pk}").status_code == 404
    assert client.get("/groups").json()["items"] == []
    assert client.get("/groups", {"parent_id": germany["north"].pk}).json()["items"] == []


def test_view_only_user_gets_403_on_group_changes(api, viewer, germany, org):
    client = api(viewer)
    group = germany["hamburg"].pk
    response = client.patch(f"/groups/{group}", {"title": "x"})
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert client.delete(f"/groups/{group}").status_code == 403
    assert client.post("/groups", {"organization_id": org.pk, "title": "Mine"}).status_code == 403
    assert client.post("/groups", {"organization_id": org.pk, "title": "Mine", "parent_id": group}).status_code == 403


def test_change_group_on_a_region_manages_its_depots_but_not_the_top(api, germany, org):
    user = make_user()
    grant(user, "change_group", germany["north"])
    client = api(user)
    created = client.post("/groups", {"organization_id": org.pk, "title": "Kiel", "parent_id": germany["north"].pk})
    assert created.status_code == 201, created.content
    assert client.patch(f"/groups/{germany['hamburg'].pk}", {"title": "Hamburg-Altona"}).status_code == 200
    # Moving Berlin under Hamburg: change on the old and the new parent, both under North.
    assert client.patch(f"/groups/{germany['berlin'].pk}", {"parent_id": germany["hamburg"].pk}).status_code == 200
    assert client.delete(f"/groups/{created.json()['id']}").status_code == 204
    # North itself hangs under Germany, which the user may not change.
    assert client.patch(f"/groups/{germany['north'].pk}", {"parent_id": None}).status_code == 403
    assert client.delete(f"/groups/{germany['north'].pk}?cascade=true").status_code == 403
    assert client.patch(f"/groups/{germany['hamburg'].pk}", {"parent_id": germany["south"].pk}).status_code == 400
    assert client.patch(f"/groups/{germany['north'].pk}", {"title": "Nord"}).status_code == 200
    assert client.post("/groups", {"organization_id": org.pk, "title": "Top"}).status_code == 403


def test_manager_creates_roots_and_switches_exclusive(api, manager, org):
    client = api(manager)
    created = client.post("/groups", {"organization_id": org.pk, "title": "Regions", "exclusive": True})
    assert created.status_code == 201 and created.json()["exclusive"] is True
    assert client.patch(f"/groups/{created.json()['id']}", {"exclusive": False}).json()["exclusive"] is False


def test_grants_on_groups_through_post_permissions(api, admin_api, manager, germany, trucks):
    user = make_user()
    body = {"permission": "view_group_assets", "object_type": "group", "object_id": germany["berlin"].pk,
            "user_id": user.pk}
    granted = api(manager).post("/permissions", body)
    assert granted.status_code == 201, granted.content
    assert ids_of(api(user).get("/assets")) == {trucks[2].pk}
    listed = admin_api.get("/permissions", {"object_type": "group", "object_id": germany["berlin"].pk})
    assert listed.json()["items"] == [{"permission": "view_group_assets", "object_type": "group",
                                       "object_id": germany["berlin"].pk, "user_id": user.pk, "team_id": None}]
    assert api(manager).post("/permissions/revoke", body).status_code == 204
    assert ids_of(api(user).get("/assets")) == set()
    unknown = api(manager).post("/permissions", {**body, "permission": "delete_group_assets"})
    assert unknown.status_code == 400


def test_only_organization_managers_grant_on_groups(api, germany, outsider):
    user = make_user()
    holder = make_user()
    grant(holder, "change_group", germany["north"])
    body = {"permission": "change_group_assets", "object_type": "group", "object_id": germany["north"].pk,
            "user_id": user.pk}
    assert api(holder).post("/permissions", body).status_code == 404
    assert api(outsider).post("/permissions", body).status_code == 404
    missing = api(outsider).post("/permissions", {**body, "object_id": 999999})
    assert missing.status_code == 404


def test_asset_groups_in_the_asset_shape_by_title(admin_api, org, germany, trucks, superuser):
    boats = make_group(superuser, org, "Boston boats", asset_ids=[trucks[0].pk])
    groups = admin_api.get(f"/assets/{trucks[0].pk}").json()["groups"]
    assert groups == [{"id": boats.pk, "title": "Boston boats"}, {"id": germany["hamburg"].pk, "title": "Hamburg depot"}]
