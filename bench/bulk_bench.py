"""Bulk create: 10,000 assets with 3 custom fields through the REST bulk endpoint (`POST /assets`
with lists of 1,000, over the Django test client: parsing, validation, permissions, bulk INSERTs,
change log and the response's asset shapes) against `import_assets` on the same rows, both on the
configured database (DATABASE_URL; SQLite by default). Prints medians of --runs and queries.

    python bench/bulk_bench.py --assets 10000 --list-size 1000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time

from _setup import setup, vendor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--list-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assets.access.tokens import issue_token
    from assets.models import Asset, AssetType, ChangeLogEntry, CustomFieldDefinition, Organization
    from assets.transfer.assets_io import import_assets

    run_id = secrets.token_hex(3)
    user = get_user_model().objects.create_superuser(f"bench-{run_id}", "", None)
    _, token = issue_token(user)
    asset_type = AssetType.objects.create(organization=None, code=f"bench_bulk_{run_id}", title="Bench truck")
    for order, (code, field_type) in enumerate(
        [("license_plate", "STRING"), ("fuel_capacity_l", "NUMBER"), ("in_service", "BOOLEAN")], start=1
    ):
        CustomFieldDefinition.objects.create(asset_type=asset_type, code=code, title=code, field_type=field_type,
                                             params={"required": code == "license_plate"}, order=order)
    values = [{"license_plate": f"HH-B {i}", "fuel_capacity_l": 100 + i % 400, "in_service": i % 2 == 0}
              for i in range(args.assets)]
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    organizations = []

    def fresh_org(kind: str) -> Organization:
        organization = Organization.objects.create(key=f"bench-{kind}-{run_id}-{len(organizations)}", title=kind)
        organizations.append(organization)
        return organization

    def rest() -> tuple[float, int]:
        organization = fresh_org("rest")
        lists = [
            json.dumps([{"organization_id": organization.pk, "type_id": asset_type.pk, "key": f"bench-{i}",
                         "title": f"Bench truck {i:06d}", "custom_fields": values[i]}
                        for i in range(start, min(start + args.list_size, args.assets))])
            for start in range(0, args.assets, args.list_size)
        ]
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            for body in lists:
                response = client.post("/api/v1/assets", body, content_type="application/json")
                assert response.status_code == 201, response.content[:500]
            seconds = time.perf_counter() - began
        assert Asset.objects.filter(organization=organization).count() == args.assets
        return seconds, len(queries.captured_queries)

    def importer() -> tuple[float, int]:
        organization = fresh_org("import")
        records = [{"key": f"bench-{i}", "title": f"Bench truck {i:06d}", "type": asset_type.code, **values[i]}
                   for i in range(args.assets)]
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            report = import_assets(user, organization, ((line, record, None) for line, record in enumerate(records, 1)),
                                   from_csv=False, batch_size=args.list_size)
            seconds = time.perf_counter() - began
        assert report.created == args.assets and not report.errors, report.summary()
        return seconds, len(queries.captured_queries)

    try:
        rest_runs = [rest() for _ in range(args.runs)]
        import_runs = [importer() for _ in range(args.runs)]
        rest_s = statistics.median(s for s, _ in rest_runs)
        import_s = statistics.median(s for s, _ in import_runs)
        print(f"database: {vendor()}  assets: {args.assets:,}  list size: {args.list_size}  runs: {args.runs} (medians)")
        print(f"REST bulk POST : {rest_s:8.2f} s  {args.assets / rest_s:10,.0f} assets/s  "
              f"{rest_runs[0][1]:,} queries  (parse + validate + permissions + insert + change log + response)")
        print(f"import_assets  : {import_s:8.2f} s  {args.assets / import_s:10,.0f} assets/s  "
              f"{import_runs[0][1]:,} queries")
        print(f"ratio REST/import: {rest_s / import_s:.2f}x")
    finally:
        with transaction.atomic():
            ChangeLogEntry.objects.filter(organization_id__in=[o.pk for o in organizations]).delete()
            Asset.objects.filter(organization__in=organizations).delete()
            asset_type.delete()
            for organization in organizations:
                organization.delete()
            user.delete()


if __name__ == "__main__":
    main()
