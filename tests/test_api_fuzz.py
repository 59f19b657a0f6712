"""Schemathesis fuzzes every operation of the OpenAPI schema in-process (the Django WSGI app, no
server), authenticated as a superuser, against a database holding one object of every kind.
No answer may be a 5xx, and every error must be application/problem+json (SPEC §4, §8)."""

from __future__ import annotations

import base64
import io
import json
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from config.wsgi import application

from .conftest import ApiClient
from .fuzz_aim import aim_at_world
from .fuzz_world import build_world

# The generation settings of the CLI run (schemathesis.toml, tests/test_api_fuzz_cli.py); in-process
# the stateful phase is left to the CLI.
with (Path(__file__).resolve().parent.parent / "schemathesis.toml").open("rb") as _file:
    CONFIG = schemathesis.Config.from_dict({
        "generation": tomllib.load(_file)["generation"],
        "phases": {"stateful": {"enabled": False}},
    })

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "errors", "trace_id"}

def problem_details(ctx, response, case):
    """Every error answer is a problem document with the documented keys."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict) and set(body) >= PROBLEM_KEYS, f"problem keys missing: {body!r}"
    assert body["status"] == response.status_code, body
    assert isinstance(body["errors"], list), body
    for error in body["errors"]:
        assert isinstance(error, dict) and {"field", "message"} <= set(error), body
    return None


# Fields whose validity no JSON Schema can state, because it depends on what the server holds
# or issued: a cursor it handed out, a reference to an object (a link type by code, users,
# assets, a parent, the permission names of an object type), a value that may not change once
# set, a password's strength, a remote URL's host, the file's bytes, a key or title already
# taken, a value for a custom field's own rules, exclusive trees. A 400 on these alone is the
# answer to a schema-valid request; any other field's 400 means the document is wrong.
SERVER_STATE_FIELDS = {
    "cursor", "link_type", "user_ids", "asset_ids", "parent_id", "permission", "source_type_codes",
    "target_type_codes", "asset_type_codes", "code", "kind", "password", "remote_url", "file", "id", "ordering",
    "custom_fields", "params", "headers", "properties", "key", "title", "type_id", "exclusive", "organization_ids",
    # an event target is checked like remote_url (where its host resolves); columns name the type's fields
    "url", "columns", "query",
    # whether a field may be indexed depends on its kind and params (stored ones, on a PATCH)
    "indexed",
    # a grant's holder: a user or team by id
    "user_id", "team_id",
    # a link's target may not be its source: JSON Schema can't compare two values
    "target_id",
}


def _error_field(error: dict) -> str:
    field = str(error.get("field", ""))
    if field.startswith("query.") or field == "query":
        return "query"  # a saved view's list parameters: cf_<code> names depend on the types
    # Inside a free-form object (link properties, custom-field values, params, headers) the rule
    # is the container's: its keys and nested values are the client's own names.
    for container in ("properties", "custom_fields", "params", "headers"):
        if f".{container}." in f".{field}.".replace("[", ".[") or field.startswith(f"{container}."):
            return container
    for prefix in ("body.", "field.", "links."):
        field = field.removeprefix(prefix)
    return field.split(".")[-1].split("[")[0] if field else ""


def positive_data_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, but a 400 that only concerns SERVER_STATE_FIELDS
    passes."""
    if response.status_code == 400:
        try:
            errors = response.json().get("errors") or []
        except ValueError:
            errors = []
        if errors and all(_error_field(error) in SERVER_STATE_FIELDS for error in errors):
            return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def fuzz_world(db):
    # The real WSGI handler closes the connection after each request, as it should in a server;
    # here it would drop the test transaction that holds the world (Django's test client
    # disconnects the same receivers).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield build_world()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# A fixed, small number of examples per operation keeps this part of the suite to a few minutes;
# a larger run by hand: `schemathesis run --checks all -n 200` against a server (see the README).
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_operation_never_answers_a_server_error(case, fuzz_world):
    """Besides no 5xx and problem documents: data that breaks the schema (its documented limits
    too) is refused with a 4xx, data the schema allows is not refused with a 400, and every
    answer's status, media type, headers and body are the documented ones (config/openapi.py adds
    the problem+json errors, the limits and the text rules)."""
    aim_at_world(case, fuzz_world)
    headers = {"Authorization": f"Bearer {fuzz_world.token}"}
    response = case.call(headers=headers)
    # Every check schemathesis has (`--checks all`: also schema-valid requests accepted, missing
    # headers and unsupported methods refused, auth not ignored), and the problem documents.
    case.validate_response(
        response, headers=headers, excluded_checks=[positive_data_acceptance],
        additional_checks=[problem_details, positive_data_accepted],
    )


