"""Seed 003's fleet scenario, document by document, verbatim apart from the ids: each answer has
the shape the seed shows."""

from __future__ import annotations

import pytest

from assets.models import Asset, AssetType, ChangeLogEntry, Device
from tests.factories import make_device

from .conftest import fill, only_error
from .seed_documents import DOCUMENTS, FRAGMENTS

ADD_TRACKER_FIELD = """
mutation AddTrackerField($id: ID!, $version: Int!) {
  assetTypeUpdate(input: {
    id: $id
    version: $version
    customFieldDefinitions: [
      { create: { code: "tracker", title: "Tracker", fieldType: DEVICE } }
      { create: { code: "fuel_capacity_l", title: "Fuel Capacity (L)", fieldType: NUMBER,
                  params: { number: { min: 0, max: 2000 } } } }
    ]
  }) { assetType { id version } }
}
"""


def test_every_seed_document_is_a_known_operation():
    assert set(DOCUMENTS) == {
        "GetMyOrganization", "ListAssetTypes", "GetTruckTypeFields", "CreateTruckType", "AddLicensePlateField",
        "RegisterTruck", "GetTruck", "GetTruckLicensePlate", "AssignTruckDevice", "UnlinkForkliftDevice",
        "DecommissionTruck", "ListAssets", "ListTrucks", "FindAssetByDevice", "FindTruckByPlate",
        "AssetsByLicensePlate",
    }
    assert any("setPrimary" in fragment for fragment in FRAGMENTS)


@pytest.fixture
def gql(gql_for, fleet_manager):
    return gql_for(fleet_manager)


def test_before_you_start_me_lists_the_organization(gql, translog):
    data = gql.data(DOCUMENTS["GetMyOrganization"])
    assert data == {"me": {"memberships": {"nodes": [
        {"organization": {"id": str(translog.pk), "title": "TransLog GmbH"}}]}}}


