"""A GraphQL page of 100 assets against the REST list of the same 100 assets, in one run.

The GraphQL page asks for what SPEC 9.1 pins: type, customFields, devices, primaryDevice and
groups; the REST list returns the same in its asset shape. Both run through Django's test
client (the whole request: token, permission filter, page, serialization) for a user whose
access is an organization-wide grant. Prints the median latency, the SQL queries and the
GraphQL/REST ratio (goal: at most 1.5).

    python bench/graphql_bench.py --assets 2000 --runs 15
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _measure import api_client, captured, median_ms
from _setup import setup, vendor

DATA_KEY = "bench-graphql"
PAGE = """
query Page($org: ID!, $first: Int!) {
  assets(organizationId: $org, first: $first) {
    nodes {
      id version key title createdAt updatedAt
      type { id code title }
      customFields
      primaryDevice { id title }
      devices { id title identifier }
      groups { nodes { id title } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def median_cpu_ms(fn, runs: int) -> float:
    """The median CPU time of this process per call: on a shared machine the wall time also
    counts the waits for a core, which the two requests suffer alike but not equally often."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def build(total: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from assets.models import Asset, AssetDeviceLink, AssetType, CustomFieldDefinition, Device, Organization
    from groups.models import AssetGroup, GroupMembership
    from tests.factories import grant

    cleanup()
    with transaction.atomic():
        org = Organization.objects.create(key=DATA_KEY, title="Bench GraphQL")
        asset_type = AssetType.objects.create(organization=org, code="delivery_truck", title="Delivery Truck")
        CustomFieldDefinition.objects.create(asset_type=asset_type, code="license_plate", title="License Plate",
                                             field_type="STRING", params={"required": False, "max_length": 255}, order=1)
        CustomFieldDefinition.objects.create(asset_type=asset_type, code="tracker", title="Tracker",
                                             field_type="DEVICE", params={"required": False}, order=2)
        devices = Device.objects.bulk_create(
            [Device(organization=org, title=f"GPS {n:05}", identifier=f"IMEI-{n:05}") for n in range(total)])
        assets = Asset.objects.bulk_create([
            Asset(organization=org, type=asset_type, key=f"truck-{n:05}", title=f"Truck {n:05}",
                  custom_fields={"license_plate": f"HH-TL {n}", "tracker": devices[n].pk})
            for n in range(total)])
        AssetDeviceLink.objects.bulk_create([
            AssetDeviceLink(asset=asset, device=device, field_code="tracker", is_primary=True)
            for asset, device in zip(assets, devices, strict=True)])
        depot = AssetGroup.objects.create(organization=org, title="Hamburg depot")
        GroupMembership.objects.bulk_create([
            GroupMembership(group=depot, asset=asset, root=depot, exclusive=False) for asset in assets])
        user = get_user_model().objects.create_user(f"{DATA_KEY}-dispatcher")
        grant(user, "view_org_assets", org)
    return org, user


def cleanup() -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from assets.models import Asset, AssetType, Device, Organization
    from groups.models import AssetGroup

    with transaction.atomic():
        for org in Organization.objects.filter(key=DATA_KEY):
            Asset.objects.filter(organization=org).delete()
            Device.objects.filter(organization=org).delete()
            AssetGroup.objects.filter(organization=org).delete()
            AssetType.objects.filter(organization=org).delete()
            org.delete()
        get_user_model().objects.filter(username=f"{DATA_KEY}-dispatcher").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args()
    setup()
    print(f"database: {vendor()}  assets: {args.assets:,}  page: {args.page}  runs: {args.runs}", flush=True)
    started = time.perf_counter()
    org, user = build(args.assets)
    print(f"data built in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        client = api_client(user)
        body = json.dumps({"query": PAGE, "variables": {"org": str(org.pk), "first": args.page}})

        def rest():
            return client.get("/api/v1/assets", {"organization_id": org.pk, "limit": args.page})

        def graphql():
            return client.post("/graphql", body, content_type="application/json")

        rest_response, rest_sql = captured(rest)
        graphql_response, graphql_sql = captured(graphql)
        rest_ids = [item["id"] for item in rest_response.json()["items"]]
        graphql_ids = [int(node["id"]) for node in graphql_response.json()["data"]["assets"]["nodes"]]
        assert rest_ids == graphql_ids and len(rest_ids) == args.page, "the two pages differ"
        rest_ms = median_ms(rest, args.runs)
        graphql_ms = median_ms(graphql, args.runs)
        rest_cpu = median_cpu_ms(rest, args.runs)
        graphql_cpu = median_cpu_ms(graphql, args.runs)
        print(f"{'request':50} {'median ms':>10} {'cpu ms':>8} {'queries':>8}")
        print(f"{'REST    GET /api/v1/assets?limit=' + str(args.page):50} {rest_ms:10.1f} {rest_cpu:8.1f} "
              f"{len(rest_sql):8d}")
        print(f"{'GraphQL assets(first: ' + str(args.page) + ') + type/cf/devices/groups':50} "
              f"{graphql_ms:10.1f} {graphql_cpu:8.1f} {len(graphql_sql):8d}")
        print(f"GraphQL / REST latency: {graphql_ms / rest_ms:.2f}x (goal <= 1.5x); "
              f"CPU time: {graphql_cpu / rest_cpu:.2f}x")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