# --- Hand-written hostile requests: what a generator built from the schema rarely produces. ---

HUGE = 2**70
LONG = "x" * 100_000
DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


def _nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = {"a": [value]}
    return value


def _path_ids(world) -> dict[str, object]:
    """A real object for each path parameter of the schema."""
    ids = world.ids
    return {
        "asset_id": ids["asset"][0], "type_id": ids["type"][0], "organization_id": ids["organization"][0],
        "device_id": ids["device"][0], "group_id": ids["group"][0], "link_id": ids["link"][0],
        "link_type_id": ids["link_type"][0], "user_id": ids["user"][1], "team_id": ids["team"][0],
        "token_id": ids["token"][0], "code": "notes", "rule_id": ids["rule"][0],
        "delivery_id": ids["delivery"][0],
    }


def _bodies(world) -> dict[tuple[str, str], dict]:
    """A valid body for each JSON-writing operation; the tests spoil one value at a time."""
    ids = world.ids
    asset, second, third = ids["asset"]
    org = ids["organization"][0]
    return {
        ("post", "/assets"): {"organization_id": org, "type_id": ids["type"][0], "title": "New",
                              "custom_fields": {"plate": "AB 1"}},
        ("patch", "/assets/{asset_id}"): {"title": "Renamed", "custom_fields": {"set": {"axles": 4}}},
        ("post", "/asset-types"): {"organization_id": org, "code": "van", "title": "Van"},
        ("patch", "/asset-types/{type_id}"): {"title": "Lorry"},
        ("post", "/asset-types/{type_id}/fields"): {"code": "seats", "title": "Seats", "field_type": "INTEGER",
                                                   "params": {"min": 1}},
        ("patch", "/asset-types/{type_id}/fields/{code}"): {"title": "Remarks"},
        ("post", "/devices"): {"organization_id": org, "title": "Tracker", "identifier": "IMEI-NEW"},
        ("patch", "/devices/{device_id}"): {"title": "Tracker 2"},
        ("post", "/organizations"): {"key": "new-org", "title": "New", "parent_id": org},
        ("patch", "/organizations/{organization_id}"): {"title": "Renamed"},
        ("post", "/groups"): {"organization_id": org, "title": "Yard", "asset_ids": [third]},
        ("patch", "/groups/{group_id}"): {"title": "Depot North"},
        ("post", "/groups/{group_id}/assets"): {"asset_ids": [third]},
        ("put", "/groups/{group_id}/assets"): {"asset_ids": [asset, third]},
        ("post", "/links"): {"link_type": "related", "source_id": asset, "target_id": third, "tags": ["a"],
                             "properties": {"k": "v"}, "sequence": 1},
        ("patch", "/links/{link_id}"): {"tags": ["b"], "sequence": 2},
        ("put", "/assets/{asset_id}/links"): {"links": [{"link_type": "parent_child", "target_id": second,
                                                         "sequence": 1}]},
        ("post", "/link-types"): {"organization_id": org, "code": "hauls", "name": "Hauls", "kind": "directed"},
        ("patch", "/link-types/{link_type_id}"): {"name": "Pulls"},
        ("post", "/users"): {"username": "newbie", "password": "long-enough-1"},
        ("post", "/teams"): {"name": "night shift"},
        ("post", "/teams/{team_id}/members"): {"user_ids": [ids["user"][1]]},
        ("post", "/permissions"): {"permission": "view_org_assets", "object_type": "organization",
                                   "object_id": org, "user_id": ids["user"][1]},
        ("post", "/permissions/revoke"): {"permission": "view_org_assets", "object_type": "organization",
                                          "object_id": org, "user_id": ids["user"][1]},
        ("post", "/auth/tokens"): {"username": "fuzz-root", "password": "wrong-password"},
        ("put", "/assets/{asset_id}/file"): {"remote_url": "https://example.com/manual.pdf"},
        ("post", "/event-rules"): {"organization_id": org, "name": "Hook", "object_types": ["asset"],
                                   "actions": ["update"], "url": "https://example.com/in",
                                   "secret": "a-long-enough-secret"},
        ("patch", "/event-rules/{rule_id}"): {"name": "Hook 2", "enabled": False},
        ("post", "/assets/{asset_id}/revert"): {"change_id": ids["change"][0]},
        ("post", "/views"): {"name": "Fuzz trucks", "query": {"type_id": [str(ids["type"][0])]},
                             "columns": ["plate"], "organization_id": org},
        ("post", "/views/columns/{type_id}"): {"columns": ["plate", "axles"]},
        # Bulk bodies are lists: the item here, sent as a one-item list (LIST_BODIES).
        ("patch", "/assets"): {"id": third, "title": "Renamed"},
        ("delete", "/assets"): {"id": third},
    }