def test_the_fleet_scenario_runs_as_documented(gql, translog):
    org = {"organization": translog.pk}

    # Create an asset type.
    created = gql.data(DOCUMENTS["CreateTruckType"], ids=org)["assetTypeCreate"]["assetType"]
    type_id = created["id"]
    assert created == {"id": type_id, "version": 1, "code": "delivery_truck", "title": "Delivery Truck"}
    truck_type = AssetType.objects.get(pk=type_id)
    assert (truck_type.order, truck_type.description) == (10, "Long-haul and last-mile delivery vehicles")
    ids = {**org, "truck_type": type_id}

    # Check available asset types.
    listed = gql.data(DOCUMENTS["ListAssetTypes"], ids=ids)["assetTypes"]["nodes"]
    assert {"id": type_id, "code": "delivery_truck", "title": "Delivery Truck"} in listed

    # Define custom fields.
    updated = gql.data(DOCUMENTS["AddLicensePlateField"], ids=ids)["assetTypeUpdate"]["assetType"]
    assert updated == {"id": type_id, "version": 2, "customFieldDefinitions": [
        {"code": "license_plate", "title": "License Plate", "fieldType": "STRING"}]}
    fields = gql.data(DOCUMENTS["GetTruckTypeFields"], ids=ids)["assetTypes"]["nodes"]
    assert fields == [{"id": type_id, "title": "Delivery Truck", "customFieldDefinitions": [
        {"code": "license_plate", "title": "License Plate", "fieldType": "STRING", "params": {"isRequired": True}}]}]
    gql.data(ADD_TRACKER_FIELD, {"id": type_id, "version": 2})

    # Create an asset.
    asset = gql.data(DOCUMENTS["RegisterTruck"], ids=ids)["assetCreate"]["asset"]
    truck_id = asset["id"]
    assert asset == {"id": truck_id, "version": 1, "title": "Truck B-44 (Hamburg–Berlin)"}
    ids["truck"] = truck_id

    # Verify the asset.
    assert gql.data(DOCUMENTS["GetTruck"], ids=ids) == {"asset": {
        "id": truck_id, "version": 1, "title": "Truck B-44 (Hamburg–Berlin)",
        "type": {"code": "delivery_truck", "title": "Delivery Truck"},
        "customFields": {"license_plate": "HH-TL 4421"}, "primaryDevice": None, "devices": []}}
    assert gql.data(DOCUMENTS["GetTruckLicensePlate"], ids=ids) == {"asset": {
        "title": "Truck B-44 (Hamburg–Berlin)", "customFields": {"license_plate": "HH-TL 4421"}}}

    # Assign a device.
    device = make_device(translog, "GPS Unit #117", "356938035643809")
    ids["device"] = device.pk
    assigned = gql.data(DOCUMENTS["AssignTruckDevice"], ids=ids)["assetUpdate"]["asset"]
    unit = {"id": str(device.pk), "title": "GPS Unit #117"}
    assert assigned == {"id": truck_id, "version": 2, "primaryDevice": unit, "devices": [unit]}
    assert Asset.objects.get(pk=truck_id).custom_fields["tracker"] == device.pk

    # The same mutation again, with the version it was written against: the seed's conflict.
    error = only_error(gql.execute(DOCUMENTS["AssignTruckDevice"], ids=ids))
    assert error["message"] == "Entity has been modified by another request"
    assert error["path"] == ["assetUpdate"]
    extensions = error["extensions"]
    assert {key: extensions[key] for key in ("title", "status", "code", "entityType", "entityId", "expectedVersion",
                                               "currentVersion")} == {
        "title": "Optimistic Lock Conflict", "status": 409, "code": "CONFLICT", "entityType": "Asset",
        "entityId": truck_id, "expectedVersion": 1, "currentVersion": 2}
    assert extensions["type"] and extensions["traceId"]

    # Listing, filtering and ordering.
    page = gql.data(DOCUMENTS["ListAssets"], ids=ids)["assets"]
    assert page == {"nodes": [{"id": truck_id, "title": "Truck B-44 (Hamburg–Berlin)",
                               "type": {"code": "delivery_truck", "title": "Delivery Truck"}}],
                    "pageInfo": {"hasNextPage": False, "endCursor": page["pageInfo"]["endCursor"]}}
    assert page["pageInfo"]["endCursor"]
    assert gql.data(DOCUMENTS["ListTrucks"], ids=ids) == {"assets": {"nodes": [
        {"id": truck_id, "title": "Truck B-44 (Hamburg–Berlin)"}]}}
    assert gql.data(DOCUMENTS["FindAssetByDevice"], ids=ids) == {"assets": {"nodes": [
        {"id": truck_id, "title": "Truck B-44 (Hamburg–Berlin)", "primaryDevice": unit, "devices": [unit]}]}}
    assert gql.data(DOCUMENTS["FindTruckByPlate"], ids=ids) == {"assets": {"nodes": [
        {"id": truck_id, "title": "Truck B-44 (Hamburg–Berlin)", "customFields": {"license_plate": "HH-TL 4421"}}]}}

    # A forklift with a tracker of its own, at version 2, for the seed's unlink step.
    forklift = gql.data(fill(
        'mutation { assetCreate(input: {organizationId: "<org>", typeId: "<type>", title: "Forklift F-2", '
        'customFields: {set: {license_plate: "FL 2"}}}) { asset { id } } }', org=translog.pk, type=type_id)
    )["assetCreate"]["asset"]["id"]
    spare = make_device(translog, "GPS Unit #118", "356938035643810")
    gql.data(fill('mutation { assetUpdate(input: {id: "<asset>", customFields: {set: {tracker: "<device>"}, '
                  'setPrimary: ["tracker"]}}) { asset { version } } }', asset=forklift, device=spare.pk))
    ids["forklift"] = forklift
    unlinked = gql.data(DOCUMENTS["UnlinkForkliftDevice"], ids=ids)["assetUpdate"]["asset"]
    assert unlinked == {"id": forklift, "version": 3, "primaryDevice": None, "devices": []}

    by_plate = gql.data(DOCUMENTS["AssetsByLicensePlate"], ids=ids)["assets"]["nodes"]
    assert [node["customFields"] for node in by_plate] == [{"license_plate": "FL 2"}, {"license_plate": "HH-TL 4421"}]

    # Delete the asset.
    assert gql.data(DOCUMENTS["DecommissionTruck"], ids=ids) == {"assetDelete": {"deletedId": truck_id}}
    assert not Asset.objects.filter(pk=truck_id).exists()
    assert Device.objects.filter(pk=device.pk, asset_links__isnull=True).exists()

    # Every write of the scenario is in the change log, by the caller.
    logged = list(ChangeLogEntry.objects.filter(object_type="asset", object_id=truck_id)
                  .order_by("time", "pk").values_list("action", "user_name"))
    assert logged == [("create", "fleet"), ("update", "fleet"), ("delete", "fleet")]
    assert ChangeLogEntry.objects.filter(object_type="asset_type", object_id=type_id).count() == 4  # create, then one per field
