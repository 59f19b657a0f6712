"""POST/GET/PATCH/DELETE /links: the VAMS asset-link story over REST, and every rule of a link."""

from __future__ import annotations

import pytest

from assets.models import ChangeLogEntry
from links.models import Link
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .conftest import make_link, system_type

pytestmark = pytest.mark.django_db


def post_link(api, link_type, source, target, **extra):
    return api.post("/links", {"link_type": link_type, "source_id": source.pk, "target_id": target.pk, **extra})


def test_vams_parent_child_story_create_read_update_delete(editor_api, building, floors):
    floor = floors[2]
    created = post_link(editor_api, "parent_child", building, floor, alias="floor-3", tags=["structural", "active"])
    assert created.status_code == 201, created.content
    link = created.json()
    assert link["link_type"]["code"] == "parent_child"
    assert link["link_type"]["source_label"] == "Parent"
    assert link["link_type"]["target_label"] == "Child"
    assert link["source"] == {"id": building.pk, "key": "building-model", "title": "Main Building model",
                              "organization_id": building.organization_id}
    assert link["target"]["key"] == "floor-3"
    assert link["alias"] == "floor-3"
    assert link["tags"] == ["structural", "active"]
    assert link["properties"] == {} and link["sequence"] == 0 and link["version"] == 1

    children = editor_api.get(f"/assets/{building.pk}/links").json()
    assert [(c["asset_key"], c["alias"], c["link_id"], c["direction"]) for c in children["children"]] == [
        ("floor-3", "floor-3", link["id"], "outgoing")
    ]
    assert children["parents"] == [] and children["unauthorized_counts"] == {
        "parents": 0, "children": 0, "related": 0, "other": 0
    }
    parents = editor_api.get(f"/assets/{floor.pk}/links").json()["parents"]
    assert [(p["asset_key"], p["label"], p["direction"]) for p in parents] == [("building-model", "Parent", "incoming")]

    updated = editor_api.patch(f"/links/{link['id']}", {"tags": ["structural", "active", "reviewed"],
                                                          "alias": "floor-3-updated", "version": 1})
    assert updated.status_code == 200, updated.content
    assert updated.json()["tags"] == ["structural", "active", "reviewed"]
    assert updated.json()["alias"] == "floor-3-updated"
    assert updated.json()["version"] == 2
    removed_alias = editor_api.patch(f"/links/{link['id']}", {"alias": ""})
    assert removed_alias.json()["alias"] is None and removed_alias.json()["version"] == 3

    assert editor_api.get(f"/links/{link['id']}").json()["version"] == 3
    assert editor_api.delete(f"/links/{link['id']}?version=3").status_code == 204
    assert editor_api.get(f"/assets/{building.pk}/links").json()["children"] == []
    actions = list(
        ChangeLogEntry.objects.filter(object_type="link", object_id=link["id"]).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update", "delete"]


def test_missing_link_is_404_not_400(editor_api):
    for response in (
        editor_api.get("/links/999999"),
        editor_api.patch("/links/999999", {"tags": []}),
        editor_api.delete("/links/999999"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
        assert response["Content-Type"] == "application/problem+json"


def test_link_type_accepted_by_id_and_unknown_type_is_400(editor_api, building, floors):
    by_id = post_link(editor_api, system_type("related").pk, building, floors[0])
    assert by_id.status_code == 201 and by_id.json()["link_type"]["code"] == "related"
    unknown = post_link(editor_api, "no_such_type", building, floors[1])
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "link_type"


def test_self_link_is_rejected(editor_api, building):
    response = post_link(editor_api, "related", building, building)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "target_id", "message": "a link can't connect an asset to itself"}]


def test_duplicate_link_is_409_duplicate(editor_api, building, floors):
    assert post_link(editor_api, "attachment", building, floors[0]).status_code == 201
    again = post_link(editor_api, "attachment", building, floors[0])
    assert again.status_code == 409
    assert again.json()["code"] == "DUPLICATE"
    # A directed link the other way round is another link.
    assert post_link(editor_api, "attachment", floors[0], building).status_code == 201


def test_peer_links_are_symmetric_duplicates(editor_api, building, floors):
    assert post_link(editor_api, "related", building, floors[0]).status_code == 201
    reverse = post_link(editor_api, "related", floors[0], building)
    assert reverse.status_code == 409
    assert reverse.json()["code"] == "DUPLICATE"


def test_alias_is_part_of_the_identity(editor_api, building, floors):
    """The same screw at four places on a panel: one child under one parent, several aliases."""
    screw = floors[0]
    for alias in ("top-left", "top-right"):
        assert post_link(editor_api, "parent_child", building, screw, alias=alias).status_code == 201
    same_alias = post_link(editor_api, "parent_child", building, screw, alias="top-left")
    assert same_alias.status_code == 409 and same_alias.json()["code"] == "DUPLICATE"
    assert post_link(editor_api, "parent_child", building, screw).status_code == 201
    second_without = post_link(editor_api, "parent_child", building, screw)
    assert second_without.status_code == 409 and second_without.json()["code"] == "DUPLICATE"
    # Renaming an alias onto a taken one is a duplicate too, and changes nothing.
    link = Link.objects.get(alias="top-right")
    clash = editor_api.patch(f"/links/{link.pk}", {"alias": "top-left"})
    assert clash.status_code == 409 and clash.json()["code"] == "DUPLICATE"
    link.refresh_from_db()
    assert link.alias == "top-right" and link.version == 1


def test_alias_only_on_types_that_allow_it(editor_api, building, floors):
    response = post_link(editor_api, "related", building, floors[0], alias="x")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "alias"
    too_long = post_link(editor_api, "parent_child", building, floors[0], alias="a" * 129)
    assert too_long.status_code == 400


def test_reverse_link_next_to_existing_one_is_a_cycle(editor_api, building, floors):
    assert post_link(editor_api, "parent_child", building, floors[0]).status_code == 201
    reverse = post_link(editor_api, "parent_child", floors[0], building)
    assert reverse.status_code == 409
    assert reverse.json()["code"] == "CYCLE"


def test_longer_cycles_are_rejected_but_diamonds_are_fine(editor_api, building, floors):
    a, b, c = floors
    for source, target in ((building, a), (a, b), (b, c)):
        assert post_link(editor_api, "parent_child", source, target).status_code == 201
    closing = post_link(editor_api, "parent_child", c, building)
    assert closing.status_code == 409 and closing.json()["code"] == "CYCLE"
    # A child with two parents is no cycle.
    assert post_link(editor_api, "parent_child", building, c).status_code == 201
    # Cycles are per hierarchical type: a peer link back up is fine.
    assert post_link(editor_api, "related", c, building).status_code == 201


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"tags": "structural"}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"tags": [1]}, "tags"),
        ({"properties": [1, 2]}, "properties"),
        ({"properties": {f"k{i}": i for i in range(501)}}, "properties"),
        ({"sequence": "first"}, "sequence"),
        ({"sequence": 2**31}, "sequence"),
        ({"description": 5}, "description"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_link_values_are_400(editor_api, building, floors, extra, field):
    response = post_link(editor_api, "parent_child", building, floors[0], **extra)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert any(field in e["field"] for e in body["errors"]), body
    assert not Link.objects.exists()


@pytest.mark.parametrize("body", ["not json", "[]", '{"link_type": "related"}', '{"link_type": null, "source_id": 1, "target_id": 2}'])
def test_malformed_bodies_are_400(editor_api, body):
    response = editor_api.post("/links", body)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_properties_sequence_and_description_are_stored(editor_api, building, floors):
    response = post_link(editor_api, "attachment", building, floors[0], properties={"role": "main", "n": 1},
                         sequence=2, description="Scanned plan")
    link = response.json()
    assert (link["properties"], link["sequence"], link["description"]) == ({"role": "main", "n": 1}, 2, "Scanned plan")
    patched = editor_api.patch(f"/links/{link['id']}", {"properties": {"role": "back"}, "sequence": 1}).json()
    assert patched["properties"] == {"role": "back"} and patched["sequence"] == 1
    assert patched["description"] == "Scanned plan"


def test_stale_version_is_409_conflict_and_changes_nothing(editor_api, building, floors):
    link = post_link(editor_api, "parent_child", building, floors[0], tags=["a"]).json()
    editor_api.patch(f"/links/{link['id']}", {"tags": ["b"]})
    stale = editor_api.patch(f"/links/{link['id']}", {"tags": ["c"], "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert (body["code"], body["entity_type"], body["expected_version"], body["current_version"]) == (
        "CONFLICT", "link", 1, 2
    )
    assert editor_api.delete(f"/links/{link['id']}?version=1").status_code == 409
    assert Link.objects.get(pk=link["id"]).tags == ["b"]


def test_type_restrictions_of_the_link_type_are_enforced(editor, editor_api, arch, building, floors):
    admin = make_user("arch-admin")
    grant(admin, "manage_org", arch)
    link_type = ApiClient(admin).post("/link-types", {
        "organization_id": arch.pk, "code": "floor_plan", "name": "Floor plan", "kind": "directed",
        "source_type_codes": ["building"], "target_type_codes": ["floor"],
    })
    assert link_type.status_code == 201, link_type.content
    assert post_link(editor_api, "floor_plan", building, floors[0]).status_code == 201
    wrong = post_link(editor_api, "floor_plan", floors[0], floors[1])
    assert wrong.status_code == 400
    assert [e["field"] for e in wrong.json()["errors"]] == ["source_id"]


def test_links_may_cross_organizations(editor, editor_api, building):
    other_org = make_org("laserfiche-repo")
    grant(editor, "change_org_assets", other_org)
    email = make_asset(other_org, make_type(other_org, "email"), "Email", key="email-10")
    response = post_link(editor_api, "attachment", email, building)
    assert response.status_code == 201
    assert response.json()["source"]["organization_id"] == other_org.pk
    assert response.json()["target"]["organization_id"] == building.organization_id


def test_list_filters_and_keyset_pages(editor_api, building, floors):
    first = post_link(editor_api, "parent_child", building, floors[0], tags=["structural"]).json()
    post_link(editor_api, "parent_child", building, floors[1], tags=["hvac"])
    post_link(editor_api, "related", floors[2], building)
    post_link(editor_api, "attachment", floors[0], floors[1], tags=["structural", "x"])

    def ids(**params):
        body = editor_api.get("/links", params).json()
        return [item["id"] for item in body["items"]]

    assert len(ids()) == 4
    assert len(ids(source_id=building.pk)) == 2
    assert len(ids(target_id=building.pk)) == 1
    assert len(ids(asset_id=building.pk)) == 3
    assert len(ids(link_type="parent_child")) == 2
    assert len(ids(link_type=str(system_type("related").pk))) == 1
    assert len(ids(tag="structural")) == 2
    assert ids(tag="structural", link_type="parent_child") == [first["id"]]
    assert ids(tag="nothing") == []

    page1 = editor_api.get("/links", {"limit": 3, "count": "true"}).json()
    assert page1["total_count"] == 4 and page1["page_info"]["has_next_page"] is True
    page2 = editor_api.get("/links", {"limit": 3, "cursor": page1["page_info"]["end_cursor"]}).json()
    assert len(page2["items"]) == 1 and page2["page_info"]["has_next_page"] is False
    assert editor_api.get("/links", {"cursor": "garbage!"}).status_code == 400


def test_list_query_count_does_not_grow_with_page_size(editor_api, arch, building, floor_type,
                                                       django_assert_max_num_queries):
    for i in range(30):
        make_link("attachment", building, make_asset(arch, floor_type, f"Sheet {i}"))
    editor_api.get("/links", {"limit": 1})
    with django_assert_max_num_queries(4):
        body = editor_api.get("/links", {"limit": 30}).json()
    assert len(body["items"]) == 30


def test_anonymous_requests_are_401(api_for):
    response = api_for(None).get("/links")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "path",
    [
        "/links?source_id=abc",
        "/links?link_type=99999999999999999999999999",
        "/links?asset_id=99999999999999999999",
        "/links/99999999999999999999",
        "/assets/99999999999999999999/links?tree=true",
        "/link-types?organization_id=99999999999999999999",
        "/links?limit=0",
    ],
)
def test_odd_query_values_never_fail(editor_api, path):
    response = editor_api.get(path)
    assert response.status_code in (200, 400, 404), response.content
    assert response.status_code == 200 or response.json()["code"] in ("VALIDATION_ERROR", "NOT_FOUND")


@pytest.mark.parametrize("path", ["/links?sourceid=1", "/link-types?org=1", "/assets/1/links?childTreeView=true"])
def test_misspelt_parameters_are_400_not_a_wider_answer(editor_api, building, path):
    response = editor_api.get(path.replace("/assets/1/", f"/assets/{building.pk}/"))
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_openapi_schema_describes_the_links_endpoints(admin_api):
    schema = admin_api.get("/openapi.json").json()
    for path in ("/api/v1/links", "/api/v1/links/{link_id}", "/api/v1/link-types", "/api/v1/assets/{asset_id}/links"):
        assert path in schema["paths"], path
    assert {"get", "put"} <= set(schema["paths"]["/api/v1/assets/{asset_id}/links"])


def test_ids_beyond_64_bits_in_bodies_are_400(editor_api, building):
    huge = 2**64
    response = editor_api.post("/links", {"link_type": huge, "source_id": building.pk, "target_id": huge})
    assert response.status_code == 400
    replace = editor_api.put(f"/assets/{building.pk}/links", {"links": [{"link_type": "related", "target_id": huge}]})
    assert replace.status_code == 400