LIST_BODIES = {("patch", "/assets"), ("delete", "/assets")}


def _operations():
    """(method, path template, parameters) of every operation in the OpenAPI schema."""
    for path, methods in schema.raw_schema["paths"].items():
        for method, operation in methods.items():
            yield method, path.removeprefix("/api/v1"), operation.get("parameters", [])


def _json_writes():
    for method, path, _ in _operations():
        operation = schema.raw_schema["paths"][f"/api/v1{path}"][method]
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            yield pytest.param(method, path, id=f"{method.upper()} {path}")


JSON_WRITES = list(_json_writes())


def _url(path: str, world, **overrides) -> str:
    values = {**_path_ids(world), **overrides}
    return path.format(**values)


def _problems(response, label, failures: list, *, allow_success=False, expect: int | None = None) -> None:
    status = response.status_code
    if status >= 500 or (status < 400 and not allow_success) or (expect is not None and status != expect):
        failures.append(f"{label}: {status} {response.content[:160]!r}")
        return
    if status >= 400:
        content_type = response.get("Content-Type", "")
        body = response.json() if content_type.startswith("application/problem+json") else None
        if not isinstance(body, dict) or not set(body) >= PROBLEM_KEYS or body["status"] != status:
            failures.append(f"{label}: {status} {content_type} {response.content[:160]!r}")


def _send(client, method, url, body, content_type="application/json"):
    if (method, url) in LIST_BODIES and isinstance(body, dict):
        body = [body]
    if not isinstance(body, bytes | str):
        # Lone surrogates can't be encoded as UTF-8: they go out as JSON escapes, as from a client.
        body = json.dumps(body, ensure_ascii=True)
    return getattr(client.client, method)(client._url(url), body, content_type=content_type, **client.headers)


@pytest.fixture
def hostile(fuzz_world):
    """(world, client) for requests whose every answer must be a 4xx problem."""
    return fuzz_world, ApiClient(token=fuzz_world.token)


def test_every_json_write_has_a_valid_body_here(hostile):
    world, _ = hostile
    assert {(m, p) for m, p, *_ in (param.values for param in JSON_WRITES)} == set(_bodies(world))


MALFORMED = {
    "invalid JSON": b'{"title": "x",}',
    "truncated JSON": b'{"title": ',
    "array instead of object": b'[{"title": "x"}]',
    "scalar instead of object": b"42",
    "null body": b"null",
    "empty body": b"",
    "not UTF-8": b'{"title": "\xff\xfe"}',
    "NaN": b'{"title": NaN}',
    "huge exponent": b'{"title": "x", "sequence": 1e400}',
    "NUL escape": b'{"title": "a\\u0000b"}',
    "lone surrogate escape": b'{"title": "\\ud800"}',
    "nested 10,000 arrays": DEEP_ARRAY,
    "nested 10,000 objects": DEEP_OBJECT,
    "nested 400 in a value": json.dumps({"title": "x", "properties": _nested(400)}).encode(),
    "duplicate keys": b'{"title": "a", "title": {"x": 1}}',
}


@pytest.mark.parametrize("method, path", JSON_WRITES)
def test_malformed_bodies_are_400_problems(hostile, method, path):
    world, client = hostile
    failures: list[str] = []
    for label, body in MALFORMED.items():
        _problems(_send(client, method, _url(path, world), body), label, failures, expect=400)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("method, path", JSON_WRITES)
