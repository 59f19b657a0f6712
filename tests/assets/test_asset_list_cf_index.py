"""Custom-field equality on GET /assets: on PostgreSQL it also asks `custom_fields @>` so the
GIN index answers it; the matched assets stay exactly those of the plain equality, on both
databases and for every field type."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_asset, make_device, make_type

GIN_INDEX = "asset_custom_fields_gin"
BEYOND_FLOAT = 2**53  # the first integer past which float8 can't tell neighbours apart

VEHICLE_FIELDS = [
    {"code": "plate", "field_type": "STRING"},
    {"code": "notes", "field_type": "TEXT"},
    {"code": "site", "field_type": "URL"},
    {"code": "colour", "field_type": "OPTIONS", "params": {"options": [{"code": "red"}, {"code": "blue"}]}},
    {"code": "built", "field_type": "DATE"},
    {"code": "seen", "field_type": "DATETIME"},
    {"code": "axles", "field_type": "INTEGER"},
    {"code": "odometer", "field_type": "INTEGER"},
    {"code": "capacity", "field_type": "NUMBER"},
    {"code": "cooled", "field_type": "BOOLEAN"},
    {"code": "features", "field_type": "MULTI_OPTIONS",
     "params": {"options": [{"code": "gps"}, {"code": "lift"}, {"code": "lift.v2"}]}},
    {"code": "tracker", "field_type": "DEVICE"},
    {"code": "trailer", "field_type": "ASSET"},
    {"code": "size", "field_type": "INTEGER"},
]
CONTAINER_FIELDS = [
    # The same code as a string here: a filter on it compares as text, never as a number.
    {"code": "size", "field_type": "STRING"},
    {"code": "features", "field_type": "MULTI_OPTIONS", "params": {"options": [{"code": "gps"}]}},
]


@pytest.fixture
def yard(org):
    """Vehicles and a container whose values sit next to each other: 10 and 10.0, 'P-17' and
    'p-17', integers on both sides of 2**53, an option that prefixes another."""
    vehicle = make_type(org, "vehicle", VEHICLE_FIELDS)
    container = make_type(org, "container", CONTAINER_FIELDS)
    devices = [make_device(org, f"Unit {n}") for n in (1, 2)]
    bravo = make_asset(org, vehicle, "Bravo", custom_fields={
        "plate": "P-170", "colour": "blue", "axles": 3, "odometer": BEYOND_FLOAT, "capacity": 10.0,
        "cooled": False, "features": ["lift.v2"], "tracker": devices[1].pk, "size": 12,
    })
    alpha = make_asset(org, vehicle, "Alpha", custom_fields={
        "plate": "P-17", "notes": "Hamburg–Berlin run", "site": "https://depot.example/a", "colour": "red",
        "built": "2020-01-01", "seen": "2024-05-01T08:00:00Z", "axles": 2, "odometer": BEYOND_FLOAT + 1,
        "capacity": 10, "cooled": True, "features": ["gps", "lift"], "tracker": devices[0].pk,
        "trailer": bravo.pk, "size": 10,
    })
    charlie = make_asset(org, vehicle, "Charlie", custom_fields={
        "plate": "p-17", "axles": 0, "odometer": 5, "capacity": 10.5, "features": [], "trailer": alpha.pk,
    })
    delta = make_asset(org, vehicle, "Delta", custom_fields={"capacity": -0.25})
    echo = make_asset(org, container, "Echo", custom_fields={"size": "10", "features": ["gps"]})
    return {"vehicle": vehicle, "container": container, "devices": devices,
            "assets": {a.title: a for a in (alpha, bravo, charlie, delta, echo)}}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


EQUALITIES = [
    ({"cf_plate": "P-17"}, ["Alpha"]),
    ({"cf_plate__eq": "p-17"}, ["Charlie"]),
    ({"cf_plate__in": "P-17,P-170,nope"}, ["Alpha", "Bravo"]),
    ({"cf_notes": "Hamburg–Berlin run"}, ["Alpha"]),
    ({"cf_site": "https://depot.example/a"}, ["Alpha"]),
    ({"cf_colour": "red"}, ["Alpha"]),
    ({"cf_colour__in": "red,blue"}, ["Alpha", "Bravo"]),
    ({"cf_built": "2020-01-01"}, ["Alpha"]),
    ({"cf_seen": "2024-05-01T08:00:00Z"}, ["Alpha"]),
    ({"cf_axles": "2"}, ["Alpha"]),
    ({"cf_axles": "2.0"}, ["Alpha"]),
    ({"cf_axles": "0"}, ["Charlie"]),
    ({"cf_axles": "-0"}, ["Charlie"]),
    ({"cf_axles__in": "3,2"}, ["Alpha", "Bravo"]),
    ({"cf_capacity": "10"}, ["Alpha", "Bravo"]),
    ({"cf_capacity": "10.0"}, ["Alpha", "Bravo"]),
    ({"cf_capacity": "1e1"}, ["Alpha", "Bravo"]),
    ({"cf_capacity": "10.5"}, ["Charlie"]),
    ({"cf_capacity": "-0.25"}, ["Delta"]),
    ({"cf_capacity__in": "10.5,10"}, ["Alpha", "Bravo", "Charlie"]),
    # Past 2**53 the comparison is between float8 values, so neighbouring integers are equal.
    ({"cf_odometer": str(BEYOND_FLOAT)}, ["Alpha", "Bravo"]),
    ({"cf_odometer": str(BEYOND_FLOAT + 1)}, ["Alpha", "Bravo"]),
    ({"cf_odometer": "5"}, ["Charlie"]),
    ({"cf_cooled": "true"}, ["Alpha"]),
    ({"cf_cooled": "no"}, ["Bravo"]),
    ({"cf_features": "gps"}, ["Alpha", "Echo"]),
    ({"cf_features": "lift"}, ["Alpha"]),
    ({"cf_features": "lif"}, []),
    ({"cf_features__in": "lift,lift.v2"}, ["Alpha", "Bravo"]),
    ({"cf_trailer": "{bravo}"}, ["Alpha"]),
    ({"cf_trailer__in": "{alpha},{bravo}"}, ["Alpha", "Charlie"]),
    ({"cf_tracker": "{device0}"}, ["Alpha"]),
    ({"cf_tracker__in": "{device0},{device1}"}, ["Alpha", "Bravo"]),
    # An INTEGER in one type and a STRING in another: compared as text, so only the string matches.
    ({"cf_size": "10"}, ["Echo"]),
    ({"cf_nothing": "x"}, []),
]


def resolve(params: dict, yard) -> dict:
    ids = {name.lower(): asset.pk for name, asset in yard["assets"].items()}
    ids |= {f"device{n}": device.pk for n, device in enumerate(yard["devices"])}
    return {name: value.format(**ids) for name, value in params.items()}


@pytest.mark.parametrize("params, expected", EQUALITIES)
def test_equality_matches_the_same_assets_for_every_field_type(admin_api, yard, params, expected):
    assert titles(admin_api.get("/assets", resolve(params, yard))) == expected


def test_equality_and_its_negation_split_the_holders(admin_api, yard):
    holders = titles(admin_api.get("/assets", {"cf_capacity__isnull": "false"}))
    equal = titles(admin_api.get("/assets", {"cf_capacity": "10"}))
    not_equal = titles(admin_api.get("/assets", {"cf_capacity__ne": "10"}))
    assert sorted(equal + not_equal) == sorted(holders)


def page_plan(api, params) -> str:
    """The plan PostgreSQL picks for the page query of one real request, with sequential scans
    priced out so that the choice doesn't depend on how few rows a test table has."""
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/assets", params)
    assert response.status_code == 200, response.content
    pages = [q["sql"] for q in ctx.captured_queries if 'FROM "assets_asset"' in q["sql"] and "LIMIT" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + max(pages, key=len))
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN and jsonb containment are PostgreSQL's")
@pytest.mark.parametrize("params", [
    {"cf_plate": "P-17"},
    {"cf_plate__in": "P-17,P-170"},
    {"cf_capacity": "10"},
    {"cf_cooled": "true"},
    {"cf_features": "gps"},
    {"cf_trailer": "{bravo}"},
])
def test_equality_on_postgresql_is_answered_by_the_gin_index(admin_api, yard, params):
    # A superuser's page has no permission condition whose own index could win on a tiny table.
    assert GIN_INDEX in page_plan(admin_api, resolve(params, yard))


