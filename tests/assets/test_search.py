"""GET /search: assets by title, key and custom-field text (localized too), devices, groups,
types and link types; only what the caller may view, never counted or named otherwise; keyset
pages across kinds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_device, make_org, make_type, make_user

from .helpers import assert_problem


@pytest.fixture
def world(org, truck_type):
    shirt = make_type(org, "shirt", [{"code": "name", "title": "Name", "field_type": "LOCALIZED_STRING"}], title="Shirt")
    plate = make_asset(org, truck_type, "Truck one", key="truck-one", custom_fields={"license_plate": "HH-ZEPPELIN 7"})
    blue = make_asset(org, shirt, "Shirt 1", key="shirt-1", custom_fields={"name": {"en_US": "Zeppelin blue", "de_DE": "Luftschiff"}})
    device = make_device(org, "Zeppelin tracker", "ZEP-0001")
    make_asset(org, truck_type, "Numbered", key="numbered", custom_fields={"license_plate": "P-4711"})
    other = make_org("rival")
    rival_type = make_type(other, "rival_truck", [{"code": "plate", "title": "Plate", "field_type": "STRING"}])
    hidden = make_asset(other, rival_type, "Zeppelin secret", key="zeppelin-secret", custom_fields={"plate": "ZEPPELIN"})
    make_device(other, "Zeppelin rival device", "ZEP-9999")
    return {"plate": plate, "blue": blue, "device": device, "hidden": hidden}


def _all(api, q, **params):
    items, cursor = [], None
    while True:
        body = api.get("/search", {"q": q, "limit": 2, **params, **({"cursor": cursor} if cursor else {})}).json()
        items += body["items"]
        if not body["page_info"]["has_next_page"]:
            return items
        cursor = body["page_info"]["end_cursor"]


def test_search_finds_assets_by_custom_field_text_and_localized_strings(world, viewer_api):
    found = viewer_api.get("/search", {"q": "zeppelin", "kind": "asset"}).json()["items"]
    assert {(i["kind"], i["id"]) for i in found} == {("asset", world["plate"].pk), ("asset", world["blue"].pk)}
    hit = next(i for i in found if i["id"] == world["blue"].pk)
    assert hit == {"kind": "asset", "id": world["blue"].pk, "title": "Shirt 1", "subtitle": "shirt-1",
                   "url": f"/assets/{world['blue'].pk}/"}
    assert [i["id"] for i in viewer_api.get("/search", {"q": "Luftschiff"}).json()["items"]] == [world["blue"].pk]
    assert [i["id"] for i in viewer_api.get("/search", {"q": "truck-one", "kind": "asset"}).json()["items"]] == [
        world["plate"].pk]
    for q in ("ZEPPELIN 7", "hh-zeppelin", "HH-ZEPPELIN 7"):
        assert [i["id"] for i in viewer_api.get("/search", {"q": q}).json()["items"]] == [world["plate"].pk], q


def test_search_spans_kinds_in_keyset_pages_and_hides_what_the_user_may_not_view(world, viewer_api, admin_api):
    items = _all(viewer_api, "zeppelin")
    assert [(i["kind"], i["title"]) for i in items] == [
        ("asset", "Shirt 1"), ("asset", "Truck one"), ("device", "Zeppelin tracker")]
    assert "secret" not in str(items) and "rival" not in str(items)
    counted = viewer_api.get("/search", {"q": "zeppelin", "count": "true"}).json()
    assert counted["total_count"] == 3
    everything = _all(admin_api, "zeppelin")
    assert len(everything) == len({(i["kind"], i["id"]) for i in everything}) == 5
    assert admin_api.get("/search", {"q": "zeppelin", "count": "true"}).json()["total_count"] == 5


def test_search_finds_types_and_groups_and_nothing_for_outsiders(world, viewer_api, admin_api, org, truck_type):
    admin_api.post("/groups", {"organization_id": org.pk, "title": "Zeppelin fleet"})
    kinds = {i["kind"] for i in _all(admin_api, "zeppelin")}
    assert "group" in kinds
    types = viewer_api.get("/search", {"q": "delivery", "kind": "asset_type"}).json()["items"]
    assert [(t["id"], t["subtitle"]) for t in types] == [(truck_type.pk, "delivery_truck")]
    outsider = ApiClient(make_user("nobody"))
    body = outsider.get("/search", {"q": "zeppelin", "count": "true"}).json()
    assert body["items"] == [] and body["total_count"] == 0


def test_search_with_one_asset_granted_sees_only_that_one(world):
    user = make_user("one")
    grant(user, "view_asset", world["plate"])
    items = ApiClient(user).get("/search", {"q": "zeppelin", "kind": "asset", "count": "true"}).json()
    assert [i["id"] for i in items["items"]] == [world["plate"].pk] and items["total_count"] == 1


def test_bad_search_input_is_a_400(world, viewer_api):
    assert_problem(viewer_api.get("/search", {"q": ""}), 400)
    # (a number typed alone still finds the plate it is part of)
    assert [i["title"] for i in viewer_api.get("/search", {"q": "4711"}).json()["items"]] == ["Numbered"]
    assert_problem(viewer_api.get("/search", {"q": "--"}), 400)
    assert_problem(viewer_api.get("/search", {"q": "x" * 201}), 400)
    assert_problem(viewer_api.get("/search", {"q": "a", "kind": "planet"}), 400)
    assert_problem(viewer_api.get("/search", {"q": "a", "cursor": "garbage"}), 400)
    assert_problem(viewer_api.get("/search", {"q": "a", "sort": "x"}), 400)
    assert_problem(viewer_api.get("/search"), 400)


def test_search_is_one_query_per_page(world, viewer):
    from assets.services.search import search

    with CaptureQueriesContext(connection) as queries:
        page = search(viewer, "zeppelin", limit=10)
    assert len(page.items) == 3
    assert len(queries) <= 3  # the permission snapshot, then the one UNION query


def test_search_ranks_an_exact_key_first_and_follows_edits_and_deletions(world, viewer_api, org, truck_type):
    from assets.models import Asset

    make_asset(org, truck_type, "Zeppelin", key="zep", custom_fields={})
    make_asset(org, truck_type, "A zeppelin too", key="zeppelin", custom_fields={})
    titles = [i["title"] for i in viewer_api.get("/search", {"q": "zeppelin", "kind": "asset"}).json()["items"]]
    # exact title or key, then a title starting with the query, then the rest by title
    assert titles == ["A zeppelin too", "Zeppelin", "Shirt 1", "Truck one"]
    Asset.objects.filter(pk=world["plate"].pk).update(custom_fields={"license_plate": "HB-1"})
    Asset.objects.filter(pk=world["blue"].pk).delete()
    titles = [i["title"] for i in viewer_api.get("/search", {"q": "zeppelin", "kind": "asset"}).json()["items"]]
    assert titles == ["A zeppelin too", "Zeppelin"]
    assert [i["title"] for i in viewer_api.get("/search", {"q": "hb 1"}).json()["items"]] == ["Truck one"]


def test_group_hits_carry_their_path_of_visible_groups_and_link_types_are_found(world, admin_api, org):
    parent = admin_api.post("/groups", {"organization_id": org.pk, "title": "Fleet"}).json()
    admin_api.post("/groups", {"organization_id": org.pk, "title": "Zeppelin hangar", "code": "hangar-z",
                               "parent_id": parent["id"]})
    hits = admin_api.get("/search", {"q": "hangar", "kind": "group"}).json()["items"]
    assert [(h["title"], h["subtitle"]) for h in hits] == [("Zeppelin hangar", "Fleet / Zeppelin hangar")]
    assert admin_api.get("/search", {"q": "hangar-z", "kind": "group"}).json()["items"][0]["title"] == "Zeppelin hangar"
    assert admin_api.post("/link-types", {"organization_id": org.pk, "code": "tows", "name": "Tows",
                          "kind": "directed"}).status_code == 201
    assert [h["title"] for h in admin_api.get("/search", {"q": "tows", "kind": "link_type"}).json()["items"]] == ["Tows"]


@pytest.mark.parametrize("extra", [0, 90])
def test_search_with_counts_and_the_preview_stay_within_four_queries(world, viewer, org, truck_type, extra):
    from assets.services.search import preview, search

    for n in range(extra):
        make_asset(org, truck_type, f"Zeppelin {n:03}", key=f"zz-{n}", custom_fields={})
    with CaptureQueriesContext(connection) as queries:
        page = search(viewer, "zeppelin", limit=100, with_count=True)
    assert len(page.items) == 3 + extra and page.total_count == 3 + extra
    assert len(queries) <= 4
    with CaptureQueriesContext(connection) as queries:
        shown = preview(viewer, "zeppelin", per_kind=5)
    assert len(queries) <= 4
    assert shown.counts["asset"] == 2 + extra and shown.counts["device"] == 1
    assert len([i for i in shown.items if i["kind"] == "asset"]) == min(5, 2 + extra)
    assert "secret" not in str(shown.items) and "rival" not in str(shown.items)


def test_capped_counts_stop_at_the_cap_and_count_only_what_the_user_may_view(world, viewer, org, truck_type):
    from assets.services.search import preview, search

    # the viewer sees two zeppelin assets; the rival's third is invisible and must not tip the cap
    page = search(viewer, "zeppelin", with_count=True, count_cap=2)
    assert page.counts["asset"] == 2 and page.capped == frozenset()
    make_asset(org, truck_type, "Zeppelin three", key="zep-3", custom_fields={})
    page = search(viewer, "zeppelin", with_count=True, count_cap=2)
    assert page.counts["asset"] == 2 and page.capped == {"asset"}
    assert page.counts["device"] == 1 and page.total_count == 3
    # the cap bounds the count, never the hits
    assert [i["title"] for i in page.items if i["kind"] == "asset"] == ["Zeppelin three", "Shirt 1", "Truck one"]
    shown = preview(viewer, "zeppelin", per_kind=1, count_cap=2)
    assert shown.counts == {"asset": 2, "device": 1, "group": 0, "asset_type": 0, "link_type": 0}
    assert shown.capped == {"asset"} and [i["title"] for i in shown.items] == ["Zeppelin three", "Zeppelin tracker"]
    # without a cap (the API's count=true) the count is exact
    assert search(viewer, "zeppelin", with_count=True).counts["asset"] == 3


def test_the_header_and_the_results_page_say_when_a_count_stopped_at_the_cap(world, viewer, org, truck_type,
                                                                              client, monkeypatch):
    from assets.services import search as search_service

    for n in range(5):
        make_asset(org, truck_type, f"Zeppelin {n}", key=f"zep-{n}", custom_fields={})
    monkeypatch.setattr(search_service, "COUNT_CAP", 6)
    client.force_login(viewer)
    dropdown = client.get("/search/preview/", {"q": "zeppelin"}).content.decode()
    assert "Show all 6+ assets" in dropdown and 'data-summary="7+ results"' in dropdown
    assert "secret" not in dropdown.lower() and "rival" not in dropdown.lower()
    results = client.get("/search/", {"q": "zeppelin", "kind": "asset"}).content.decode()
    assert "6+ results for “zeppelin” among assets" in results
    monkeypatch.setattr(search_service, "COUNT_CAP", 7)
    dropdown = client.get("/search/preview/", {"q": "zeppelin"}).content.decode()
    assert "Show all 7 assets" in dropdown and 'data-summary="8 results"' in dropdown
