"""`isIndexed` on custom-field definitions through GraphQL: the same service as REST, the same
index build (assets.field_index) and the same refusal for a kind without a short sort key."""

from __future__ import annotations

from assets.field_index import _existing, index_names
from assets.models import CustomFieldDefinition

from .conftest import fill

CREATE = ('mutation { assetTypeCreate(input: {organizationId: "<org>", code: "tanker", title: "Tanker", '
          'customFieldDefinitions: [{code: "fuel", title: "Fuel", fieldType: NUMBER, isIndexed: true}]}) '
          '{ assetType { id version customFieldDefinitions { code isIndexed indexStatus } } } }')
UPDATE = ('mutation { assetTypeUpdate(input: {id: "<id>", customFieldDefinitions: [{update: {code: "fuel", '
          'isIndexed: <on>}}]}) { assetType { customFieldDefinitions { code isIndexed indexStatus } } } }')


def test_is_indexed_builds_and_drops_the_index(gql_for, fleet_manager, translog, task_worker):
    gql = gql_for(fleet_manager)
    created = gql.data(fill(CREATE, org=translog.pk))["assetTypeCreate"]["assetType"]
    assert created["customFieldDefinitions"] == [{"code": "fuel", "isIndexed": True, "indexStatus": "PENDING"}]
    names = index_names(CustomFieldDefinition.objects.get(code="fuel").pk)
    task_worker.drain()
    assert set(_existing(names)) == set(names)

    off = gql.data(fill(UPDATE, id=created["id"], on="false"))["assetTypeUpdate"]["assetType"]
    assert off["customFieldDefinitions"] == [{"code": "fuel", "isIndexed": False, "indexStatus": None}]
    task_worker.drain()
    assert _existing(names) == {}


def test_is_indexed_on_a_kind_without_a_short_sort_key_is_a_validation_error(gql_for, fleet_manager, translog):
    body = gql_for(fleet_manager).execute(fill(
        'mutation { assetTypeCreate(input: {organizationId: "<org>", code: "notes", title: "Notes", '
        'customFieldDefinitions: [{code: "text", title: "Text", fieldType: TEXT, isIndexed: true}]}) '
        '{ assetType { id } } }', org=translog.pk))
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert "can't be indexed" in str(body["errors"][0])
    assert not CustomFieldDefinition.objects.filter(code="text").exists()
