"""Saved views: GET /assets?view=<id> applies a view's filters, ordering and columns; a view is
private or shared with an organization, and applied only for users who can see it (anyone else
gets the same 404 as for a view that never existed). Column choices per user and type."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_user

from .helpers import assert_problem


@pytest.fixture
def trucks(org, truck_type):
    return [make_asset(org, truck_type, f"Truck {n}", key=f"t-{n}",
                       custom_fields={"license_plate": f"HH-{n}", "fuel_capacity_l": n * 100}) for n in range(1, 5)]


def _view(api, **body):
    response = api.post("/views", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_view_applies_its_filters_ordering_and_columns_and_the_request_overrides_it(
        trucks, viewer_api, truck_type):
    view = _view(viewer_api, name="Big tanks", columns=["license_plate"],
                 query={"type_id": truck_type.pk, "cf_fuel_capacity_l__gte": "200", "ordering": "-cf_fuel_capacity_l",
                        "cursor": "dropped"})
    assert view["query"] == {"type_id": [str(truck_type.pk)], "cf_fuel_capacity_l__gte": ["200"],
                             "ordering": ["-cf_fuel_capacity_l"]}
    items = viewer_api.get("/assets", {"view": view["id"]}).json()["items"]
    assert [a["title"] for a in items] == ["Truck 4", "Truck 3", "Truck 2"]
    assert items[0]["custom_fields"] == {"license_plate": "HH-4"}
    items = viewer_api.get("/assets", {"view": view["id"], "ordering": "title", "fields": "fuel_capacity_l"}).json()["items"]
    assert [(a["title"], a["custom_fields"]) for a in items] == [
        ("Truck 2", {"fuel_capacity_l": 200}), ("Truck 3", {"fuel_capacity_l": 300}), ("Truck 4", {"fuel_capacity_l": 400})]


def test_private_and_shared_views_are_applied_only_for_users_who_may_see_them(trucks, viewer, viewer_api, org, truck_type):
    private = _view(viewer_api, name="Mine", query={"title_contains": "1"})
    shared = _view(viewer_api, name="Fleet", query={"title_contains": "2"}, organization_id=org.pk)
    colleague = make_user("colleague")
    grant(colleague, "view_org_assets", org)
    colleague_api = ApiClient(colleague)
    assert [v["name"] for v in colleague_api.get("/views").json()] == ["Fleet"]
    assert [a["title"] for a in colleague_api.get("/assets", {"view": shared["id"]}).json()["items"]] == ["Truck 2"]
    private_answer = colleague_api.get("/assets", {"view": private["id"]})
    missing_answer = colleague_api.get("/assets", {"view": 999999})
    assert_problem(private_answer, 404)
    assert_problem(missing_answer, 404)
    assert private_answer.json()["detail"].replace(str(private["id"]), "N") == missing_answer.json()["detail"].replace(
        "999999", "N")
    outsider_api = ApiClient(make_user("stranger"))
    assert outsider_api.get("/views").json() == []
    assert_problem(outsider_api.get("/assets", {"view": shared["id"]}), 404)
    assert_problem(outsider_api.get(f"/views/{shared['id']}"), 404)
    # only the owner deletes, and the colleague's attempt names nothing new
    assert_problem(colleague_api.delete(f"/views/{shared['id']}"), 403)
    assert viewer_api.delete(f"/views/{shared['id']}").status_code == 204
    assert_problem(colleague_api.get("/assets", {"view": shared["id"]}), 404)


def test_a_view_is_refused_when_its_query_or_sharing_is_not_valid(trucks, viewer_api, truck_type):
    rival = make_org("rival-views")
    assert_problem(viewer_api.post("/views", {"name": "x", "query": {}, "organization_id": rival.pk}), 404)
    assert_problem(viewer_api.post("/views", {"name": "x", "query": {"planet": "mars"}}), 400)
    assert_problem(viewer_api.post("/views", {"name": "x", "query": {"ordering": "-nope"}}), 400)
    assert_problem(viewer_api.post("/views", {"name": " ", "query": {}}), 400)
    assert_problem(viewer_api.post("/views", {"name": "x", "query": {"type_id": truck_type.pk}, "columns": ["wings"]}), 400)
    _view(viewer_api, name="Once", query={})
    assert_problem(viewer_api.post("/views", {"name": "Once", "query": {}}), 409)
    assert_problem(viewer_api.get("/assets", {"view": "abc"}), 404)


def test_columns_are_remembered_per_user_and_type(viewer, viewer_api, truck_type):
    from assets.services.saved_views import chosen_columns

    assert chosen_columns(viewer, truck_type) is None
    answer = viewer_api.post(f"/views/columns/{truck_type.pk}", {"columns": ["fuel_capacity_l", "license_plate"]})
    assert answer.json() == {"columns": ["license_plate", "fuel_capacity_l"]}  # in the type's order
    assert chosen_columns(viewer, truck_type) == ["license_plate", "fuel_capacity_l"]
    assert_problem(viewer_api.post(f"/views/columns/{truck_type.pk}", {"columns": ["wings"]}), 400)
    assert_problem(ApiClient(make_user("nobody")).post(f"/views/columns/{truck_type.pk}", {"columns": []}), 404)


@pytest.mark.parametrize("rows", [10, 100])
def test_a_view_costs_one_query_more_than_the_list(org, truck_type, viewer, viewer_api, rows):
    for n in range(rows):
        make_asset(org, truck_type, f"Truck {n:03}", key=f"q-{n}", custom_fields={"license_plate": f"Q-{n}"})
    view = _view(viewer_api, name="All", query={"type_id": truck_type.pk})
    viewer_api.get("/assets", {"type_id": truck_type.pk, "limit": 100})
    with CaptureQueriesContext(connection) as plain:
        assert len(viewer_api.get("/assets", {"type_id": truck_type.pk, "limit": 100}).json()["items"]) == rows
    with CaptureQueriesContext(connection) as viewed:
        assert len(viewer_api.get("/assets", {"view": view["id"], "limit": 100}).json()["items"]) == rows
    assert len(viewed) == len(plain) + 1
