"""Bulk REST writes (SPEC §10): POST/PATCH/DELETE /assets with a list, all-or-nothing, every bad
item at its index, per-item permissions and versions, queries growing by batches."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset, AssetDeviceLink, AssetType, ChangeLogEntry
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_type, make_user

from .helpers import assert_problem, truck_body


def bodies(org, truck_type, n, prefix="bulk"):
    return [truck_body(org, truck_type, key=f"{prefix}-{i}", title=f"Truck {i}",
                       custom_fields={"license_plate": f"HH-{i}"}) for i in range(n)]


def delete(api, body):
    return api._send("delete", "/assets", body)


def test_bulk_create_returns_the_assets_in_order_with_one_change_entry_each(org, truck_type, tracker, admin_api):
    items = bodies(org, truck_type, 3)
    items[1]["custom_fields"] = {"license_plate": "HH-1", "tracker": tracker.pk}
    response = admin_api.post("/assets", items)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["key"] for a in body] == ["bulk-0", "bulk-1", "bulk-2"]
    assert body[1]["custom_fields"]["tracker"] == tracker.pk
    assert AssetDeviceLink.objects.get(device=tracker).asset_id == body[1]["id"]
    entries = ChangeLogEntry.objects.filter(object_type="asset", action="create")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(a["id"] for a in body)
    assert len(set(entries.values_list("request_id", flat=True))) == 1


def test_bulk_create_generates_missing_keys(org, truck_type, admin_api):
    items = [truck_body(org, truck_type, title="Same title") for _ in range(3)]
    response = admin_api.post("/assets", items)
    assert response.status_code == 201
    keys = [a["key"] for a in response.json()]
    assert len(set(keys)) == 3 and all(k.startswith("same-title-") for k in keys)


def test_a_single_body_still_creates_one(org, truck_type, admin_api):
    response = admin_api.post("/assets", truck_body(org, truck_type))
    assert response.status_code == 201 and isinstance(response.json(), dict), response.content


def test_bulk_create_is_all_or_nothing_with_every_bad_index(org, truck_type, tracker, admin_api):
    make_asset(org, truck_type, key="taken")
    items = bodies(org, truck_type, 5)
    items[1]["custom_fields"] = {}  # required license plate missing
    items[3]["key"] = "taken"
    items[4]["custom_fields"] = {"license_plate": "x", "fuel_capacity_l": "lots"}
    body = assert_problem(admin_api.post("/assets", items), 409, "CONFLICT")
    assert sorted({e["index"] for e in body["errors"]}) == [1, 3, 4]
    assert {(e["index"], e["field"]) for e in body["errors"]} >= {
        (1, "custom_fields.license_plate"), (3, "key"), (4, "custom_fields.fuel_capacity_l")}
    assert not Asset.objects.filter(key__startswith="bulk-").exists()
    assert not ChangeLogEntry.objects.filter(action="create").exists()


def test_bulk_create_refuses_a_key_twice_in_the_list_and_a_device_twice(org, truck_type, tracker, admin_api):
    items = bodies(org, truck_type, 3)
    items[2]["key"] = "bulk-0"
    items[0]["custom_fields"]["tracker"] = tracker.pk
    items[1]["custom_fields"]["tracker"] = tracker.pk
    body = assert_problem(admin_api.post("/assets", items), 409)
    assert {(e["index"], e["field"]) for e in body["errors"]} == {(2, "key"), (1, "custom_fields.tracker")}
    assert not Asset.objects.exists()


def test_bulk_validation_errors_carry_the_index(org, truck_type, admin_api):
    items = bodies(org, truck_type, 3)
    items[2]["title"] = 7
    del items[0]["type_id"]
    body = assert_problem(admin_api.post("/assets", items), 400, "VALIDATION_ERROR")
    assert {(e["index"], e["field"]) for e in body["errors"]} == {(0, "type_id"), (2, "title")}


def test_bulk_lists_are_limited_to_1000(org, truck_type, admin_api):
    body = assert_problem(admin_api.post("/assets", bodies(org, truck_type, 1001)), 400)
    assert "1000" in body["detail"]
    assert_problem(admin_api.patch("/assets", []), 400)


def test_bulk_create_in_an_invisible_organization_is_not_found_at_its_index(org, truck_type):
    user = make_user()
    api = ApiClient(user)
    body = assert_problem(api.post("/assets", bodies(org, truck_type, 2)), 404, "NOT_FOUND")
    assert [(e["index"], e["message"]) for e in body["errors"]] == [(0, "organization not found"),
                                                                    (1, "organization not found")]
    assert org.key not in str(body)


def test_bulk_patch_changes_every_item_and_bumps_versions(org, truck_type, admin_api):
    trucks = [make_asset(org, truck_type, f"T{i}", custom_fields={"license_plate": "x"}) for i in range(3)]
    items = [{"id": t.pk, "version": t.version, "custom_fields": {"set": {"fuel_capacity_l": 100 + i}}}
             for i, t in enumerate(trucks)]
    items[0]["title"] = "Renamed"
    response = admin_api.patch("/assets", items)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [a["id"] for a in body] == [t.pk for t in trucks]
    assert [a["version"] for a in body] == [t.version + 1 for t in trucks]
    assert body[0]["title"] == "Renamed" and body[2]["custom_fields"]["fuel_capacity_l"] == 102
    assert ChangeLogEntry.objects.filter(action="update", object_type="asset").count() == 3


def test_bulk_patch_invisible_id_is_not_found_at_its_index_never_named(org, truck_type):
    hidden = make_asset(org, truck_type, "Hidden secret", key="hidden-secret")
    mine = make_asset(org, truck_type, "Mine")
    user = make_user()
    grant(user, "change_asset", mine)
    api = ApiClient(user)
    body = assert_problem(api.patch("/assets", [{"id": mine.pk, "title": "New"}, {"id": hidden.pk, "title": "x"}]),
                          404, "NOT_FOUND")
    assert body["errors"] == [{"index": 1, "field": "id", "message": "not found"}]
    assert "hidden-secret" not in str(body) and "Hidden secret" not in str(body)
    mine.refresh_from_db()
    assert mine.title == "Mine"


def test_bulk_patch_per_item_permission(org, truck_type):
    viewable = make_asset(org, truck_type, "Viewable")
    mine = make_asset(org, truck_type, "Mine")
    user = make_user()
    grant(user, "change_asset", mine)
    grant(user, "view_asset", viewable)
    body = assert_problem(ApiClient(user).patch("/assets", [{"id": mine.pk, "title": "A"},
                                                            {"id": viewable.pk, "title": "B"}]), 400)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "id")]
    assert set(Asset.objects.values_list("title", flat=True)) == {"Viewable", "Mine"}


def test_bulk_patch_stale_version_is_a_409_at_its_index_nothing_written(org, truck_type, admin_api):
    a, b = make_asset(org, truck_type, "A"), make_asset(org, truck_type, "B")
    assert admin_api.patch(f"/assets/{b.pk}", {"title": "B2"}).status_code == 200
    body = assert_problem(admin_api.patch("/assets", [{"id": a.pk, "version": a.version, "title": "A3"},
                                                      {"id": b.pk, "version": b.version, "title": "B3"}]),
                          409, "CONFLICT")
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "version")]
    a.refresh_from_db()
    assert a.title == "A" and a.version == 1


def test_bulk_patch_same_id_twice_is_refused(org, truck_type, admin_api):
    a = make_asset(org, truck_type, "A")
    body = assert_problem(admin_api.patch("/assets", [{"id": a.pk, "title": "x"}, {"id": a.pk, "title": "y"}]), 400)
    assert [e["index"] for e in body["errors"]] == [1]


def test_bulk_delete_removes_all_or_none(org, truck_type, admin_api):
    trucks = [make_asset(org, truck_type, f"T{i}") for i in range(3)]
    response = delete(admin_api, [{"id": t.pk, "version": t.version} for t in trucks])
    assert response.status_code == 204
    assert not Asset.objects.exists()
    assert ChangeLogEntry.objects.filter(action="delete", object_type="asset").count() == 3


def test_bulk_delete_with_one_undeletable_deletes_nothing(org, truck_type):
    mine, other = make_asset(org, truck_type, "Mine"), make_asset(org, truck_type, "Other")
    hidden = make_asset(org, truck_type, "Hidden")
    user = make_user()
    grant(user, "delete_asset", mine)
    grant(user, "view_asset", other)
    body = assert_problem(delete(ApiClient(user), [{"id": mine.pk}, {"id": other.pk}, {"id": hidden.pk}]), 404)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "id"), (2, "id")]
    assert body["errors"][1]["message"] == "not found"
    assert Asset.objects.count() == 3


def test_bulk_delete_stale_version(org, truck_type, admin_api):
    a = make_asset(org, truck_type, "A")
    body = assert_problem(delete(admin_api, [{"id": a.pk, "version": a.version + 1}]), 409)
    assert body["errors"][0]["index"] == 0
    assert Asset.objects.filter(pk=a.pk).exists()


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code in (200, 201, 204), response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("verb", ["create", "patch"])
def test_bulk_queries_grow_by_batches_not_items(org, truck_type, verb):
    user = make_user()
    grant(user, "change_org_assets", org)
    api = ApiClient(user)
    counts = []
    for n, prefix in ((10, "small"), (500, "large")):
        if verb == "create":
            items = bodies(org, truck_type, n, prefix)
            counts.append(_queries(lambda items=items: api.post("/assets", items)))
        else:
            ids = Asset.objects.filter(key__startswith=f"{prefix}-").values_list("pk", flat=True)
            if not ids:
                api.post("/assets", bodies(org, truck_type, n, prefix))
                ids = Asset.objects.filter(key__startswith=f"{prefix}-").values_list("pk", flat=True)
            items = [{"id": pk, "custom_fields": {"set": {"fuel_capacity_l": 5}}} for pk in ids]
            counts.append(_queries(lambda items=items: api.patch("/assets", items)))
    # 50 times the items, a handful more statements: the batches SQLite splits the inserts and
    # the reads into (its bound-variable limit; the change log's 12 columns take 7 statements for
    # 500 rows); nothing per item. Pinned: 18/17 for 10 items.
    assert counts[0] <= 18 and counts[1] - counts[0] <= 9, counts


def test_openapi_documents_the_bulk_bodies(db):
    schema = ApiClient().get("/openapi.json").json()
    operations = schema["paths"]["/api/v1/assets"]
    create = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {option.get("type", "object") for option in create["oneOf"]} == {"object", "array"}
    for method in ("patch", "delete"):
        body = operations[method]["requestBody"]["content"]["application/json"]["schema"]
        assert body["type"] == "array" and body["maxItems"] == 1000
        assert "id" in body["items"]["required"]
    assert {"404", "409"} <= set(operations["patch"]["responses"])


def _doomed_world(org, user, n: int, prefix: str) -> list[int]:
    """n assets to delete, each with a link to a keeper, a group membership, a file, and a keeper
    whose ASSET field references it: every kind of before-delete work, n times."""
    from assets.files.models import AssetFile
    from groups import services as groups
    from links.models import Link, LinkKind, LinkType

    crate = AssetType.objects.filter(code="crate").first() or make_type(
        org, "crate", [{"code": "holder", "field_type": "ASSET"}])
    api = ApiClient(user)
    doomed = [{"organization_id": org.pk, "type_id": crate.pk, "key": f"{prefix}-{i}", "title": f"Crate {i}"}
              for i in range(n)]
    assert api.post("/assets", doomed).status_code == 201
    ids = list(Asset.objects.filter(key__startswith=f"{prefix}-").order_by("pk").values_list("pk", flat=True))
    keepers = [{"organization_id": org.pk, "type_id": crate.pk, "key": f"keep-{prefix}-{i}", "title": f"Keeper {i}",
                "custom_fields": {"holder": pk}} for i, pk in enumerate(ids)]
    assert api.post("/assets", keepers).status_code == 201
    keeper_ids = list(Asset.objects.filter(key__startswith=f"keep-{prefix}-").order_by("pk")
                      .values_list("pk", flat=True))
    related = LinkType.objects.get_or_create(organization=org, code="related",
                                             defaults={"name": "Related", "kind": LinkKind.DIRECTED})[0]
    Link.objects.bulk_create([Link(link_type=related, kind=related.kind, source_id=pk, target_id=keeper)
                              for pk, keeper in zip(ids, keeper_ids, strict=True)])
    AssetFile.objects.bulk_create([AssetFile(asset_id=pk, remote_url=f"https://cdn.example.com/{pk}.jpg")
                                   for pk in ids])
    groups.create_group(user, organization_id=org.pk, title=f"Group {prefix}", asset_ids=ids)
    return ids


def test_bulk_delete_queries_grow_by_batches_not_items(org):
    from assets.files.models import AssetFile
    from groups.models import GroupMembership
    from links.models import Link

    user = make_user()
    for perm in ("change_org_assets", "delete_org_assets", "manage_org"):
        grant(user, perm, org)
    api = ApiClient(user)
    counts = []
    for n, prefix in ((10, "small"), (100, "large")):
        ids = _doomed_world(org, user, n, prefix)
        assert Asset.objects.filter(custom_fields__holder__in=ids).count() == n
        entries = ChangeLogEntry.objects.count()
        counts.append(_queries(lambda ids=ids: delete(api, [{"id": pk} for pk in ids])))
        assert not Asset.objects.filter(pk__in=ids).exists()
        assert not Link.objects.filter(source_id__in=ids).exists()
        assert not AssetFile.objects.filter(asset_id__in=ids).exists()
        assert not GroupMembership.objects.filter(asset_id__in=ids).exists()
        assert not Asset.objects.filter(custom_fields__holder__in=ids).exists()
        # One entry per asset, per link and per keeper that lost its reference.
        assert ChangeLogEntry.objects.count() - entries == 3 * n
    # Ten times the items, the same statements but for SQLite's parameter batches.
    print("bulk delete queries (10, 100):", counts)
    assert counts[1] - counts[0] <= 4, counts


def test_bulk_delete_logs_what_a_single_delete_logs_and_restores_alike(org, truck_type, tracker, admin_api):
    """Two trucks alike (a primary tracker, a group), one deleted alone and
    the other in a list: the same delete snapshot, and both come back."""
    from tests.factories import make_device

    second = make_device(org, "GPS Unit #118", "356938035643810")
    made = [admin_api.post("/assets", truck_body(
        org, truck_type, title="Gone", key=f"gone-{i}",
        custom_fields={"set": {"license_plate": "HH-9", "tracker": device.pk}, "set_primary": ["tracker"]},
    )).json() for i, device in enumerate((tracker, second))]
    group = admin_api.post("/groups", {"organization_id": org.pk, "title": "Fleet",
                                       "asset_ids": [a["id"] for a in made]}).json()
    alone, listed = made
    assert admin_api.delete(f"/assets/{alone['id']}").status_code == 204
    assert delete(admin_api, [{"id": listed["id"], "version": listed["version"]}]).status_code == 204
    entries = {e.object_id: e for e in ChangeLogEntry.objects.filter(object_type="asset", action="delete")}

    def comparable(before):
        return {k: v for k, v in before.items() if k not in ("key", "custom_fields", "created_at", "updated_at")}

    assert comparable(entries[alone["id"]].before) == comparable(entries[listed["id"]].before)
    assert entries[listed["id"]].before["group_ids"] == [group["id"]]
    assert entries[listed["id"]].before["primary_device_field"] == "tracker"
    assert entries[listed["id"]].request_id
    for old in made:
        restored = admin_api.post(f"/changes/{entries[old['id']].pk}/restore")
        assert restored.status_code == 201, restored.content
        body = restored.json()
        assert body["restore_report"] == [] and [g["id"] for g in body["groups"]] == [group["id"]]
        assert body["primary_device"] is not None


def test_bulk_delete_of_two_assets_one_holder_names_is_one_change_of_the_holder(org, admin_api):
    crate = make_type(org, "crate", [{"code": "left", "field_type": "ASSET"}, {"code": "right", "field_type": "ASSET"}])
    a, b = make_asset(org, crate, "A"), make_asset(org, crate, "B")
    holder = make_asset(org, crate, "Holder", custom_fields={"left": a.pk, "right": b.pk})
    assert delete(admin_api, [{"id": a.pk}, {"id": b.pk}]).status_code == 204
    holder.refresh_from_db()
    assert holder.custom_fields == {} and holder.version == 2
    updates = ChangeLogEntry.objects.filter(object_type="asset", object_id=holder.pk, action="update")
    assert [(e.before["custom_fields"], e.after["custom_fields"]) for e in updates] == [
        ({"left": a.pk, "right": b.pk}, {})]


def test_set_based_delete_deletes_nothing_when_one_row_moved_on(org, truck_type, superuser):
    from django.db import transaction

    from assets.core.versioning import RowsChanged
    from assets.services.assets import delete_locked_assets

    a, b = make_asset(org, truck_type, "A"), make_asset(org, truck_type, "B")
    with pytest.raises(RowsChanged) as raised, transaction.atomic():
        delete_locked_assets(superuser, [a, b], {a.pk: a.version, b.pk: b.version + 1})
    assert raised.value.current == {b.pk: b.version}
    assert Asset.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    assert not ChangeLogEntry.objects.filter(action="delete").exists()


def test_the_list_filters_by_the_request_that_wrote_the_assets(org, truck_type, admin_api, viewer_api):
    from tests.factories import make_org

    other = make_org("elsewhere")
    other_type = make_type(other, "crane", [])
    make_asset(org, truck_type, key="before", custom_fields={"license_plate": "X"})
    created = admin_api.post("/assets", bodies(org, truck_type, 3), HTTP_X_REQUEST_ID="bulkrun1").json()
    hidden = admin_api.post("/assets", {"organization_id": other.pk, "type_id": other_type.pk, "title": "Crane"},
                            HTTP_X_REQUEST_ID="bulkrun1").json()
    admin_api.post("/assets", bodies(org, truck_type, 1, prefix="later"), HTTP_X_REQUEST_ID="bulkrun2")
    mine = {a["id"] for a in created}
    listed = admin_api.get("/assets", {"request_id": "bulkrun1"}).json()["items"]
    assert {a["id"] for a in listed} == mine | {hidden["id"]}
    # A reader who can't see the other organization gets only what they may view, counted as such.
    page = viewer_api.get("/assets", {"request_id": "bulkrun1", "count": "true"}).json()
    assert {a["id"] for a in page["items"]} == mine and page["total_count"] == 3
    both = admin_api.get("/assets", {"request_id": "bulkrun1,bulkrun2", "organization_id": org.pk}).json()["items"]
    assert len(both) == 4
    assert_problem(admin_api.get("/assets", {"request_id": "not-an-id!"}), 400)
    changes = viewer_api.get("/changes", {"request_id": "bulkrun1"}).json()["items"]
    assert {c["object_id"] for c in changes} == mine
