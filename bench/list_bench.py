"""GET /api/v1/assets on a large table, for users whose access comes from grants:

- user "wide": one organization-wide grant (view_org_assets on org A, half the table) plus
  100,000 per-object grants on assets of org B;
- user "narrow": only 1,000 per-object grants in the whole table.

For each request it prints the median latency, the number of SQL queries, and the ratio to the
bare SQL of the same page (the page query, taken from the request and run through the cursor).

    python bench/list_bench.py --assets 1000000 --runs 7
"""

from __future__ import annotations

import argparse
import secrets

from _measure import api_client, captured, median_ms, run_sql
from _setup import setup, vendor


def build(total: int, run_id: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import transaction
    from django.utils import timezone

    from assets.models import Asset, AssetType, AssetUserObjectPermission, CustomFieldDefinition, Organization
    from assets.transfer.sql import insert_rows
    from tests.factories import grant

    User = get_user_model()
    org_a = Organization.objects.create(key=f"bench-a-{run_id}", title="Bench A")
    org_b = Organization.objects.create(key=f"bench-b-{run_id}", title="Bench B")
    asset_type = AssetType.objects.create(organization=None, code=f"bench_{run_id}", title="Bench type")
    CustomFieldDefinition.objects.create(asset_type=asset_type, code="plate", title="Plate", field_type="STRING",
                                         params={"required": False, "max_length": 255}, order=1)
    CustomFieldDefinition.objects.create(asset_type=asset_type, code="fuel", title="Fuel", field_type="NUMBER",
                                         params={"required": False}, order=2)
    now = timezone.now()
    with transaction.atomic():
        for org, offset in ((org_a, 0), (org_b, total // 2)):
            batch = []
            for i in range(offset, offset + total // 2):
                batch.append((org.pk, asset_type.pk, f"a{i}", f"Asset {i:07d}", {"plate": f"P-{i % 9973}", "fuel": i % 1000},
                              1, now, now))
                if len(batch) == 50_000:
                    insert_rows(Asset, ["organization", "type", "key", "title", "custom_fields", "version", "created_at",
                                        "updated_at"], batch, batch_size=5000)
                    batch = []
            if batch:
                insert_rows(Asset, ["organization", "type", "key", "title", "custom_fields", "version", "created_at",
                                    "updated_at"], batch, batch_size=5000)
    wide = User.objects.create_user(f"wide-{run_id}")
    narrow = User.objects.create_user(f"narrow-{run_id}")
    grant(wide, "view_org_assets", org_a)
    view_asset = Permission.objects.get(codename="view_asset", content_type__app_label="assets")
    b_ids = list(Asset.objects.filter(organization=org_b).order_by("pk").values_list("pk", flat=True))
    step = max(1, len(b_ids) // 100_000)
    with transaction.atomic():
        insert_rows(AssetUserObjectPermission, ["user", "permission", "content_object"],
                    [(wide.pk, view_asset.pk, pk) for pk in b_ids[::step][:100_000]], batch_size=5000)
        all_ids = list(Asset.objects.filter(organization__in=[org_a, org_b]).values_list("pk", flat=True)[::max(1, total // 1000)])
        insert_rows(AssetUserObjectPermission, ["user", "permission", "content_object"],
                    [(narrow.pk, view_asset.pk, pk) for pk in all_ids[:1000]], batch_size=5000)
    return org_a, org_b, asset_type, wide, narrow


def page_query(sqls: list[str]) -> str:
    table = "assets_asset"
    candidates = [s for s in sqls if f'FROM "{table}"' in s and "LIMIT" in s.upper()]
    return max(candidates, key=len)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Leave the generated data in place")
    args = parser.parse_args()
    setup()
    from django.db import connection, transaction

    from assets.models import Asset, Organization

    run_id = secrets.token_hex(3)
    print(f"database: {vendor()}  assets: {args.assets:,}  runs: {args.runs}  (building data…)", flush=True)
    org_a, org_b, asset_type, wide, narrow = build(args.assets, run_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    try:
        cases = [
            ("limit=100", {"limit": 100}),
            ("limit=10", {"limit": 10}),
            ("cf filter fuel>500, limit=100", {"limit": 100, "cf_fuel__gt": 500}),
            ("cf ordering -fuel, limit=100", {"limit": 100, "ordering": "-cf_fuel"}),
            ("page 2 (cursor), limit=100", None),
        ]
        print(f"{'user':8} {'request':34} {'median ms':>10} {'queries':>8} {'bare SQL ms':>12} {'ratio':>7}")
        for label, user in (("wide", wide), ("narrow", narrow)):
            client = api_client(user)
            first_page = client.get("/api/v1/assets", {"limit": 100}).json()
            for name, params in cases:
                if params is None:
                    params = {"limit": 100, "cursor": first_page["page_info"]["end_cursor"]}
                response, sqls = captured(lambda p=params, c=client: c.get("/api/v1/assets", p))
                assert response.status_code == 200, response.content[:300]
                request_ms = median_ms(lambda p=params, c=client: c.get("/api/v1/assets", p), args.runs)
                bare = page_query(sqls)
                bare_ms = median_ms(lambda s=bare: run_sql(s), args.runs)
                print(f"{label:8} {name:34} {request_ms:10.1f} {len(sqls):8d} {bare_ms:12.1f} {request_ms / bare_ms:7.2f}",
                      flush=True)
    finally:
        if not args.keep:
            with transaction.atomic():
                Asset.objects.filter(organization__in=[org_a, org_b])._raw_delete(Asset.objects.db)
                wide.delete()
                narrow.delete()
                asset_type.delete()
                Organization.objects.filter(pk__in=[org_a.pk, org_b.pk]).delete()


if __name__ == "__main__":
    main()