def test_wrong_content_types_are_415_problems(hostile, method, path):
    world, client = hostile
    body = _bodies(world)[(method, path)]
    url = _url(path, world)
    failures: list[str] = []
    for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        payload = urlencode(body, doseq=True) if content_type.endswith("urlencoded") else json.dumps(body)
        _problems(_send(client, method, url, payload, content_type), content_type, failures, expect=415)
    # A multipart form (with a file) sent to a JSON endpoint; the test client encodes it for POST.
    form = {"title": "x", "file": io.BytesIO(b"data")}
    payload = form if method == "post" else encode_multipart(BOUNDARY, form)
    response = getattr(client.client, method)(client._url(url), payload, content_type=MULTIPART_CONTENT, **client.headers)
    _problems(response, "multipart", failures, expect=415)
    assert not failures, "\n".join(failures)


HOSTILE_VALUES = {
    "2**70": HUGE, "-2**70": -HUGE, "-1": -1, "0": 0, "1e308": 1e308, "true": True, "100k chars": LONG,
    "NUL": "a\x00b", "lone surrogate": "\ud800", "list": [HUGE, "x"], "object": {"a": HUGE}, "nested 40": _nested(40),
}


@pytest.mark.parametrize("method, path", JSON_WRITES)
def test_hostile_values_in_bodies_are_never_server_errors(hostile, method, path):
    world, client = hostile
    body = _bodies(world)[(method, path)]
    failures: list[str] = []
    for name in body:
        for label, value in HOSTILE_VALUES.items():
            # Some hostile values are legal where a field is free-form (a JSON property, -1 as a
            # sequence); what matters is that none is a server error or an unexplained error.
            response = _send(client, method, _url(path, world), {**body, name: value})
            _problems(response, f"{name}={label}", failures, allow_success=True)
    assert not failures, "\n".join(failures)


def test_hostile_custom_field_values_are_never_server_errors(hostile):
    world, client = hostile
    values = [HUGE, -HUGE, 1e308, -1e308, LONG, "a\x00b", "\ud800", [HUGE], {"": HUGE}, _nested(40),
              "9999-99-99", "0000-01-01T00:00:00Z", "javascript:alert(1)", "http://" + "a" * 5000, -1, 0]
    create = {"organization_id": world.ids["organization"][0], "type_id": world.ids["type"][0], "title": "Spoiled"}
    failures: list[str] = []
    for code in world.field_codes:
        for value in values:
            label = f"{code}={str(value)[:30]}"
            _problems(_send(client, "post", "/assets", {**create, "custom_fields": {code: value}}), f"post {label}",
                      failures, allow_success=True)
            _problems(_send(client, "patch", f"/assets/{world.ids['asset'][0]}", {"custom_fields": {"set": {code: value}}}),
                      f"patch {label}", failures, allow_success=True)
    assert not failures, "\n".join(failures)


def test_deeply_nested_values_are_400_problems(hostile):
    """Deep JSON parses, but copying, storing or serializing it recurses past Python's limit."""
    world, client = hostile
    deep = _nested(400)
    bodies = _bodies(world)
    failures: list[str] = []
    for method, path, body in (
        ("post", "/assets", {**bodies[("post", "/assets")], "custom_fields": {"specs": deep}}),
        ("patch", "/assets/{asset_id}", {"custom_fields": {"set": {"specs": deep}}}),
        ("post", "/links", {**bodies[("post", "/links")], "properties": {"k": deep}}),
        ("patch", "/links/{link_id}", {"properties": {"k": deep}}),
        ("post", "/asset-types/{type_id}/fields", {**bodies[("post", "/asset-types/{type_id}/fields")],
                                                 "params": {"min": deep}}),
    ):
        response = _send(client, method, _url(path, world), body)
        _problems(response, f"{method} {path}", failures)
        if response.status_code == 400 and "nested" not in response.json()["detail"]:
            failures.append(f"{method} {path}: {response.json()['detail'][:200]}")
    assert not failures, "\n".join(failures)
    # Documents of a sensible depth (80 levels here) still go through.
    fine = {**bodies[("post", "/assets")], "custom_fields": {"specs": _nested(40)}}
    assert _send(client, "post", "/assets", fine).status_code == 201


def test_numbers_beyond_float_range_are_400_problems(hostile):
    """1e400 parses to infinity, which neither database's JSON column can hold."""
    world, client = hostile
    create = {"organization_id": world.ids["organization"][0], "type_id": world.ids["type"][0], "title": "Far"}
    failures: list[str] = []
    for method, path, body in (
        ("post", "/assets", {**create, "custom_fields": {"specs": "INF"}}),
        ("post", "/assets", {**create, "custom_fields": {"fuel_l": "INF"}}),
        ("patch", f"/assets/{world.ids['asset'][0]}", {"custom_fields": {"set": {"specs": ["INF"]}}}),
        ("patch", f"/links/{world.ids['link'][0]}", {"properties": {"k": "INF"}}),
    ):
        raw = json.dumps(body).replace('"INF"', "-1e400")
        _problems(_send(client, method, path, raw), f"{method} {path} {raw[-40:]}", failures)
    assert not failures, "\n".join(failures)


