"""The groups REST API: Navixy's seed 000 story, the group shape, listing, the nested tree,
rename/move/delete and the error paths."""

from __future__ import annotations

import pytest

from assets.models import ChangeLogEntry
from groups.models import AssetGroup
from groups.queries import tree_problems

from .conftest import make_group


def ids_of(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_seed_000_boston_boats_story(admin_api, org, vehicle_type):
    """Create an asset link with a label and asset_ids, add one more asset, read asset_ids back."""
    from tests.factories import make_asset

    boats = [make_asset(org, vehicle_type, f"Boat {c}", key=f"boat-{c}") for c in "abc"]
    created = admin_api.post("/groups", {"organization_id": org.pk, "title": "Boston boats", "asset_ids": [boats[0].pk]})
    assert created.status_code == 201, created.content
    group = created.json()
    assert group["title"] == "Boston boats"
    assert group["asset_count"] == 1 and group["version"] == 1

    added = admin_api.post(f"/groups/{group['id']}/assets", {"asset_ids": [boats[1].pk]})
    assert added.status_code == 200, added.content
    assert added.json()["added_asset_ids"] == [boats[1].pk]
    assert added.json()["moved_from"] == []
    assert added.json()["group"]["version"] == 2

    members = admin_api.get(f"/groups/{group['id']}/assets")
    assert members.status_code == 200
    assert sorted(ids_of(members)) == sorted([boats[0].pk, boats[1].pk])
    assert members.json()["items"][0]["groups"] == [{"id": group["id"], "title": "Boston boats"}]

    filtered = admin_api.get("/assets", {"group_id": group["id"]})
    assert sorted(ids_of(filtered)) == sorted([boats[0].pk, boats[1].pk])


def test_group_shape_has_path_level_and_counts(admin_api, germany):
    response = admin_api.get(f"/groups/{germany['hamburg'].pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["path"] == ["Germany", "North", "Hamburg depot"]
    assert data["level"] == 2
    assert data["parent_id"] == germany["north"].pk
    assert data["children_count"] == 0
    assert data["asset_count"] == 2
    assert data["exclusive"] is True
    assert set(data) == {
        "id", "organization_id", "title", "code", "description", "parent_id", "path", "level", "children_count",
        "asset_count", "exclusive", "version", "created_at",
    }
    north = admin_api.get(f"/groups/{germany['north'].pk}").json()
    assert north["children_count"] == 2 and north["asset_count"] == 0


def test_list_by_parent_root_and_organization_with_count_and_cursor(admin_api, org, other_org, germany, superuser):
    make_group(superuser, other_org, "Buildings")
    roots = admin_api.get("/groups", {"root": "true", "organization_id": org.pk, "count": "true"})
    assert [g["title"] for g in roots.json()["items"]] == ["Germany"]
    assert roots.json()["total_count"] == 1

    first = admin_api.get("/groups", {"parent_id": germany["north"].pk, "limit": 1})
    assert [g["title"] for g in first.json()["items"]] == ["Berlin depot"]
    assert first.json()["page_info"]["has_next_page"] is True
    second = admin_api.get("/groups", {"parent_id": germany["north"].pk, "limit": 1,
                                       "cursor": first.json()["page_info"]["end_cursor"]})
    assert [g["title"] for g in second.json()["items"]] == ["Hamburg depot"]
    assert second.json()["items"][0]["path"] == ["Germany", "North", "Hamburg depot"]
    assert second.json()["page_info"]["has_next_page"] is False

    everything = admin_api.get("/groups", {"limit": 100})
    assert len(everything.json()["items"]) == 7
    # A page mixing levels and trees gets every path right.
    paths = {g["title"]: g["path"] for g in everything.json()["items"]}
    assert paths == {
        "Germany": ["Germany"], "North": ["Germany", "North"], "South": ["Germany", "South"],
        "Hamburg depot": ["Germany", "North", "Hamburg depot"], "Berlin depot": ["Germany", "North", "Berlin depot"],
        "Munich depot": ["Germany", "South", "Munich depot"], "Buildings": ["Buildings"],
    }


def test_bad_cursor_and_bad_parameters_are_400(admin_api, germany):
    assert admin_api.get("/groups", {"cursor": "not-a-cursor"}).status_code == 400
    assert admin_api.get("/groups", {"parent_id": "abc"}).status_code == 400
    assert admin_api.get("/groups", {"limit": 0}).status_code == 400
    response = admin_api.get(f"/groups/{germany['root'].pk}/tree", {"depth": 51})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_tree_is_nested_by_title_and_says_when_depth_cuts_it(admin_api, germany):
    full = admin_api.get(f"/groups/{germany['root'].pk}/tree").json()
    assert full["tree_truncated"] is False
    assert [c["title"] for c in full["children"]] == ["North", "South"]
    north = full["children"][0]
    assert [c["title"] for c in north["children"]] == ["Berlin depot", "Hamburg depot"]
    assert north["children"][1]["path"] == ["Germany", "North", "Hamburg depot"]
    assert north["children"][1]["asset_count"] == 2

    shallow = admin_api.get(f"/groups/{germany['root'].pk}/tree", {"depth": 1}).json()
    assert shallow["tree_truncated"] is True
    assert all(child["children"] == [] for child in shallow["children"])

    leaf = admin_api.get(f"/groups/{germany['hamburg'].pk}/tree", {"depth": 0}).json()
    assert leaf["children"] == [] and leaf["tree_truncated"] is False


def test_create_child_and_rename_are_versioned_and_logged(admin_api, org, germany):
    created = admin_api.post(
        "/groups", {"organization_id": org.pk, "title": "Kiel depot", "parent_id": germany["north"].pk,
                    "description": "Port"},
    )
    assert created.status_code == 201, created.content
    kiel = created.json()
    assert kiel["exclusive"] is True and kiel["level"] == 2 and kiel["description"] == "Port"

    renamed = admin_api.patch(f"/groups/{kiel['id']}", {"version": 1, "title": "Kiel harbour depot"})
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Kiel harbour depot" and renamed.json()["version"] == 2
    entry = ChangeLogEntry.objects.filter(object_type="group", object_id=kiel["id"]).order_by("-id").first()
    assert entry.action == "update"
    assert entry.before["title"] == "Kiel depot" and entry.after["title"] == "Kiel harbour depot"
    assert ChangeLogEntry.objects.filter(object_type="group", object_id=kiel["id"], action="create").exists()


def test_stale_version_is_409_conflict_and_changes_nothing(admin_api, germany):
    group = germany["berlin"]
    response = admin_api.patch(f"/groups/{group.pk}", {"version": 7, "title": "Nope"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "CONFLICT" and body["expected_version"] == 7 and body["current_version"] == group.version
    assert AssetGroup.objects.get(pk=group.pk).title == "Berlin depot"
    assert admin_api.delete(f"/groups/{group.pk}?version=9").status_code == 409


def test_stale_version_on_members_is_409(admin_api, germany, trucks):
    response = admin_api.post(f"/groups/{germany['berlin'].pk}/assets", {"asset_ids": [trucks[5].pk], "version": 99})
    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"


def test_move_within_tree_keeps_tree_valid(admin_api, germany):
    response = admin_api.patch(f"/groups/{germany['munich'].pk}", {"parent_id": germany["north"].pk})
    assert response.status_code == 200, response.content
    assert response.json()["path"] == ["Germany", "North", "Munich depot"]
    assert response.json()["version"] == 2
    assert tree_problems() == []


def test_move_under_own_descendant_is_409_cycle(admin_api, germany):
    for target in (germany["hamburg"], germany["north"]):
        response = admin_api.patch(f"/groups/{germany['north'].pk}", {"parent_id": target.pk})
        assert response.status_code == 409
        assert response.json()["code"] == "CYCLE"
    root = admin_api.patch(f"/groups/{germany['root'].pk}", {"parent_id": germany["munich"].pk})
    assert root.status_code == 409 and root.json()["code"] == "CYCLE"
    assert tree_problems() == []


def test_move_to_another_organization_is_400(admin_api, germany, other_org, superuser):
    foreign = make_group(superuser, other_org, "Buildings")
    response = admin_api.patch(f"/groups/{germany['north'].pk}", {"parent_id": foreign.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent_id"
    created = admin_api.post("/groups", {"organization_id": germany["root"].organization_id, "title": "X",
                                         "parent_id": foreign.pk})
    assert created.status_code == 400


def test_bad_parent_is_400(admin_api, org):
    response = admin_api.post("/groups", {"organization_id": org.pk, "title": "X", "parent_id": 999999})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "parent_id", "message": "group 999999 does not exist"}]
    assert admin_api.post("/groups", {"organization_id": org.pk, "title": "X", "parent_id": -1}).status_code == 400


def test_invalid_bodies_are_400(admin_api, org, germany):
    assert admin_api.post("/groups", {"organization_id": org.pk, "title": "  "}).status_code == 400
    assert admin_api.post("/groups", {"organization_id": org.pk, "title": "x" * 256}).status_code == 400
    assert admin_api.post("/groups", {"organization_id": org.pk}).status_code == 400
    assert admin_api.post("/groups", {"organization_id": org.pk, "title": "A", "colour": "red"}).status_code == 400
    assert admin_api.post("/groups", "{not json").status_code == 400
    assert admin_api.post("/groups", {"organization_id": 999999, "title": "A"}).status_code == 404
    assert admin_api.patch(f"/groups/{germany['north'].pk}", {"title": None}).status_code == 400
    assert admin_api.patch(f"/groups/{germany['north'].pk}", {"exclusive": None}).status_code == 400
    child_exclusive = admin_api.post(
        "/groups", {"organization_id": org.pk, "title": "A", "parent_id": germany["north"].pk, "exclusive": False}
    )
    assert child_exclusive.status_code == 400
    assert admin_api.patch(f"/groups/{germany['north'].pk}", {"exclusive": False}).status_code == 400


def test_move_to_top_level_makes_a_new_tree_that_keeps_its_exclusivity(admin_api, germany):
    response = admin_api.patch(f"/groups/{germany['south'].pk}", {"parent_id": None})
    assert response.status_code == 200, response.content
    south = response.json()
    assert south["parent_id"] is None and south["level"] == 0 and south["path"] == ["South"]
    assert south["exclusive"] is True
    assert AssetGroup.objects.get(pk=germany["munich"].pk).tree_id == AssetGroup.objects.get(pk=south["id"]).tree_id
    assert tree_problems() == []


def test_switching_exclusive_on_a_root(admin_api, org, trucks, superuser):
    fleet = make_group(superuser, org, "Fleet")
    a = make_group(superuser, org, "A", fleet, asset_ids=[trucks[0].pk])
    make_group(superuser, org, "B", fleet, asset_ids=[trucks[0].pk])
    clash = admin_api.patch(f"/groups/{fleet.pk}", {"exclusive": True})
    assert clash.status_code == 409 and clash.json()["code"] == "DUPLICATE"
    assert admin_api.delete(f"/groups/{a.pk}/assets/{trucks[0].pk}").status_code == 204
    switched = admin_api.patch(f"/groups/{fleet.pk}", {"exclusive": True})
    assert switched.status_code == 200 and switched.json()["exclusive"] is True
    assert admin_api.get(f"/groups/{a.pk}").json()["exclusive"] is True
    assert tree_problems() == []


def test_delete_with_children_is_409_in_use_unless_cascade(admin_api, germany, trucks):
    north = germany["north"]
    blocked = admin_api.delete(f"/groups/{north.pk}")
    assert blocked.status_code == 409 and blocked.json()["code"] == "IN_USE"
    assert AssetGroup.objects.filter(pk=north.pk).exists()

    gone = admin_api.delete(f"/groups/{north.pk}?cascade=true&version=1")
    assert gone.status_code == 204
    assert not AssetGroup.objects.filter(pk__in=[north.pk, germany["hamburg"].pk, germany["berlin"].pk]).exists()
    # The assets stay; only their filing went.
    assert admin_api.get(f"/assets/{trucks[0].pk}").json()["groups"] == []
    logged = set(ChangeLogEntry.objects.filter(object_type="group", action="delete").values_list("object_id", flat=True))
    assert logged == {north.pk, germany["hamburg"].pk, germany["berlin"].pk}
    assert tree_problems() == []
    assert admin_api.delete(f"/groups/{north.pk}").status_code == 404


def test_delete_leaf(admin_api, germany):
    assert admin_api.delete(f"/groups/{germany['munich'].pk}").status_code == 204
    assert admin_api.get(f"/groups/{germany['south'].pk}").json()["children_count"] == 0
    assert tree_problems() == []


def test_unknown_group_is_404(admin_api):
    assert admin_api.get("/groups/999999").status_code == 404
    assert admin_api.get("/groups/999999/tree").status_code == 404
    assert admin_api.get("/groups/999999/assets").status_code == 404
    assert admin_api.patch("/groups/999999", {"title": "x"}).status_code == 404
    assert admin_api.post("/groups/999999/assets", {"asset_ids": [1]}).status_code == 404


def test_anonymous_is_401(api_for, germany):
    response = api_for(None).get("/groups")
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/groups", "/groups/1", "/groups/1/tree", "/groups/1/assets"])
def test_openapi_lists_the_group_endpoints(admin_api, path):
    schema = admin_api.get("/openapi.json").json()
    templated = path.replace("/1", "/{group_id}")
    assert f"/api/v1{templated}" in schema["paths"]


HUGE = 99999999999999999999


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", f"/groups/{HUGE}", None),
        ("get", f"/groups?organization_id={HUGE}", None),
        ("get", f"/groups?parent_id={HUGE}", None),
        ("get", f"/groups/{HUGE}/tree?depth={HUGE}", None),
        ("get", f"/groups/{HUGE}/assets", None),
        ("get", f"/assets?group_id={HUGE}", None),
        ("post", "/groups", {"organization_id": HUGE, "title": "x"}),
        ("patch", f"/groups/{HUGE}", {"title": "x"}),
        ("delete", f"/groups/{HUGE}/assets/{HUGE}", None),
        ("get", "/groups?root=maybe", None),
    ],
)
def test_out_of_range_ids_are_4xx_not_500(admin_api, germany, method, path, body):
    call = getattr(admin_api, method)
    response = call(path) if body is None else call(path, body)
    assert 400 <= response.status_code < 500, response.content


def test_out_of_range_ids_in_members_and_parents_are_400(admin_api, org, germany):
    response = admin_api.post(f"/groups/{germany['north'].pk}/assets", {"asset_ids": [HUGE]})
    assert response.status_code == 400
    assert admin_api.post("/groups", {"organization_id": org.pk, "title": "x", "parent_id": HUGE}).status_code == 400
    assert admin_api.delete(f"/groups/{germany['north'].pk}/assets/{HUGE}").status_code == 404
