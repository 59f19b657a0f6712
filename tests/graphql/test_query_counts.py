"""A page of assets with type, customFields, devices, primaryDevice and groups runs the same
small number of SQL queries whatever its size."""

from __future__ import annotations

import pytest

from assets.models import AssetDeviceLink
from groups import services as group_services
from tests.factories import grant, make_asset, make_device, make_type, make_user

from .conftest import fill

PAGE = """
query Page {
  assets(organizationId: "<org>", first: <first>) {
    nodes {
      id version key title createdAt updatedAt
      type { id code title }
      customFields
      primaryDevice { id title identifier }
      devices { id title }
      groups { nodes { id title } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def big_fleet(translog):
    root = make_user("root", superuser=True)
    truck_type = make_type(translog, "delivery_truck", [
        {"code": "license_plate", "title": "License Plate", "field_type": "STRING"},
        {"code": "tracker", "title": "Tracker", "field_type": "DEVICE"},
    ])
    trucks = []
    for n in range(120):
        device = make_device(translog, f"GPS {n:03}", f"IMEI-{n:03}")
        truck = make_asset(translog, truck_type, f"Truck {n:03}",
                           custom_fields={"license_plate": f"HH {n}", "tracker": device.pk})
        AssetDeviceLink.objects.create(asset=truck, device=device, field_code="tracker", is_primary=True)
        trucks.append(truck)
    group_services.create_group(root, organization_id=translog.pk, title="Hamburg depot",
                                asset_ids=[t.pk for t in trucks])
    return trucks


@pytest.fixture
def dispatcher(translog):
    user = make_user("dispatcher")
    grant(user, "view_org_assets", translog)
    return user


def count_page(gql, translog, first):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = gql.data(fill(PAGE, org=translog.pk, first=first))["assets"]
    assert len(page["nodes"]) == first
    node = page["nodes"][0]
    assert node["primaryDevice"] and node["devices"] and node["groups"]["nodes"] == [
        {"id": node["groups"]["nodes"][0]["id"], "title": "Hamburg depot"}]
    assert node["type"]["code"] == "delivery_truck"
    return len(captured)


def test_page_queries_do_not_grow_with_page_size(gql_for, translog, big_fleet, dispatcher, django_assert_num_queries):
    gql = gql_for(dispatcher)
    gql.data(fill(PAGE, org=translog.pk, first=1))  # warm: the token's last_used_at write
    small = count_page(gql, translog, 10)
    large = count_page(gql, translog, 100)
    assert small == large
    assert large <= 2, large  # the token with its grants, then the page (devices and groups in its rows)
    with django_assert_num_queries(small):
        gql.data(fill(PAGE, org=translog.pk, first=100))