def _integer_parameters():
    for method, path, parameters in _operations():
        for parameter in parameters:
            types = {parameter["schema"].get("type")} | {s.get("type") for s in parameter["schema"].get("anyOf", [])}
            if "integer" in types:
                yield pytest.param(method, path, parameter["name"], parameter["in"],
                                   id=f"{method.upper()} {path} {parameter['name']}")


@pytest.mark.parametrize("method, path, name, location", list(_integer_parameters()))
def test_out_of_range_integer_parameters_are_4xx_problems(hostile, method, path, name, location):
    """Beyond 64 bits SQLite can't bind a number and PostgreSQL refuses it for bigint columns."""
    world, client = hostile
    body = _bodies(world).get((method, path))
    failures: list[str] = []
    for value in (HUGE, -HUGE, 2**63, -(2**63) - 1):
        if location == "path":
            url, query = _url(path, world, **{name: value}), ""
        else:
            url, query = _url(path, world), urlencode({name: value})
        target = f"{url}?{query}" if query else url
        if method in ("get", "delete"):
            response = getattr(client, method)(target)
        elif body is None:
            response = getattr(client.client, method)(client._url(target), **client.headers)
        else:
            response = _send(client, method, target, body)
        # A filter naming no object may answer with an empty list.
        _problems(response, f"{name}={value}", failures, allow_success=(location == "query" and method == "get"))
    assert not failures, "\n".join(failures)


LISTS = ["/assets", "/asset-types", "/devices", "/organizations", "/groups", "/links", "/link-types", "/changes",
         "/users", "/teams", "/permissions", "/auth/tokens", "/groups/{group_id}/assets"]