def test_a_code_that_is_a_list_in_one_type_and_a_string_in_another(admin_api, org):
    """Each asset compares by its own type: membership in the list, equality of the string, the
    same on both databases."""
    listed = make_type(org, "listed", [{"code": "tag", "field_type": "MULTI_OPTIONS",
                                         "params": {"options": [{"code": "gps"}, {"code": "lift"}]}}])
    plain = make_type(org, "plain", [{"code": "tag", "field_type": "STRING"}])
    make_asset(org, listed, "List with gps", custom_fields={"tag": ["gps", "lift"]})
    make_asset(org, listed, "List without", custom_fields={"tag": ["lift"]})
    make_asset(org, plain, "String gps", custom_fields={"tag": "gps"})
    make_asset(org, plain, "String quoted", custom_fields={"tag": '"gps"'})
    make_asset(org, plain, "String other", custom_fields={"tag": "gpsx"})
    assert titles(admin_api.get("/assets", {"cf_tag": "gps"})) == ["List with gps", "String gps"]
    assert titles(admin_api.get("/assets", {"cf_tag__in": "lift,gpsx"})) == [
        "List with gps", "List without", "String other"
    ]
    assert titles(admin_api.get("/assets", {"cf_tag__ne": "gps"})) == ["List without", "String other", "String quoted"]
