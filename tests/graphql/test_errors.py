"""Error shapes, credentials, limits and malformed requests: every answer is GraphQL JSON in the
seed's shape, never a 5xx and never a traceback."""

from __future__ import annotations

import json

import pytest

from assets.models import Asset
from tests.factories import make_asset, make_type, make_user

from .conftest import GraphQLClient, fill, only_error


@pytest.fixture
def truck_type(translog):
    return make_type(translog, "delivery_truck", [
        {"code": "license_plate", "title": "License Plate", "field_type": "STRING", "params": {"required": True}},
        {"code": "fuel_capacity_l", "title": "Fuel", "field_type": "NUMBER", "params": {"min": 0}},
    ], title="Delivery Truck")


@pytest.fixture
def gql(gql_for, fleet_manager):
    return gql_for(fleet_manager)


def test_validation_error_lists_every_field_in_graphql_names(gql, translog, truck_type):
    body = gql.execute(
        fill('mutation { assetCreate(input: {organizationId: "<org>", typeId: "<type>", title: "", '
             'customFields: {set: {license_plate: 5, fuel_capacity_l: -1}}}) { asset { id } } }',
             org=translog.pk, type=truck_type.pk)
    )
    error = only_error(body)
    assert error["path"] == ["assetCreate"]
    assert body["data"] == {"assetCreate": None}
    extensions = error["extensions"]
    assert (extensions["code"], extensions["status"]) == ("VALIDATION_ERROR", 400)
    assert {e["field"] for e in extensions["errors"]} == {"title", "customFields.license_plate",
                                                          "customFields.fuel_capacity_l"}
    assert all(e["message"] for e in extensions["errors"])
    assert extensions["traceId"] and extensions["type"] and extensions["title"]
    assert not Asset.objects.exists()


def test_duplicate_device_is_409_duplicate(gql, translog, truck_type):
    from tests.factories import make_device

    type_with_tracker = make_type(translog, "van", [{"code": "tracker", "title": "Tracker", "field_type": "DEVICE"}])
    device = make_device(translog)
    first = make_asset(translog, type_with_tracker, "Van 1")
    second = make_asset(translog, type_with_tracker, "Van 2")
    patch = 'mutation { assetUpdate(input: {id: "<asset>", customFields: {set: {tracker: "<device>"}}}) { asset { id } } }'
    gql.data(fill(patch, asset=first.pk, device=device.pk))
    error = only_error(gql.execute(fill(patch, asset=second.pk, device=device.pk)))
    assert (error["extensions"]["code"], error["extensions"]["status"]) == ("DUPLICATE", 409)


def test_in_use_type_delete_tells_how_many_assets(gql, translog, truck_type):
    make_asset(translog, truck_type, custom_fields={"license_plate": "A"})
    error = only_error(gql.execute(fill('mutation { assetTypeDelete(input: {id: "<type>"}) { deletedId } }', type=truck_type.pk)))
    assert (error["extensions"]["code"], error["extensions"]["affectedAssets"]) == ("IN_USE", 1)


def test_params_must_name_the_family_of_the_field_type(gql, truck_type):
    error = only_error(gql.execute(fill(
        'mutation { assetTypeUpdate(input: {id: "<type>", customFieldDefinitions: [{create: {code: "odometer", '
        'title: "Odometer", fieldType: INTEGER, params: {string: {isRequired: true}}}}]}) '
        '{ assetType { id } } }', type=truck_type.pk)))
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["errors"] == [{"field": "customFieldDefinitions[0].create.params",
                                              "message": "a INTEGER field takes its params as {number: {...}}"}]
    assert not truck_type.field_definitions.filter(code="odometer").exists()


def test_field_and_custom_field_code_together_is_a_validation_error(gql, translog):
    error = only_error(gql.execute(fill('{ assets(organizationId: "<org>", orderBy: {field: TITLE, customFieldCode: "x"}) '
                                        '{ nodes { id } } }', org=translog.pk)))
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["errors"][0]["field"] == "orderBy"


@pytest.mark.parametrize("after", ["garbage", "WyJ4Il0", "W10", "!!!", "eyJhIjogMX0"])
def test_bad_cursor_is_a_validation_error(gql, translog, after):
    error = only_error(gql.execute(fill('query($after: String) { assets(organizationId: "<org>", after: $after) '
                                        '{ nodes { id } } }', org=translog.pk), {"after": after}))
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["errors"][0]["field"] == "after"