def _cursor(values) -> str:
    raw = json.dumps(values, ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


QUERY_ATTACKS = {
    "negative limit": {"limit": "-1"},
    "zero limit": {"limit": "0"},
    "limit 10**9": {"limit": str(10**9)},
    "limit 2**70": {"limit": str(HUGE)},
    "limit text": {"limit": "lots"},
    "cursor garbage": {"cursor": "%%%not-a-cursor%%%"},
    "cursor not base64 JSON": {"cursor": base64.urlsafe_b64encode(b"\xff\xfe junk").decode()},
    "cursor wrong arity": {"cursor": _cursor([1, 2, 3, 4, 5])},
    "cursor huge id": {"cursor": _cursor(["x", HUGE])},
    "cursor NUL": {"cursor": _cursor(["a\x00b", 1])},
    "cursor surrogate": {"cursor": _cursor(["\ud800", 1])},
    "cursor nested": {"cursor": _cursor([_nested(50), 1])},
    "cursor deep": {"cursor": base64.urlsafe_b64encode(DEEP_ARRAY).decode()},
    "cursor 100k": {"cursor": LONG},
    "NUL in a parameter": {"cursor": "ab\x00c"},
    "count text": {"count": "maybe"},
    "unknown parameter": {"no_such_filter": "1"},
}

MANY_IDS = ",".join(str(n) for n in range(1, 40_001))
ASSET_QUERY_ATTACKS = {
    "40,000 type ids": {"type_id": MANY_IDS},
    "40,000 organization ids": {"organization_id": MANY_IDS},
    "40,000 group ids": {"group_id": MANY_IDS},
    "40,000 linked_to ids": {"linked_to": MANY_IDS},
    "cf in 5,000 values": {"cf_axles__in": ",".join(str(n) for n in range(5000))},
    "cf 900 repeated values": {"cf_plate": [str(n) for n in range(900)]},
    "title_contains 900 times": {"title_contains": [str(n) for n in range(900)]},
    "900 custom-field conditions": {f"cf_f{n}": "1" for n in range(900)},
    "group 2**70 with descendants": {"group_id": str(HUGE), "include_descendants": "true"},
    "linked_to 2**70": {"linked_to": str(HUGE)},
    "cf gt text": {"cf_axles__gt": "many"},
    "cf gt 1e400": {"cf_fuel_l__gt": "1e400"},
    "cf unknown operator": {"cf_axles__regex": ".*"},
    "cf isnull text": {"cf_plate__isnull": "perhaps"},
    "cf operator on JSON": {"cf_specs__gt": "1"},
    "cf device 2**70": {"cf_tracker": str(HUGE)},
    "cf asset text": {"cf_trailer": "abc"},
    "cf code garbage": {"cf_Not-A-Code": "1"},
    "ordering garbage": {"ordering": "title; DROP TABLE assets_asset"},
}

# Legal requests that should simply find nothing (or everything) — never a server error.
ASSET_QUERY_ODDITIES = {
    "cf gt 2**70": {"cf_axles__gt": str(HUGE)},
    "cf date garbage": {"cf_built_on__lt": "9999-99-99"},
    "cf unknown field": {"cf_nope": "1"},
    "ordering unknown field": {"ordering": "-cf_nope"},
    "fields 100k": {"fields": LONG},
    "title_contains 100k": {"title_contains": LONG},
    "key 100k": {"key": LONG},
}


@pytest.mark.parametrize("path", LISTS)
def test_hostile_query_parameters_on_lists_are_400_problems(hostile, path):
    world, client = hostile
    url = _url(path, world)
    failures: list[str] = []
    attacks = dict(QUERY_ATTACKS)
    if path == "/assets":
        attacks.update(ASSET_QUERY_ATTACKS)
    for label, params in attacks.items():
        _problems(client.get(url, params), label, failures)
    if path == "/assets":
        for label, params in ASSET_QUERY_ODDITIES.items():
            _problems(client.get(url, params), label, failures, allow_success=True)
        # Percent-encoded bytes that aren't UTF-8 (a lone surrogate's encoding).
        _problems(client.get(f"{url}?title_contains=%ED%A0%80&key=%FF"), "not UTF-8", failures, allow_success=True)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", [
    "/assets/{asset_id}", "/asset-types/{type_id}", "/devices/{device_id}", "/organizations/{organization_id}",
    "/groups/{group_id}", "/groups/{group_id}/tree", "/groups/{group_id}/assets", "/links/{link_id}",
    "/link-types/{link_type_id}", "/users/{user_id}", "/teams/{team_id}", "/assets/{asset_id}/links",
    "/assets/{asset_id}/file", "/asset-types/{type_id}/fields/{code}",
])
def test_malformed_ids_in_paths_are_4xx_problems(hostile, path):
    world, client = hostile
    failures: list[str] = []
    for bad in ("-1", "0", "1.5", "1e3", "abc", "%00", "%ED%A0%80", "9" * 5000, "c" * 100_000):
        name = path[path.rindex("{") + 1:path.rindex("}")]
        url = _url(path, world, **{name: bad})
        _problems(client.get(url), f"GET {bad[:20]}", failures)
        _problems(client.patch(url, {"title": "x"}), f"PATCH {bad[:20]}", failures)
        _problems(client.delete(url), f"DELETE {bad[:20]}", failures)
    assert not failures, "\n".join(failures)


def test_hostile_depth_version_and_flag_parameters_are_400_problems(hostile):
    world, client = hostile
    asset, group, link = world.ids["asset"][0], world.ids["group"][0], world.ids["link"][0]
    failures: list[str] = []
    for label, response in {
        "links tree depth 10**9": client.get(f"/assets/{asset}/links", {"tree": "true", "depth": str(10**9)}),
        "links tree depth -1": client.get(f"/assets/{asset}/links", {"tree": "true", "depth": "-1"}),
        "links tree text": client.get(f"/assets/{asset}/links", {"tree": "sometimes"}),
        "group tree depth -5": client.get(f"/groups/{group}/tree", {"depth": "-5"}),
        "group tree depth 10**9": client.get(f"/groups/{group}/tree", {"depth": str(10**9)}),
        "asset delete version text": client.delete(f"/assets/{asset}?version=new"),
        "link delete version 0": client.delete(f"/links/{link}?version=0"),
        "group delete cascade text": client.delete(f"/groups/{group}?cascade=everything"),
        "asset fields 100k": client.get(f"/assets/{asset}", {"fields": LONG}),
    }.items():
        # A deep tree request may be clamped rather than refused; a version of 0 is a conflict.
        _problems(response, label, failures, allow_success=label.endswith(("10**9", "100k")))
    assert not failures, "\n".join(failures)
