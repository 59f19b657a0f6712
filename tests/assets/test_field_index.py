"""`indexed` custom-field definitions: the worker builds an index on the field's sort key, the
asset list's ordering and range filters on the field are read from it (the plan of the real
request's page query names it), and toggling or deleting the field drops it."""

from __future__ import annotations

import pytest
from django.db import connection

from assets.core.db.compiled import django_form
from assets.field_index import _existing, index_names
from assets.models import Asset, CustomFieldDefinition

from .helpers import assert_problem

ROWS = 3000


@pytest.fixture
def fleet(org, admin_api):
    """A type whose `fuel` is indexed, assets of it and of a type without the field, analysed."""
    body = {"organization_id": org.pk, "code": "tanker", "title": "Tanker", "custom_field_definitions": [
        {"code": "fuel", "field_type": "NUMBER", "indexed": True},
        {"code": "depot", "field_type": "STRING", "params": {"max_length": 64}},
        {"code": "serviced", "field_type": "DATE"},
    ]}
    response = admin_api.post("/asset-types", body)
    assert response.status_code == 201, response.content
    tanker = response.json()
    other = admin_api.post("/asset-types", {"organization_id": org.pk, "code": "trailer", "title": "Trailer"}).json()
    Asset.objects.bulk_create([
        Asset(organization=org, type_id=tanker["id"] if n % 4 else other["id"], key=f"a{n}", title=f"Asset {n:05d}",
              custom_fields={"fuel": (n * 37) % 1000, "depot": f"D{n % 50}", "serviced": f"2024-01-{n % 28 + 1:02d}"}
              if n % 4 else {})
        for n in range(ROWS)
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return tanker


def definition(type_id: int, code: str) -> CustomFieldDefinition:
    return CustomFieldDefinition.objects.get(asset_type_id=type_id, code=code)


def field_shape(api, type_id: int, code: str) -> dict:
    body = api.get(f"/asset-types/{type_id}").json()
    return next(d for d in body["custom_field_definitions"] if d["code"] == code)


def page_plan(api, params) -> str:
    """The plan of the page query of one real request, explained with the very SQL and bound
    values the request ran (SQLite matches an indexed expression only against its literal text).
    On PostgreSQL sequential scans are priced out, so the choice doesn't hang on the table's size."""
    executed = []

    def record(execute, sql, values, many, context):
        executed.append((django_form(sql), values))
        return execute(sql, values, many, context)

    with connection.execute_wrapper(record):
        response = api.get("/assets", params)
    assert response.status_code == 200, response.content
    sql, values = max(((s, v) for s, v in executed if 'FROM "assets_asset"' in s and "LIMIT" in s), key=lambda q: len(q[0]))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            try:
                cursor.execute("EXPLAIN " + sql, values)
                return "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("RESET enable_seqscan")
        cursor.execute("EXPLAIN QUERY PLAN " + sql, values)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_worker_builds_the_index_and_the_list_reads_it(admin_api, fleet, task_worker):
    fuel = definition(fleet["id"], "fuel")
    names = index_names(fuel.pk)
    assert field_shape(admin_api, fleet["id"], "fuel") == {
        "code": "fuel", "title": "fuel", "field_type": "NUMBER", "params": {"required": False}, "order": 10,
        "indexed": True, "index_status": "pending",
    }
    cases = [
        {"ordering": "-cf_fuel", "limit": 20},
        {"ordering": "cf_fuel", "limit": 20},
        {"cf_fuel__gte": "10", "cf_fuel__lt": "12", "limit": 20},
        {"cf_fuel__gt": "990", "ordering": "-cf_fuel", "limit": 20},
    ]
    if connection.vendor == "postgresql":
        # A one-sided range under another ordering: PostgreSQL's histograms see it keeps 1 %;
        # SQLite keeps none (no STAT4) and prefers walking the title index, so it isn't asked there.
        cases.append({"cf_fuel__gt": "990", "limit": 20})
    before = {str(case): page_plan(admin_api, case) for case in cases}
    pages_before = {str(case): admin_api.get("/assets", case).json()["items"] for case in cases}
    assert not any(name in plan for plan in before.values() for name in names), before

    task_worker.drain()

    assert field_shape(admin_api, fleet["id"], "fuel")["index_status"] == "ready"
    assert set(_existing(names)) == set(names)
    for case in cases:
        plan = page_plan(admin_api, case)
        assert any(name in plan for name in names), (case, plan)
        # The index changes how the page is read, not what it holds.
        assert admin_api.get("/assets", case).json()["items"] == pages_before[str(case)]
    if connection.vendor == "postgresql":
        # Each direction has its own index: the list puts empty values last both ways.
        assert f"{names[1]}" in page_plan(admin_api, cases[0])
        assert f"{names[0]}" in page_plan(admin_api, cases[1])


def test_the_next_page_by_cursor_reads_the_index_too(admin_api, fleet, task_worker):
    task_worker.drain()
    names = index_names(definition(fleet["id"], "fuel").pk)
    first = admin_api.get("/assets", {"ordering": "-cf_fuel", "limit": 50}).json()
    cursor = first["page_info"]["end_cursor"]
    plan = page_plan(admin_api, {"ordering": "-cf_fuel", "limit": 50, "cursor": cursor})
    assert any(name in plan for name in names), plan
    second = admin_api.get("/assets", {"ordering": "-cf_fuel", "limit": 50, "cursor": cursor}).json()["items"]
    both = admin_api.get("/assets", {"ordering": "-cf_fuel", "limit": 100}).json()["items"]
    assert first["items"] + second == both


@pytest.mark.parametrize("spec, code", [
    ({"code": "depot", "field_type": "STRING", "params": {"max_length": 64}, "indexed": True}, "depot"),
    ({"code": "serviced", "field_type": "DATE", "indexed": True}, "serviced"),
])
def test_text_kinds_are_indexed_on_their_text(admin_api, org, task_worker, spec, code):
    created = admin_api.post("/asset-types", {"organization_id": org.pk, "code": "depot_type", "title": "Depot type",
                                              "custom_field_definitions": [spec]}).json()
    Asset.objects.bulk_create([
        Asset(organization=org, type_id=created["id"], key=f"d{n}", title=f"D {n}",
              custom_fields={"depot": f"D{n % 50:02d}", "serviced": f"2024-01-{n % 28 + 1:02d}"})
        for n in range(ROWS)
    ])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    task_worker.drain()
    names = index_names(definition(created["id"], code).pk)
    low, high = ("D48", "D49") if code == "depot" else ("2024-01-27", "2024-01-28")
    for params in ({"ordering": f"-cf_{code}", "limit": 10}, {f"cf_{code}__gte": low, f"cf_{code}__lt": high}):
        plan = page_plan(admin_api, params)
        assert any(name in plan for name in names), (params, plan)


def test_turning_indexed_off_drops_the_index_and_on_again_rebuilds_it(admin_api, fleet, task_worker):
    task_worker.drain()
    fuel = definition(fleet["id"], "fuel")
    names = index_names(fuel.pk)
    assert set(_existing(names)) == set(names)

    response = admin_api.patch(f"/asset-types/{fleet['id']}/fields/fuel", {"indexed": False})
    assert response.status_code == 200, response.content
    assert field_shape(admin_api, fleet["id"], "fuel").items() >= {"indexed": False, "index_status": None}.items()
    task_worker.drain()
    assert _existing(names) == {}
    assert not any(name in page_plan(admin_api, {"ordering": "-cf_fuel", "limit": 20}) for name in names)

    # Off and on again before the worker runs: the tasks converge on what the field says last.
    admin_api.patch(f"/asset-types/{fleet['id']}/fields/fuel", {"indexed": True})
    admin_api.patch(f"/asset-types/{fleet['id']}/fields/fuel", {"indexed": False})
    admin_api.patch(f"/asset-types/{fleet['id']}/fields/fuel", {"indexed": True})
    assert field_shape(admin_api, fleet["id"], "fuel")["index_status"] == "pending"
    task_worker.drain()
    assert field_shape(admin_api, fleet["id"], "fuel")["index_status"] == "ready"
    assert set(_existing(names)) == set(names)
    # The type's change log records the setting like any other of the field's.
    entry = admin_api.get("/changes", {"object_type": "asset_type", "object_id": fleet["id"]}).json()["items"][0]
    assert [f["indexed"] for f in entry["after"]["fields"] if f["code"] == "fuel"] == [True]


def test_deleting_the_field_or_its_type_drops_the_index(admin_api, org, fleet, task_worker):
    task_worker.drain()
    names = index_names(definition(fleet["id"], "fuel").pk)
    assert set(_existing(names)) == set(names)
    response = admin_api.delete(f"/asset-types/{fleet['id']}/fields/fuel?drop_values=true")
    assert response.status_code == 200, response.content
    task_worker.drain()
    assert _existing(names) == {}

    lone = admin_api.post("/asset-types", {"organization_id": org.pk, "code": "lone", "title": "Lone",
                                           "custom_field_definitions": [
                                               {"code": "size", "field_type": "INTEGER", "indexed": True}]}).json()
    task_worker.drain()
    lone_names = index_names(definition(lone["id"], "size").pk)
    assert set(_existing(lone_names)) == set(lone_names)
    assert admin_api.delete(f"/asset-types/{lone['id']}").status_code == 204
    task_worker.drain()
    assert _existing(lone_names) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's CAST turns any text into a number")
def test_a_build_the_stored_values_break_is_marked_failed_and_leaves_no_index(admin_api, org, task_worker):
    created = admin_api.post("/asset-types", {"organization_id": org.pk, "code": "odd", "title": "Odd",
                                              "custom_field_definitions": [{"code": "fuel", "field_type": "NUMBER"}]})
    type_id = created.json()["id"]
    # A value no write through the services would store (written around them).
    Asset.objects.create(organization=org, type_id=type_id, key="odd", title="Odd", custom_fields={"fuel": "full"})
    assert admin_api.patch(f"/asset-types/{type_id}/fields/fuel", {"indexed": True}).status_code == 200
    task_worker.drain()
    assert field_shape(admin_api, type_id, "fuel")["index_status"] == "failed"
    assert _existing(index_names(definition(type_id, "fuel").pk)) == {}


@pytest.mark.parametrize("spec, field, message", [
    ({"code": "notes", "field_type": "TEXT", "indexed": True}, "indexed", "can't be indexed"),
    ({"code": "blob", "field_type": "JSON", "indexed": True}, "indexed", "can't be indexed"),
    ({"code": "tags", "field_type": "MULTI_OPTIONS", "params": {"options": [{"code": "a"}]}, "indexed": True},
     "indexed", "can't be indexed"),
    ({"code": "owner", "field_type": "ASSET", "indexed": True}, "indexed", "can't be indexed"),
    ({"code": "label", "field_type": "STRING", "params": {"max_length": 1024}, "indexed": True}, "indexed", "600"),
    # The body's schema refuses it before the service sees it.
    ({"code": "fuel", "field_type": "NUMBER", "indexed": "yes"}, None, "bool"),
])
def test_indexed_where_it_cant_be_is_a_400(admin_api, truck_type, spec, field, message):
    body = assert_problem(admin_api.post(f"/asset-types/{truck_type.pk}/fields", spec), 400, "VALIDATION_ERROR")
    assert [e["field"] for e in body["errors"]] == [f"field.{field}" if field else "indexed"]
    assert message in body["errors"][0]["message"].lower()
    assert not CustomFieldDefinition.objects.filter(asset_type=truck_type, code=spec["code"]).exists()


def test_an_indexed_string_keeps_its_bounded_length(admin_api, truck_type):
    created = admin_api.post(f"/asset-types/{truck_type.pk}/fields",
                             {"code": "depot", "field_type": "STRING", "params": {"max_length": 100}, "indexed": True})
    assert created.status_code == 201, created.content
    body = assert_problem(admin_api.patch(f"/asset-types/{truck_type.pk}/fields/depot", {"params": {"max_length": 1000}}),
                          400, "VALIDATION_ERROR")
    assert [e["field"] for e in body["errors"]] == ["field.params"]
    # Turning the index off and widening the field in one request is fine.
    widened = admin_api.patch(f"/asset-types/{truck_type.pk}/fields/depot",
                              {"params": {"max_length": 1000}, "indexed": False})
    assert widened.status_code == 200, widened.content


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite rebuilds a table to alter it")
def test_an_index_lost_to_a_sqlite_table_rebuild_is_rebuilt_after_the_migration(admin_api, fleet, task_worker):
    from django.core.management.sql import emit_post_migrate_signal

    task_worker.drain()
    names = index_names(definition(fleet["id"], "fuel").pk)
    with connection.cursor() as cursor:
        # The table's copy a migration altering assets_asset makes has no index outside the
        # model state (the table's triggers keep _remake_table itself from running here).
        cursor.execute(f'DROP INDEX "{names[0]}"')
    assert _existing(names) == {}
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    task_worker.drain()
    assert set(_existing(names)) == set(names)
    assert names[0] in page_plan(admin_api, {"ordering": "-cf_fuel", "limit": 20})