@pytest.mark.parametrize("first", [0, -1, 1001])
def test_first_is_at_most_1000(gql, translog, first):
    error = only_error(gql.execute(fill('{ assets(organizationId: "<org>", first: <first>) { nodes { id } } }',
                                        org=translog.pk, first=first)))
    assert error["extensions"]["errors"] == [{"field": "first", "message": "must be between 1 and 1000"}]


def test_cursor_pages_through_without_overlap(gql, translog, truck_type):
    for n in range(5):
        make_asset(translog, truck_type, f"Truck {n}", custom_fields={"license_plate": f"P{n}"})
    query = fill('query($after: String) { assets(organizationId: "<org>", first: 2, after: $after) { totalCount '
                 'edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }', org=translog.pk)
    seen, after = [], None
    while True:
        page = gql.data(query, {"after": after})["assets"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == [f"Truck {n}" for n in range(5)]


# --- credentials --------------------------------------------------------------------------------
def test_no_credentials_is_401_and_no_data(db):
    response = GraphQLClient().post({"query": "{ me { id } }"})
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_bad_token_is_401_and_no_data(db):
    client = GraphQLClient()
    client.headers["HTTP_AUTHORIZATION"] = "Bearer art_not-a-token"
    response = client.post({"query": "{ me { id } }"})
    assert response.status_code == 401
    assert "data" not in response.json()


def test_session_post_needs_the_csrf_token(db):
    from django.test import Client

    user = make_user("sessioner")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = json.dumps({"query": "{ me { id } }"})
    refused = client.post("/graphql", body, content_type="application/json")
    assert refused.status_code == 403
    assert "data" not in refused.json()
    client.get("/graphql", HTTP_ACCEPT="text/html")  # GraphiQL's page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    answered = client.post("/graphql", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert answered.status_code == 200
    assert answered.json() == {"data": {"me": {"id": str(user.pk)}}}


# --- malformed requests -------------------------------------------------------------------------
MALFORMED_BODIES = [
    "{bad json",
    "[]",
    "[1, 2]",
    '"just a string"',
    '{"query": 5}',
    '{"query": "{ me { id } }", "variables": "x"}',
    '{"query": "{ me { id } }", "variables": {"x": NaN}}',
    '{"query": "{ me { id } }", "variables": {"x": "a\\u0000b"}}',
    '{"query": "{ me { id } }", "variables": {"x": "\\ud800"}}',
    '{"query": "{ me { id } }", "variables": {"x": 1e400}}',
    '{"query": "' + "[" * 5000 + '"}',
    '{}',
    '{"query": ""}',
    '{"query": "{"}',
    '{"query": "{ me { id } } }"}',
    '{"query": "mutation { nope }"}',
    '{"query": "subscription { me { id } }"}',
    '{"query": "{ asset(id: \\"1\\") { notAField } }"}',
    '{"query": "{ asset { id } }"}',
    '{"query": "{ asset(id: [1]) { id } }"}',
    '{"query": "query($id: ID!) { asset(id: $id) { id } }"}',
    '{"query": "query($id: ID!) { asset(id: $id) { id } }", "variables": {"id": {"a": 1}}}',
    '{"query": "query($n: Int) { assets(organizationId: \\"1\\", first: $n) { nodes { id } } }", "variables": {"n": "ten"}}',
    '{"query": "query($n: Int) { assets(organizationId: \\"1\\", first: $n) { nodes { id } } }", "variables": {"n": 99999999999999}}',
    '{"query": "{ assets(organizationId: \\"abc\\") { nodes { id } } }"}',
    '{"query": "{ assets(organizationId: \\"99999999999999999999999\\") { nodes { id } } }"}',
    '{"query": "{ asset(id: \\"' + "9" * 5000 + '\\") { id } }"}',
    '{"query": "{ assets(organizationId: \\"1\\", filter: {typeIds: [\\"x\\"]}) { nodes { id } } }"}',
    '{"query": "{ assets(organizationId: \\"1\\", filter: {customFields: [{code: \\"a__b\\", operator: EQ, value: {string: \\"x\\"}}]}) { nodes { id } } }"}',
    '{"query": "{ assets(organizationId: \\"1\\", filter: {customFields: [{code: \\"x\\", operator: LT, value: {string: \\"a\\", number: 1}}]}) { nodes { id } } }"}',
    '{"query": "{ assets(organizationId: \\"1\\", filter: {titleContains: \\"a\\\\u0000b\\"}) { nodes { id } } }"}',
    '{"query": "mutation { assetCreate(input: {organizationId: \\"1\\", typeId: \\"1\\", title: \\"a\\\\u0000\\"}) { asset { id } } }"}',
    '{"query": "mutation { assetUpdate(input: {id: \\"1\\", customFields: {set: [1, 2]}}) { asset { id } } }"}',
    '{"query": "mutation { assetTypeUpdate(input: {id: \\"1\\", customFieldDefinitions: [{create: {code: \\"a\\", title: \\"A\\", fieldType: STRING}, delete: {code: \\"b\\"}}]}) { assetType { id } } }"}',
    '{"query": "{ me { id } }", "operationName": "Missing"}',
]


@pytest.mark.parametrize("body", MALFORMED_BODIES)
def test_malformed_requests_are_graphql_errors_never_5xx(gql_for, fleet_manager, translog, body):
    response = gql_for(fleet_manager).post(body)
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["errors"], answer
    for error in answer["errors"]:
        assert error["message"]
        assert error["extensions"]["code"] in {"VALIDATION_ERROR", "NOT_FOUND"}, error
        assert "Traceback" not in json.dumps(error)


def test_wrong_content_type_and_method_are_json_errors(gql_for, fleet_manager):
    client = gql_for(fleet_manager)
    form = client.post("query={ me { id } }", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 400 and form.json()["errors"]
    put = client.client.put("/graphql", "{}", content_type="application/json", **client.headers)
    assert put.status_code == 405 and put.json()["errors"]


def test_mutations_are_refused_over_get(gql_for, fleet_manager, translog):
    client = gql_for(fleet_manager)
    response = client.client.get("/graphql", {"query": 'mutation { deviceDelete(input: {id: "1"}) { deletedId } }'},
                                 HTTP_ACCEPT="application/json", **client.headers)
    assert 400 <= response.status_code < 500
    assert response.json()["errors"]


# --- limits -------------------------------------------------------------------------------------
def test_depth_over_10_is_refused(gql, translog):
    query = "{ devices { nodes { " + "asset { devices { " * 5 + "id" + " } }" * 5 + " } } }"
    body = gql.execute(query)
    assert "data" not in body
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


def test_too_many_aliases_are_refused(gql, translog):
    query = "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(60)) + " }"
    body = gql.execute(query)
    assert "data" not in body
    assert "aliases" in body["errors"][0]["message"]


def test_too_many_tokens_are_refused(gql, translog):
    query = "{ me { " + " ".join(["id"] * 12_000) + " } }"
    body = gql.execute(query)
    assert "data" not in body
    assert "token" in body["errors"][0]["message"].lower()


def test_introspection_is_not_cut_by_the_depth_limit(gql):
    from graphql import get_introspection_query

    body = gql.execute(get_introspection_query())
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Asset", "AssetType", "Device", "User", "Integration", "Actor", "AssetConnection"} <= names


# --- operations ---------------------------------------------------------------------------------
TWO_OPERATIONS = "query First { me { id } } query Second { me { ... on User { username } } }"


def test_several_operations_need_an_operation_name(gql, fleet_manager):
    body = gql.execute(TWO_OPERATIONS)
    assert "data" not in body
    error = only_error(body)
    assert error["message"] == "Must provide operation name if query contains multiple operations."
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["status"] == 400


@pytest.mark.parametrize("name", ["First", "Second"])
def test_operation_name_picks_one_of_several(gql, fleet_manager, name):
    response = gql.post({"query": TWO_OPERATIONS, "operationName": name})
    me = {"id": str(fleet_manager.pk)} if name == "First" else {"username": "fleet"}
    assert response.json() == {"data": {"me": me}}


def test_several_operations_over_get_need_an_operation_name(gql_for, fleet_manager):
    client = gql_for(fleet_manager)
    response = client.client.get("/graphql", {"query": TWO_OPERATIONS}, HTTP_ACCEPT="application/json",
                                 **client.headers)
    assert response.status_code == 200  # as over POST: a document's errors are in the answer
    assert "data" not in response.json()
    assert only_error(response.json())["message"].startswith("Must provide operation name")


def test_assets_order_by_key_follows_the_rest_orderings(gql, translog, truck_type):
    for key in ("c-3", "a-1", "b-2"):
        make_asset(translog, truck_type, f"Truck {key}", key=key, custom_fields={"license_plate": key})
    body = gql.execute(fill('{ assets(organizationId: "<org>", orderBy: {field: KEY, direction: DESC}) '
                            '{ nodes { key } } }', org=translog.pk))
    assert "errors" not in body, body
    assert [node["key"] for node in body["data"]["assets"]["nodes"]] == ["c-3", "b-2", "a-1"]
