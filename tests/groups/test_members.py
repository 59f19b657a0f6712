"""Filing assets: add, replace, remove; exclusive trees move assets; who may file what."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from assets.models import ChangeLogEntry
from groups.models import AssetGroup, GroupMembership
from groups.queries import tree_problems
from tests.factories import grant, make_asset, make_user

from .conftest import make_group


def member_ids(api, group) -> list[int]:
    return sorted(item["id"] for item in api.get(f"/groups/{group.pk}/assets", {"limit": 1000}).json()["items"])


def test_adding_asset_to_exclusive_group_moves_it(admin_api, germany, trucks):
    hamburg, berlin = germany["hamburg"], germany["berlin"]
    response = admin_api.post(f"/groups/{berlin.pk}/assets", {"asset_ids": [trucks[0].pk, trucks[4].pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["moved_from"] == [{"asset_id": trucks[0].pk, "group_id": hamburg.pk}]
    assert sorted(body["added_asset_ids"]) == sorted([trucks[0].pk, trucks[4].pk])
    assert member_ids(admin_api, hamburg) == [trucks[1].pk]
    assert member_ids(admin_api, berlin) == sorted([trucks[0].pk, trucks[2].pk, trucks[4].pk])
    # The group the asset left changed too: versioned and logged.
    assert AssetGroup.objects.get(pk=hamburg.pk).version == hamburg.version + 1
    entry = ChangeLogEntry.objects.filter(object_type="group", object_id=hamburg.pk).order_by("-id").first()
    assert entry.after == {"removed_asset_ids": [trucks[0].pk], "moved_to_group_id": berlin.pk}
    assert admin_api.get(f"/assets/{trucks[0].pk}").json()["groups"] == [{"id": berlin.pk, "title": "Berlin depot"}]


def test_exclusive_move_across_regions_of_one_tree(admin_api, germany, trucks):
    response = admin_api.post(f"/groups/{germany['munich'].pk}/assets", {"asset_ids": [trucks[2].pk]})
    assert response.json()["moved_from"] == [{"asset_id": trucks[2].pk, "group_id": germany["berlin"].pk}]


def test_non_exclusive_trees_let_an_asset_sit_in_several_groups(admin_api, org, trucks, superuser, germany):
    boats = make_group(superuser, org, "Boston boats", asset_ids=[trucks[0].pk])
    second = make_group(superuser, org, "Second", boats)
    response = admin_api.post(f"/groups/{second.pk}/assets", {"asset_ids": [trucks[0].pk]})
    assert response.json()["moved_from"] == []
    groups = admin_api.get(f"/assets/{trucks[0].pk}").json()["groups"]
    assert [g["title"] for g in groups] == ["Boston boats", "Hamburg depot", "Second"]


def test_the_database_refuses_two_groups_of_one_exclusive_tree(germany, trucks):
    hamburg = germany["hamburg"]
    with transaction.atomic(), pytest.raises(IntegrityError):
        GroupMembership.objects.create(
            group=germany["berlin"], asset=trucks[0], root=germany["root"], exclusive=True
        )
    assert GroupMembership.objects.filter(asset=trucks[0]).get().group_id == hamburg.pk


def test_adding_twice_is_a_no_op_without_a_new_version(admin_api, germany, trucks):
    hamburg = germany["hamburg"]
    response = admin_api.post(f"/groups/{hamburg.pk}/assets", {"asset_ids": [trucks[0].pk]})
    assert response.status_code == 200
    assert response.json()["added_asset_ids"] == [] and response.json()["group"]["version"] == hamburg.version


def test_replace_members(admin_api, germany, trucks):
    hamburg = germany["hamburg"]
    response = admin_api.put(f"/groups/{hamburg.pk}/assets", {"asset_ids": [trucks[1].pk, trucks[2].pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["removed_asset_ids"] == [trucks[0].pk]
    assert body["added_asset_ids"] == [trucks[2].pk]
    assert body["moved_from"] == [{"asset_id": trucks[2].pk, "group_id": germany["berlin"].pk}]
    assert member_ids(admin_api, hamburg) == sorted([trucks[1].pk, trucks[2].pk])
    emptied = admin_api.put(f"/groups/{hamburg.pk}/assets", {"asset_ids": []})
    assert emptied.status_code == 200 and member_ids(admin_api, hamburg) == []
    assert tree_problems() == []


def test_replace_leaves_members_the_user_cannot_see(api, org, germany, trucks, vehicle_type):
    hamburg = germany["hamburg"]
    editor = make_user()
    grant(editor, "change_group", hamburg)
    grant(editor, "change_asset", trucks[1])
    grant(editor, "change_asset", trucks[5])
    response = api(editor).put(f"/groups/{hamburg.pk}/assets", {"asset_ids": [trucks[5].pk]})
    assert response.status_code == 200, response.content
    assert response.json()["removed_asset_ids"] == [trucks[1].pk]
    # truck 1 is invisible to the editor and stays filed.
    assert set(GroupMembership.objects.filter(group=hamburg).values_list("asset_id", flat=True)) == {
        trucks[0].pk, trucks[5].pk,
    }


def test_remove_member(admin_api, germany, trucks):
    hamburg = germany["hamburg"]
    assert admin_api.delete(f"/groups/{hamburg.pk}/assets/{trucks[0].pk}").status_code == 204
    assert member_ids(admin_api, hamburg) == [trucks[1].pk]
    missing = admin_api.delete(f"/groups/{hamburg.pk}/assets/{trucks[0].pk}")
    assert missing.status_code == 404
    assert admin_api.delete(f"/groups/{hamburg.pk}/assets/999999").status_code == 404


def test_members_of_another_organization_are_400(admin_api, germany, other_org):
    from tests.factories import make_type

    foreign = make_asset(other_org, make_type(other_org, "building"), "Main Building")
    response = admin_api.post(f"/groups/{germany['hamburg'].pk}/assets", {"asset_ids": [foreign.pk]})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "asset_ids", "message": f"asset {foreign.pk} belongs to another organization"}
    ]
    created = admin_api.post("/groups", {"organization_id": germany["root"].organization_id, "title": "X",
                                         "asset_ids": [foreign.pk]})
    assert created.status_code == 400
    assert not AssetGroup.objects.filter(title="X").exists()


def test_bad_asset_id_lists_are_400(admin_api, germany):
    url = f"/groups/{germany['hamburg'].pk}/assets"
    assert admin_api.post(url, {"asset_ids": []}).status_code == 400
    assert admin_api.post(url, {"asset_ids": [0]}).status_code == 400
    assert admin_api.post(url, {"asset_ids": "1,2"}).status_code == 400
    assert admin_api.post(url, {"asset_ids": list(range(1, 1002))}).status_code == 400
    unknown = admin_api.post(url, {"asset_ids": [999999]})
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == [{"field": "asset_ids", "message": "asset 999999 does not exist"}]


def test_dispatcher_files_trucks_but_does_not_manage_the_tree(api, dispatcher, germany, trucks, org):
    client = api(dispatcher)
    moved = client.post(f"/groups/{germany['berlin'].pk}/assets", {"asset_ids": [trucks[0].pk]})
    assert moved.status_code == 200, moved.content
    assert moved.json()["moved_from"] == [{"asset_id": trucks[0].pk, "group_id": germany["hamburg"].pk}]
    assert client.delete(f"/groups/{germany['berlin'].pk}/assets/{trucks[0].pk}").status_code == 204
    assert client.patch(f"/groups/{germany['berlin'].pk}", {"title": "Mine"}).status_code == 403
    assert client.post("/groups", {"organization_id": org.pk, "title": "Mine"}).status_code == 403
    assert client.delete(f"/groups/{germany['berlin'].pk}").status_code == 403


def test_filing_needs_change_permission_on_the_asset(api, germany, trucks):
    """change_group on Hamburg lets a team organize it, not pull in assets it may only view."""
    hamburg = germany["hamburg"]
    organizer = make_user()
    grant(organizer, "change_group", hamburg)
    grant(organizer, "change_group_assets", hamburg)
    grant(organizer, "view_asset", trucks[5])
    response = api(organizer).post(f"/groups/{hamburg.pk}/assets", {"asset_ids": [trucks[5].pk]})
    assert response.status_code == 403
    assert not GroupMembership.objects.filter(asset=trucks[5]).exists()
    removed = api(organizer).delete(f"/groups/{hamburg.pk}/assets/{trucks[0].pk}")
    assert removed.status_code == 204


def test_viewer_gets_403_when_filing(api, viewer, germany, trucks):
    response = api(viewer).post(f"/groups/{germany['hamburg'].pk}/assets", {"asset_ids": [trucks[5].pk]})
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert api(viewer).put(f"/groups/{germany['hamburg'].pk}/assets", {"asset_ids": []}).status_code == 403
    assert api(viewer).delete(f"/groups/{germany['hamburg'].pk}/assets/{trucks[0].pk}").status_code == 403


def test_invisible_assets_are_unknown_not_forbidden(api, germany, trucks):
    hamburg = germany["hamburg"]
    organizer = make_user()
    grant(organizer, "change_group", hamburg)
    response = api(organizer).post(f"/groups/{hamburg.pk}/assets", {"asset_ids": [trucks[5].pk]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == f"asset {trucks[5].pk} does not exist"


def test_moving_a_subtree_into_an_exclusive_tree_carries_its_memberships(admin_api, org, germany, trucks, superuser):
    loose = make_group(superuser, org, "Leipzig depot", asset_ids=[trucks[4].pk])
    moved = admin_api.patch(f"/groups/{loose.pk}", {"parent_id": germany["north"].pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["exclusive"] is True
    membership = GroupMembership.objects.get(group=loose)
    assert membership.root_id == germany["root"].pk and membership.exclusive is True
    # Now exclusive: filing truck 5 in Berlin moves it out of Leipzig.
    response = admin_api.post(f"/groups/{germany['berlin'].pk}/assets", {"asset_ids": [trucks[4].pk]})
    assert response.json()["moved_from"] == [{"asset_id": trucks[4].pk, "group_id": loose.pk}]
    assert tree_problems() == []


def test_moving_a_subtree_that_would_double_file_an_asset_in_an_exclusive_tree_is_409(
    admin_api, org, germany, trucks, superuser
):
    loose = make_group(superuser, org, "Spare", asset_ids=[trucks[0].pk])
    response = admin_api.patch(f"/groups/{loose.pk}", {"parent_id": germany["south"].pk})
    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE"
    assert AssetGroup.objects.get(pk=loose.pk).parent_id is None
    assert tree_problems() == []


def test_moving_out_of_an_exclusive_tree_follows_the_new_tree(admin_api, org, germany, trucks, superuser):
    fleet = make_group(superuser, org, "Fleet")
    moved = admin_api.patch(f"/groups/{germany['north'].pk}", {"parent_id": fleet.pk})
    assert moved.status_code == 200
    assert moved.json()["exclusive"] is False
    membership = GroupMembership.objects.get(group=germany["hamburg"], asset=trucks[0])
    assert membership.root_id == fleet.pk and membership.exclusive is False
    assert tree_problems() == []


def test_deleting_an_asset_drops_its_memberships(admin_api, germany, trucks):
    assert admin_api.delete(f"/assets/{trucks[0].pk}").status_code == 204
    assert admin_api.get(f"/groups/{germany['hamburg'].pk}").json()["asset_count"] == 1


def test_group_assets_include_descendants(admin_api, germany, trucks):
    direct = admin_api.get(f"/groups/{germany['north'].pk}/assets").json()["items"]
    assert direct == []
    everything = admin_api.get(f"/groups/{germany['north'].pk}/assets", {"include_descendants": "true", "count": "true"})
    assert sorted(a["id"] for a in everything.json()["items"]) == sorted(t.pk for t in trucks[:3])
    assert everything.json()["total_count"] == 3
