"""The permission matrix through GraphQL: what a user may not view is null / NOT_FOUND and never
named; what they may view but not change is FORBIDDEN; lists hold only what they may view."""

from __future__ import annotations

import json

import pytest

from assets.models import Asset, AssetDeviceLink
from tests.factories import grant, make_asset, make_device, make_org, make_type, make_user

from .conftest import fill, only_error


@pytest.fixture
def fleet(translog):
    truck_type = make_type(translog, "delivery_truck", [
        {"code": "license_plate", "title": "License Plate", "field_type": "STRING"},
        {"code": "tracker", "title": "Tracker", "field_type": "DEVICE"},
    ], title="Delivery Truck")
    device = make_device(translog, "GPS Unit #117", "IMEI-117")
    secret = make_asset(translog, truck_type, "Prototype X-9 (secret)", key="prototype-x9",
                        custom_fields={"license_plate": "SECRET-1", "tracker": device.pk})
    AssetDeviceLink.objects.create(asset=secret, device=device, field_code="tracker", is_primary=True)
    public = make_asset(translog, truck_type, "Truck B-44", key="truck-b-44", custom_fields={"license_plate": "HH"})
    return {"type": truck_type, "device": device, "secret": secret, "public": public}


def assert_not_named(body, *assets):
    text = json.dumps(body)
    for asset in assets:
        assert asset.title not in text and asset.key not in text and "SECRET" not in text


UPDATE = 'mutation { assetUpdate(input: {id: "<id>", title: "Renamed"}) { asset { id title } } }'
DELETE = 'mutation { assetDelete(input: {id: "<id>"}) { deletedId } }'
READ = '{ asset(id: "<id>") { id title customFields } }'


def test_outsider_sees_nothing_and_is_told_nothing(gql_for, translog, fleet):
    outsider = make_user("outsider")
    grant(outsider, "manage_org", make_org("elsewhere"))
    gql = gql_for(outsider)
    secret = fleet["secret"]
    for document in (READ, UPDATE, DELETE):
        body = gql.execute(fill(document, id=secret.pk))
        assert only_error(body)["extensions"]["code"] == "NOT_FOUND"
        assert_not_named(body, secret)
    page = gql.data(fill('{ assets(organizationId: "<org>") { totalCount nodes { id } } }', org=translog.pk))
    assert page == {"assets": {"totalCount": 0, "nodes": []}}
    assert only_error(gql.execute(fill('{ assetTypes(organizationId: "<org>") { nodes { id } } }',
                                       org=translog.pk)))["extensions"]["code"] == "NOT_FOUND"
    assert only_error(gql.execute(fill('{ device(id: "<id>") { id } }', id=fleet["device"].pk)))["extensions"]["code"] \
        == "NOT_FOUND"
    assert gql.data('{ devices { nodes { id } } }') == {"devices": {"nodes": []}}
    assert Asset.objects.get(pk=secret.pk).title == "Prototype X-9 (secret)"


def test_hidden_and_missing_assets_answer_alike(gql_for, translog, fleet):
    gql = gql_for(make_user("nobody"))
    hidden = only_error(gql.execute(fill(READ, id=fleet["secret"].pk)))
    missing = only_error(gql.execute(fill(READ, id=999_999)))
    for error in (hidden, missing):
        del error["extensions"]["traceId"]
    assert hidden["extensions"]["code"] == missing["extensions"]["code"] == "NOT_FOUND"
    assert hidden["message"].replace(str(fleet["secret"].pk), "N") == missing["message"].replace("999999", "N")


def test_viewer_reads_but_every_change_is_forbidden(gql_for, translog, fleet):
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", translog)
    gql = gql_for(viewer)
    public = fleet["public"]
    assert gql.data(fill(READ, id=public.pk))["asset"]["title"] == "Truck B-44"
    for document in (UPDATE, DELETE):
        error = only_error(gql.execute(fill(document, id=public.pk)))
        assert (error["extensions"]["code"], error["extensions"]["status"]) == ("FORBIDDEN", 403)
    create = only_error(gql.execute(fill(
        'mutation { assetCreate(input: {organizationId: "<org>", typeId: "<type>", title: "New"}) { asset { id } } }',
        org=translog.pk, type=fleet["type"].pk)))
    assert create["extensions"]["code"] == "FORBIDDEN"
    type_create = only_error(gql.execute(fill(
        'mutation { assetTypeCreate(input: {organizationId: "<org>", code: "boat", title: "Boat"}) '
        '{ assetType { id } } }', org=translog.pk)))
    assert type_create["extensions"]["code"] == "FORBIDDEN"
    device_create = only_error(gql.execute(fill(
        'mutation { deviceCreate(input: {organizationId: "<org>", title: "T", identifier: "I"}) { device { id } } }',
        org=translog.pk)))
    assert device_create["extensions"]["code"] == "FORBIDDEN"
    assert Asset.objects.get(pk=public.pk).version == 1
    assert Asset.objects.count() == 2


def test_per_object_grant_lists_only_that_asset_and_hides_the_other_end(gql_for, translog, fleet):
    user = make_user("one-asset")
    grant(user, "view_asset", fleet["public"])
    gql = gql_for(user)
    page = gql.data(fill('{ assets(organizationId: "<org>") { totalCount nodes { id title } } }', org=translog.pk))
    assert page == {"assets": {"totalCount": 1, "nodes": [{"id": str(fleet["public"].pk), "title": "Truck B-44"}]}}
    body = gql.execute(fill('{ assets(organizationId: "<org>", filter: {deviceIds: ["<device>"]}) { nodes { id } } }',
                            org=translog.pk, device=fleet["device"].pk))
    assert body == {"data": {"assets": {"nodes": []}}}


def test_device_shows_it_is_taken_without_naming_a_hidden_asset(gql_for, translog, fleet):
    manager = make_user("device-manager")
    grant(manager, "manage_org", translog)  # sees the organization's devices, not its assets
    body = gql_for(manager).execute(fill('{ device(id: "<id>") { id title linked asset { id title } } }',
                                         id=fleet["device"].pk))
    assert body == {"data": {"device": {"id": str(fleet["device"].pk), "title": "GPS Unit #117", "linked": True,
                                        "asset": None}}}
    assert_not_named(body, fleet["secret"])


def test_superuser_sees_the_reverse_lookup(gql_for, translog, fleet):
    root = make_user("root", superuser=True)
    body = gql_for(root).data(fill('{ device(id: "<id>") { asset { id title primaryDevice { id } } } }',
                                   id=fleet["device"].pk))
    assert body == {"device": {"asset": {"id": str(fleet["secret"].pk), "title": "Prototype X-9 (secret)",
                                         "primaryDevice": {"id": str(fleet["device"].pk)}}}}
