"""Schemathesis fuzzes every operation of the OpenAPI schema in-process (the Django WSGI app, no
server), authenticated as a superuser, against a database holding one object of every kind.
No answer may be a 5xx, and every error must be application/problem+json (SPEC §4, §8)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application

from .fuzz_world import build_world

CONFIG = schemathesis.Config.from_dict({
    "generation": {
        # Both valid and invalid data; repeatable in CI.
        "mode": "all",
        "deterministic": True,
        # The bearer token is sent with every case; generated credentials would only test 401.
        "with-security-parameters": False,
        "database": "none",
    },
    "phases": {"stateful": {"enabled": False}},
})

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "errors", "trace_id"}

# Which object a parameter names. `parent_id` and `object_id` depend on the operation.
ID_KINDS = {
    "asset_id": "asset", "source_id": "asset", "target_id": "asset", "linked_to": "asset", "asset_ids": "asset",
    "organization_id": "organization", "type_id": "type", "device_id": "device", "group_id": "group",
    "link_id": "link", "link_type_id": "link_type", "user_id": "user", "user_ids": "user", "team_id": "team",
    "token_id": "token",
}


def problem_details(ctx, response, case):
    """Every error answer is a problem document with the documented keys."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict) and PROBLEM_KEYS <= set(body), f"problem keys missing: {body!r}"
    assert body["status"] == response.status_code, body
    assert isinstance(body["errors"], list), body
    for error in body["errors"]:
        assert isinstance(error, dict) and {"field", "message"} <= set(error), body
    return None


def _kind(name: str, path: str) -> str | None:
    if name == "parent_id":
        return "group" if path.startswith("/api/v1/groups") else "organization"
    return ID_KINDS.get(name)


def _aim(value, kind: str, world):
    # Small positive integers become real ids, so most generated requests reach an object;
    # zero, negatives, huge numbers and non-integers go out as generated.
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return world.pick(kind, value - 1) or value
    if isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 1000:
        return str(world.pick(kind, int(value) - 1) or value)
    if isinstance(value, list):
        return [_aim(item, kind, world) for item in value]
    return value


def _aim_container(container, path: str, world) -> None:
    if not isinstance(container, dict):
        return
    for name in list(container):
        kind = _kind(name, path)
        if kind is not None:
            container[name] = _aim(container[name], kind, world)


def _aim_custom_fields(body, world) -> None:
    """Generated custom-field maps get the type's real field codes as keys, so that the value
    validators of every field type see the fuzzer's values."""
    if not isinstance(body, dict) or not isinstance(body.get("custom_fields"), dict):
        return
    fields = body["custom_fields"]
    target = fields["set"] if isinstance(fields.get("set"), dict) else fields
    if target is fields and set(fields) & {"set", "unset", "set_primary", "unset_primary"}:
        return
    renamed = {world.field_codes[index % len(world.field_codes)]: value for index, value in enumerate(target.values())}
    target.clear()
    target.update(renamed)


def aim_at_world(case, world) -> None:
    path = case.operation.path
    full_path = f"/api/v1{path}" if not path.startswith("/api/v1") else path
    _aim_container(case.path_parameters, full_path, world)
    if "code" in (case.path_parameters or {}) and isinstance(case.path_parameters["code"], str):
        # Field definitions are addressed by code: most cases name a real one.
        code = case.path_parameters["code"]
        if code.isalnum() or code == "":
            case.path_parameters["code"] = world.field_codes[len(code) % len(world.field_codes)]
    _aim_container(case.query, full_path, world)
    _aim_container(case.body, full_path, world)
    _aim_custom_fields(case.body, world)


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


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_stats(case, fuzz_world):
    aim_at_world(case, fuzz_world)
    response = case.call(headers={"Authorization": f"Bearer {fuzz_world.token}"})
    case.validate_response(response, checks=[not_a_server_error, problem_details])
    import json as _j
    open("/tmp/fuzz_stats.jsonl","a").write(_j.dumps([case.operation.label, response.status_code, case.path_parameters, case.query, case.body if isinstance(case.body,(dict,list,str,int,float,type(None))) else repr(case.body)[:100], (response.json().get("detail") if response.status_code>=400 else "")[:150] if response.content else ""])+"\n")
