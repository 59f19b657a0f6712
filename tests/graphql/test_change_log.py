"""Every GraphQL mutation writes its change-log entry, by the caller, through the service REST
uses (the seed scenario covers the asset and field-definition writes; these, the rest)."""

from __future__ import annotations

from assets.models import ChangeLogEntry

from .conftest import fill


def logged(object_type: str, object_id) -> list[tuple[str, str]]:
    return list(ChangeLogEntry.objects.filter(object_type=object_type, object_id=int(object_id))
                .order_by("time", "pk").values_list("action", "user_name"))


def test_device_and_type_mutations_are_logged_by_the_caller(gql_for, fleet_manager, translog):
    gql = gql_for(fleet_manager)
    device = gql.data(fill('mutation { deviceCreate(input: {organizationId: "<org>", title: "GPS 7", '
                           'identifier: "IMEI-7"}) { device { id } } }', org=translog.pk))["deviceCreate"]["device"]["id"]
    gql.data(fill('mutation { deviceDelete(input: {id: "<id>"}) { deletedId } }', id=device))
    assert logged("device", device) == [("create", "fleet"), ("delete", "fleet")]

    asset_type = gql.data(fill('mutation { assetTypeCreate(input: {organizationId: "<org>", code: "crane", '
                               'title: "Crane"}) { assetType { id version } } }', org=translog.pk)
                          )["assetTypeCreate"]["assetType"]
    gql.data(fill('mutation { assetTypeUpdate(input: {id: "<id>", version: 1, title: "Tower crane"}) '
                  '{ assetType { version } } }', id=asset_type["id"]))
    gql.data(fill('mutation { assetTypeDelete(input: {id: "<id>", version: 2}) { deletedId } }', id=asset_type["id"]))
    assert logged("asset_type", asset_type["id"]) == [("create", "fleet"), ("update", "fleet"), ("delete", "fleet")]


def test_a_refused_mutation_logs_nothing(gql_for, fleet_manager, translog):
    gql = gql_for(fleet_manager)
    before = ChangeLogEntry.objects.count()
    body = gql.execute(fill('mutation { assetTypeCreate(input: {organizationId: "<org>", code: "Bad Code", '
                            'title: "X"}) { assetType { id } } }', org=translog.pk))
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert ChangeLogEntry.objects.count() == before
