"""Malformed and mistyped bodies, sent to every POST, PUT and PATCH operation of the OpenAPI
schema (every app's, not just the foundation's), as a superuser and as a user without rights.
Whatever comes back must be a 4xx problem (or a success): never a 5xx."""

from __future__ import annotations

import json
import re

import pytest

from config.api import api
from tests.conftest import ApiClient
from tests.factories import make_asset, make_device, make_user

MALFORMED_BODIES = [
    b"",
    b"{",
    b'{"title": ',
    b"[]",
    b"null",
    b"123",
    b'"text"',
    b"\xff\xfe\x00",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"title": "a\\u0000b"}',
    b'{"title": "\\ud800"}',
    b"[" * 5000 + b"]" * 5000,
    json.dumps({"deep": json.loads("[" * 100 + "]" * 100)}).encode(),
]
WRONG_VALUES = [None, "", "x" * 5000, 2**70, -1, 0, 1.5, True, [], {}, ["x"], {"a": 1}, "a\x00b"]


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _operations():
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    for path, methods in sorted(schema["paths"].items()):
        for method, operation in sorted(methods.items()):
            if method not in ("post", "put", "patch"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body_schema = content.get("application/json", {}).get("schema")
            properties = {}
            if body_schema:
                properties = _resolve(schema, body_schema).get("properties", {})
            yield pytest.param(method, path, sorted(properties), id=f"{method.upper()} {path}")


@pytest.fixture
def world(org, truck_type, superuser):
    """One of everything, so that path parameters name objects that exist."""
    asset = make_asset(org, truck_type, custom_fields={"license_plate": "HH-TL 4421"})
    device = make_device(org)
    user = make_user("fuzz-target")
    from django.contrib.auth.models import Group as Team

    team = Team.objects.create(name="fuzzers")
    return {
        "asset_id": asset.pk, "type_id": truck_type.pk, "organization_id": org.pk, "device_id": device.pk,
        "user_id": user.pk, "team_id": team.pk, "token_id": 1, "code": "license_plate",
    }


def _fill(path: str, world: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(world.get(m.group(1), 1)), path)


def _check(response, label):
    assert response.status_code < 500, (label, response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), (label, response["Content-Type"])


@pytest.mark.parametrize("method, path, properties", list(_operations()))
def test_no_body_produces_a_server_error(world, superuser, method, path, properties):
    url = _fill(path, world)
    clients = {"superuser": ApiClient(superuser), "nobody": ApiClient(make_user("nobody"))}
    for who, client in clients.items():
        send = getattr(client.client, method)
        for body in MALFORMED_BODIES:
            response = send(url, body, content_type="application/json", **client.headers)
            _check(response, (who, body[:40]))
        for name in properties:
            for value in WRONG_VALUES:
                response = send(url, json.dumps({name: value}), content_type="application/json", **client.headers)
                _check(response, (who, name, repr(value)[:40]))
        response = send(url, "title=x", content_type="application/x-www-form-urlencoded", **client.headers)
        _check(response, (who, "form body"))
