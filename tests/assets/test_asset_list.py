"""GET /assets: filters (custom-field operators behave the same on SQLite and PostgreSQL),
orderings, keyset pages, counts, bad parameters, and a fixed number of queries per page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as Team

from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_device, make_org, make_type, make_user

from .helpers import assert_problem

FLEET_FIELDS = [
    {"code": "plate", "field_type": "STRING"},
    {"code": "capacity", "field_type": "NUMBER"},
    {"code": "axles", "field_type": "INTEGER"},
    {"code": "refrigerated", "field_type": "BOOLEAN"},
    {"code": "features", "field_type": "MULTI_OPTIONS",
     "params": {"options": [{"code": "gps"}, {"code": "lift"}, {"code": "cooler"}]}},
    {"code": "label", "field_type": "LOCALIZED_STRING"},
    {"code": "built", "field_type": "DATE"},
    {"code": "tracker", "field_type": "DEVICE"},
]


@pytest.fixture
def fleet(org):
    """Five trucks whose values exercise every operator; keyed by title."""
    truck = make_type(org, "truck", FLEET_FIELDS)
    rows = [
        ("Alpha", {"plate": "HH-TL 4421", "capacity": 9, "axles": 2, "refrigerated": True,
                   "features": ["gps", "lift"], "label": {"de_DE": "Kühler Laster", "en_US": "Cool truck"},
                   "built": "2019-05-01"}),
        ("Bravo", {"plate": "hh-tl 4422", "capacity": 10, "axles": 3, "refrigerated": False,
                   "features": ["cooler"], "built": "2021-01-15"}),
        ("Charlie", {"plate": "M-TL 107", "capacity": 100, "axles": 4, "features": ["gps"]}),
        ("Delta", {"plate": "ÜBER 1", "capacity": 2.5}),
        ("Echo", {}),
    ]
    return {title: make_asset(org, truck, title, custom_fields=values) for title, values in rows}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"cf_plate": "HH-TL 4421"}, ["Alpha"]),
        ({"cf_plate__eq": "HH-TL 4421"}, ["Alpha"]),
        ({"cf_plate__contains": "TL"}, ["Alpha", "Charlie"]),
        ({"cf_plate__contains": "tl"}, ["Bravo"]),
        ({"cf_plate__icontains": "tl 44"}, ["Alpha", "Bravo"]),
        ({"cf_plate__icontains": "über"}, ["Delta"]),
        ({"cf_plate__in": "M-TL 107,hh-tl 4422"}, ["Bravo", "Charlie"]),
        ({"cf_plate__ne": "M-TL 107"}, ["Alpha", "Bravo", "Delta"]),
        ({"cf_plate__isnull": "true"}, ["Echo"]),
        ({"cf_plate__isnull": "false"}, ["Alpha", "Bravo", "Charlie", "Delta"]),
        ({"cf_plate__gte": "M"}, ["Bravo", "Charlie", "Delta"]),
        ({"cf_capacity__gt": "9"}, ["Bravo", "Charlie"]),
        ({"cf_capacity__lt": "10"}, ["Alpha", "Delta"]),
        ({"cf_capacity__lte": "10"}, ["Alpha", "Bravo", "Delta"]),
        ({"cf_capacity": "100"}, ["Charlie"]),
        ({"cf_capacity__in": "2.5,9"}, ["Alpha", "Delta"]),
        ({"cf_capacity__ne": "9"}, ["Bravo", "Charlie", "Delta"]),
        ({"cf_axles__gte": "3"}, ["Bravo", "Charlie"]),
        ({"cf_refrigerated": "true"}, ["Alpha"]),
        ({"cf_refrigerated": "false"}, ["Bravo"]),
        ({"cf_refrigerated__ne": "true"}, ["Bravo"]),
        ({"cf_refrigerated__isnull": "true"}, ["Charlie", "Delta", "Echo"]),
        ({"cf_features": "gps"}, ["Alpha", "Charlie"]),
        ({"cf_features__in": "lift,cooler"}, ["Alpha", "Bravo"]),
        ({"cf_features__ne": "gps"}, ["Bravo"]),
        ({"cf_label__icontains": "KÜHLER"}, ["Alpha"]),
        ({"cf_label__contains": "Cool"}, ["Alpha"]),
        ({"cf_label__contains": "cool"}, []),
        ({"cf_built__lt": "2020-01-01"}, ["Alpha"]),
        ({"cf_built__gte": "2020-01-01"}, ["Bravo"]),
        # Values of one parameter OR; different parameters AND.
        ({"cf_plate": ["HH-TL 4421", "M-TL 107"]}, ["Alpha", "Charlie"]),
        ({"cf_plate": ["HH-TL 4421", "M-TL 107"], "cf_axles__gte": "3"}, ["Charlie"]),
        ({"cf_capacity__gt": "5", "cf_capacity__lt": "50"}, ["Alpha", "Bravo"]),
        ({"cf_unknown_code": "x"}, []),
        ({"cf_unknown_code__isnull": "true"}, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ],
)
def test_custom_field_conditions(admin_api, fleet, params, expected):
    assert titles(admin_api.get("/assets", params)) == expected


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("cf_capacity", ["Delta", "Alpha", "Bravo", "Charlie", "Echo"]),
        ("-cf_capacity", ["Charlie", "Bravo", "Alpha", "Delta", "Echo"]),
        ("cf_plate", ["Alpha", "Charlie", "Bravo", "Delta", "Echo"]),
        ("-title", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
        ("title", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("created_at", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("-created_at", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
    ],
)
def test_orderings_numeric_fields_order_numerically_and_nulls_last(admin_api, fleet, ordering, expected):
    assert titles(admin_api.get("/assets", {"ordering": ordering})) == expected


@pytest.mark.parametrize("ordering", ["cf_capacity", "-cf_capacity", "cf_plate", "-updated_at", "title"])
def test_every_ordering_pages_through_without_gaps_or_repeats(admin_api, fleet, ordering):
    expected = titles(admin_api.get("/assets", {"ordering": ordering}))
    seen, cursor = [], None
    while True:
        params = {"ordering": ordering, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = admin_api.get("/assets", params).json()
        seen += [item["title"] for item in body["items"]]
        if not body["page_info"]["has_next_page"]:
            break
        cursor = body["page_info"]["end_cursor"]
    assert seen == expected


def test_plain_filters(admin_api, org, truck_type, fleet):
    other_org = make_org("elsewhere")
    boat = make_asset(other_org, make_type(other_org, "boat"), "Boat Alpha", key="boat-1")
    tracked = make_asset(org, truck_type, "Truck B-44 (Hamburg–Berlin)", key="truck-b-44",
                         custom_fields={"license_plate": "HH-TL 4421"})
    device = make_device(org)
    from assets.models import AssetDeviceLink

    AssetDeviceLink.objects.create(asset=tracked, device=device, field_code="tracker", is_primary=True)
    assert titles(admin_api.get("/assets", {"organization_id": other_org.pk})) == ["Boat Alpha"]
    assert titles(admin_api.get("/assets", {"key": "boat-1"})) == ["Boat Alpha"]
    assert titles(admin_api.get("/assets", {"title_contains": "HAMBURG"})) == ["Truck B-44 (Hamburg–Berlin)"]
    assert titles(admin_api.get("/assets", {"title_contains": ["alpha", "bravo"]})) == ["Alpha", "Boat Alpha", "Bravo"]
    assert titles(admin_api.get("/assets", {"device_id": device.pk})) == ["Truck B-44 (Hamburg–Berlin)"]
    types = [truck_type.pk, boat.type_id]
    assert titles(admin_api.get("/assets", {"type_id": types})) == ["Boat Alpha", "Truck B-44 (Hamburg–Berlin)"]
    assert titles(admin_api.get("/assets", {"type_id": f"{types[0]},{types[1]}"})) == [
        "Boat Alpha", "Truck B-44 (Hamburg–Berlin)"]


def test_total_count_only_when_asked(admin_api, fleet):
    body = admin_api.get("/assets", {"limit": 2}).json()
    assert "total_count" not in body
    assert body["page_info"]["has_next_page"] is True and body["page_info"]["end_cursor"]
    counted = admin_api.get("/assets", {"limit": 2, "count": "true", "cf_capacity__gt": "5"}).json()
    assert counted["total_count"] == 3 and len(counted["items"]) == 2


def test_fields_param_limits_custom_fields_in_lists(admin_api, fleet):
    items = admin_api.get("/assets", {"fields": "plate", "title_contains": "alpha"}).json()["items"]
    assert items[0]["custom_fields"] == {"plate": "HH-TL 4421"}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 1001}, {"limit": 0}, {"limit": -1}, {"limit": 10**30}, {"limit": "ten"},
        {"count": "maybe"},
        {"cursor": "not-a-cursor"}, {"cursor": "W10"}, {"cursor": "WyJhIiwgMSwgMl0"}, {"cursor": "eyJhIjoxfQ"},
        {"cursor": "WyJhIiwgIngiXQ"}, {"cursor": "W3siYSI6IDF9LCAxXQ"}, {"cursor": "WyJhIiwgMWU0MDBd"},
        {"cursor": "WyJhIiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"}, {"cursor": "WyJhIiwgTmFOXQ"},
        {"ordering": "colour"}, {"ordering": "cf_"}, {"ordering": "cf_Bad-Code"},
        {"colour": "red"}, {"organisation_id": "1"},
        {"type_id": "abc"}, {"type_id": "1,x"}, {"organization_id": "99999999999999999999999"},
        {"device_id": "²"},
        {"cf_plate__like": "x"}, {"cf_Plate": "x"}, {"cf_": "x"}, {"cf_set": "x"},
        {"cf_capacity__gt": "lots"}, {"cf_capacity__gt": "inf"}, {"cf_capacity": "1e400"},
        {"cf_refrigerated": "perhaps"}, {"cf_refrigerated__gt": "true"}, {"cf_refrigerated__contains": "t"},
        {"cf_plate__isnull": "sometimes"}, {"cf_tracker": "x"}, {"cf_features__contains": "g"},
        {"cf_label": "x"}, {"cf_capacity__icontains": "1"},
    ],
)
def test_bad_list_parameters_are_400(admin_api, fleet, params):
    assert_problem(admin_api.get("/assets", params), 400, "VALIDATION_ERROR")


def test_cursor_of_another_ordering_is_400(admin_api, fleet):
    cursor = admin_api.get("/assets", {"limit": 1, "ordering": "cf_capacity"}).json()["page_info"]["end_cursor"]
    assert_problem(admin_api.get("/assets", {"cursor": cursor, "ordering": "created_at"}), 400)


# --- visibility in lists ------------------------------------------------------------------------
def test_per_object_grants_show_exactly_those_assets(org, truck_type):
    assets = [make_asset(org, truck_type, f"Truck {n}") for n in range(6)]
    user = make_user("dispatcher")
    grant(user, "view_asset", assets[1])
    grant(user, "change_asset", assets[3])  # change implies view
    team = Team.objects.create(name="night shift")
    team.user_set.add(user)
    grant(team, "delete_asset", assets[5])  # delete implies view, also through a team
    other = make_user("other")
    grant(other, "view_asset", assets[0])
    body = ApiClient(user).get("/assets", {"count": "true"}).json()
    assert [a["title"] for a in body["items"]] == ["Truck 1", "Truck 3", "Truck 5"]
    assert body["total_count"] == 3


def test_organization_grants_show_the_organizations_assets_only(org, truck_type, viewer_api):
    make_asset(org, truck_type, "Mine")
    elsewhere = make_org("elsewhere")
    make_asset(elsewhere, make_type(elsewhere), "Not mine")
    assert titles(viewer_api.get("/assets")) == ["Mine"]
    assert titles(viewer_api.get("/assets", {"organization_id": elsewhere.pk})) == []


def test_global_permission_shows_everything(org, truck_type):
    make_asset(org, truck_type, "One")
    elsewhere = make_org("elsewhere")
    make_asset(elsewhere, make_type(elsewhere), "Two")
    user = make_user("auditor")
    grant(user, "assets.view_asset")
    assert titles(ApiClient(user).get("/assets")) == ["One", "Two"]


def test_manage_org_alone_shows_no_assets(org, truck_type, manager_api):
    make_asset(org, truck_type, "One")
    assert titles(manager_api.get("/assets")) == []


# --- query counts -------------------------------------------------------------------------------
# The token with the permission snapshot (and, on its first use in five minutes, its last-use
# stamp), then the page with its device links, file and the reader's groups in each row.
MAX_LIST_QUERIES = 3


@pytest.fixture
def big_fleet(org, truck_type):
    assets = [make_asset(org, truck_type, f"Truck {n:03}", custom_fields={"license_plate": f"HH {n}"})
              for n in range(120)]
    for asset in assets[:30]:
        from assets.models import AssetDeviceLink

        AssetDeviceLink.objects.create(asset=asset, device=make_device(org), field_code="tracker", is_primary=True)
    return assets


@pytest.mark.parametrize("limit", [10, 100])
@pytest.mark.parametrize("access", ["object", "organization", "both", "superuser"])
def test_asset_list_query_count_does_not_grow_with_the_page(
    big_fleet, org, limit, access, django_assert_max_num_queries
):
    user = make_user(superuser=access == "superuser")
    if access in ("object", "both"):
        for asset in big_fleet[:: 1 if access == "object" else 2]:
            grant(user, "view_asset", asset)
    if access in ("organization", "both"):
        grant(user, "view_org_assets", org)
    api = ApiClient(user)
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api.get("/assets", {"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["items"]) == limit
    # Custom-field filters and ordering read the field types of the codes they name (one query,
    # shared), while the token's last-use stamp isn't written again within five minutes.
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api.get("/assets", {"limit": limit, "ordering": "-cf_license_plate", "cf_license_plate__contains": "H"})
    assert len(response.json()["items"]) == limit
    # An equality (its value bound inside JSON parameters) and the page after a cursor.
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api.get("/assets", {"limit": limit, "cf_license_plate": "HH 7"})
    assert [item["title"] for item in response.json()["items"]] == ["Truck 007"]
    cursor = api.get("/assets", {"limit": limit}).json()["page_info"]["end_cursor"]
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api.get("/assets", {"limit": limit, "cursor": cursor})
    assert len(response.json()["items"]) == min(limit, len(big_fleet) - limit)


@pytest.fixture
def tracked(admin_api, org, fleet):
    """Three of the five trucks get a primary tracker; Charlie and Echo have none."""
    for title, device in (("Alpha", "Zeta tracker"), ("Bravo", "Alpha tracker"), ("Delta", "Mid tracker")):
        response = admin_api.patch(f"/assets/{fleet[title].pk}", {"custom_fields": {
            "set": {"tracker": make_device(org, device).pk}, "set_primary": ["tracker"]}})
        assert response.status_code == 200, response.content
    return fleet


def test_ordering_by_the_primary_device_sorts_its_title_with_assets_without_one_last(admin_api, tracked):
    assert titles(admin_api.get("/assets", {"ordering": "primary_device"})) == ["Bravo", "Delta", "Alpha", "Charlie", "Echo"]
    descending = titles(admin_api.get("/assets", {"ordering": "-primary_device"}))
    assert descending[:3] == ["Alpha", "Delta", "Bravo"] and set(descending[3:]) == {"Charlie", "Echo"}


@pytest.mark.parametrize("ordering", ["primary_device", "-primary_device"])
def test_the_primary_device_ordering_pages_through_without_gaps_or_repeats(admin_api, tracked, ordering):
    expected = titles(admin_api.get("/assets", {"ordering": ordering}))
    seen, cursor = [], None
    while True:
        body = admin_api.get("/assets", {"ordering": ordering, "limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["title"] for item in body["items"]]
        if not body["page_info"]["has_next_page"]:
            break
        cursor = body["page_info"]["end_cursor"]
    assert seen == expected and len(seen) == 5


def test_graphql_orders_by_the_primary_device(admin_api, org, tracked):
    query = ('{ assets(organizationId: "' + str(org.pk) + '", orderBy: {field: PRIMARY_DEVICE}, first: 2) '
             "{ edges { node { title } } pageInfo { endCursor } } }")
    response = admin_api.client.post("/graphql", {"query": query}, content_type="application/json", **admin_api.headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body
    assert [e["node"]["title"] for e in body["data"]["assets"]["edges"]] == ["Bravo", "Delta"]


# --- the page's base is built once per permission key ------------------------------------------
def test_a_kept_page_base_never_answers_for_another_reader_or_a_revoked_grant(org, truck_type):
    """The list's base queryset is kept per permission key (assets.services.assets): readers with
    the same kind of grants on other objects, and a reader whose grant went, get their own."""
    from guardian.shortcuts import remove_perm

    other_org = make_org()
    other_type = make_type(other_org, "van")
    mine, theirs = make_asset(org, truck_type, "Mine"), make_asset(other_org, other_type, "Theirs")
    first, second = make_user(), make_user()
    grant(first, "view_org_assets", org)
    grant(second, "view_org_assets", other_org)
    first_api, second_api = ApiClient(first), ApiClient(second)
    assert titles(first_api.get("/assets")) == ["Mine"]
    assert titles(second_api.get("/assets")) == ["Theirs"]

    # Object grants: the same kinds held, different objects.
    third, fourth = make_user(), make_user()
    grant(third, "view_asset", mine)
    grant(fourth, "view_asset", theirs)
    assert titles(ApiClient(third).get("/assets")) == ["Mine"]
    assert titles(ApiClient(fourth).get("/assets")) == ["Theirs"]

    remove_perm("assets.view_org_assets", first, org)
    assert titles(first_api.get("/assets")) == []
    grant(first, "view_asset", theirs)
    assert titles(first_api.get("/assets")) == ["Theirs"]
