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
import time

from _measure import api_client, captured, median_ms, run_sql
from _setup import setup, vendor

DATA_KEY = "bench-list"
# (name, query parameters); None: the page after the first one.
CASES = [
    ("limit=100", {"limit": 100}),
    ("limit=10", {"limit": 10}),
    ("limit=1000", {"limit": 1000}),
    ("cf filter fuel>500, limit=100", {"limit": 100, "cf_fuel__gt": 500}),
    ("cf filter plate=P-17, limit=100", {"limit": 100, "cf_plate": "P-17"}),
    ("cf ordering -fuel, limit=100", {"limit": 100, "ordering": "-cf_fuel"}),
    ("page 2 (cursor), limit=100", None),
]
COLUMNS = "organization_id, type_id, key, title, custom_fields, version, created_at, updated_at"


def generate_assets_sql(vendor_name: str) -> str:
    """One INSERT ... SELECT over a generated series: the rows never pass through Python.
    Organizations alternate row by row and titles are a scrambled number, so the title order
    is unrelated to insertion order and to the organization (as in a real fleet)."""
    if vendor_name == "postgresql":
        return (
            f"INSERT INTO assets_asset ({COLUMNS}) "
            "SELECT CASE WHEN i %% 2 = 0 THEN %s ELSE %s END, %s, 'a' || i, "
            "'Asset ' || lpad(((i * 2654435761) %% 10000019)::text, 8, '0'), "
            "jsonb_build_object('plate', 'P-' || (i %% 9973), 'fuel', i %% 1000), 1, now(), now() "
            "FROM generate_series(0::bigint, %s - 1) AS i"
        )
    return (
        f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < %s) "
        f"INSERT INTO assets_asset ({COLUMNS}) "
        "SELECT CASE WHEN i %% 2 = 0 THEN %s ELSE %s END, %s, 'a' || i, "
        "printf('Asset %%08d', (i * 2654435761) %% 10000019), "
        "json_object('plate', 'P-' || (i %% 9973), 'fuel', i %% 1000), 1, "
        "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now'), strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now') FROM s"
    )


def build(total: int):
    """The bench data set, reused when a previous run left it (--keep) with the same size."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction

    from assets.models import Asset, AssetType, CustomFieldDefinition, Organization
    from tests.factories import grant

    User = get_user_model()
    existing = Organization.objects.filter(key__in=[f"{DATA_KEY}-a", f"{DATA_KEY}-b"]).order_by("key")
    if len(existing) == 2:
        org_a, org_b = existing
        if Asset.objects.filter(organization__in=[org_a, org_b]).count() == total:
            asset_type = AssetType.objects.get(code=DATA_KEY.replace("-", "_"), organization=None)
            return (org_a, org_b, asset_type, User.objects.get(username=f"{DATA_KEY}-wide"),
                    User.objects.get(username=f"{DATA_KEY}-narrow"), True)
        cleanup(org_a, org_b)
    half_grants = min(100_000, total // 10 or 1)
    with transaction.atomic():
        org_a = Organization.objects.create(key=f"{DATA_KEY}-a", title="Bench A")
        org_b = Organization.objects.create(key=f"{DATA_KEY}-b", title="Bench B")
        asset_type = AssetType.objects.create(organization=None, code=DATA_KEY.replace("-", "_"), title="Bench type")
        CustomFieldDefinition.objects.create(asset_type=asset_type, code="plate", title="Plate", field_type="STRING",
                                             params={"required": False, "max_length": 255}, order=1)
        CustomFieldDefinition.objects.create(asset_type=asset_type, code="fuel", title="Fuel", field_type="NUMBER",
                                             params={"required": False}, order=2)
        wide = User.objects.create_user(f"{DATA_KEY}-wide")
        narrow = User.objects.create_user(f"{DATA_KEY}-narrow")
        grant(wide, "view_org_assets", org_a)
        view_asset = Permission.objects.get(codename="view_asset", content_type__app_label="assets")
        with connection.cursor() as cursor:
            params = [org_a.pk, org_b.pk, asset_type.pk, total]
            if connection.vendor == "sqlite":
                params = [total, *params[:3]]
            cursor.execute(generate_assets_sql(connection.vendor), params)
            # 100,000 grants spread evenly over organization B (which the wide user can't see
            # as a whole), 1,000 spread over the whole table for the narrow user.
            grant_sql = (
                "INSERT INTO assets_assetuserobjectpermission (user_id, permission_id, content_object_id) "
                "SELECT %s, %s, id FROM assets_asset WHERE organization_id IN ({orgs}) AND id %% %s = 0 "
                "ORDER BY id LIMIT %s"
            )
            cursor.execute(grant_sql.format(orgs="%s"),
                           [wide.pk, view_asset.pk, org_b.pk, max(1, total // 2 // half_grants), half_grants])
            cursor.execute(grant_sql.format(orgs="%s, %s"),
                           [narrow.pk, view_asset.pk, org_a.pk, org_b.pk, max(1, total // 1000), 1000])
    return org_a, org_b, asset_type, wide, narrow, False


def cleanup(org_a, org_b) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from assets.models import AssetType, Organization

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM assets_assetuserobjectpermission WHERE content_object_id IN "
                "(SELECT id FROM assets_asset WHERE organization_id IN (%s, %s))", [org_a.pk, org_b.pk])
            cursor.execute("DELETE FROM assets_asset WHERE organization_id IN (%s, %s)", [org_a.pk, org_b.pk])
        get_user_model().objects.filter(username__in=[f"{DATA_KEY}-wide", f"{DATA_KEY}-narrow"]).delete()
        AssetType.objects.filter(code=DATA_KEY.replace("-", "_"), organization=None).delete()
        Organization.objects.filter(pk__in=[org_a.pk, org_b.pk]).delete()


def page_query(sqls: list[str]) -> str:
    table = "assets_asset"
    candidates = [s for s in sqls if f'FROM "{table}"' in s and "LIMIT" in s.upper()]
    return max(candidates, key=len)


def explain(sql: str) -> str:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    rows = run_sql(prefix + sql)
    return "\n".join("    " + " | ".join(str(c) for c in row) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true",
                        help="Leave the generated data in place; the next run with the same --assets reuses it")
    parser.add_argument("--explain", action="store_true", help="Print the plan of each page query")
    args = parser.parse_args()
    setup()
    from django.db import connection

    print(f"database: {vendor()}  assets: {args.assets:,}  runs: {args.runs}  (building data…)", flush=True)
    started = time.perf_counter()
    org_a, org_b, asset_type, wide, narrow, reused = build(args.assets)
    if connection.vendor == "postgresql" and not reused:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE assets_asset")
            cursor.execute("ANALYZE assets_assetuserobjectpermission")
    print(f"data {'reused' if reused else 'built'} in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        print(f"{'user':8} {'request':34} {'median ms':>10} {'queries':>8} {'bare SQL ms':>12} {'ratio':>7}")
        for label, user in (("wide", wide), ("narrow", narrow)):
            client = api_client(user)
            first_page = client.get("/api/v1/assets", {"limit": 100}).json()
            for name, params in CASES:
                if params is None:
                    params = {"limit": 100, "cursor": first_page["page_info"]["end_cursor"]}
                response, sqls = captured(lambda p=params, c=client: c.get("/api/v1/assets", p))
                assert response.status_code == 200, response.content[:300]
                request_ms = median_ms(lambda p=params, c=client: c.get("/api/v1/assets", p), args.runs)
                bare = page_query(sqls)
                bare_ms = median_ms(lambda s=bare: run_sql(s), args.runs)
                print(f"{label:8} {name:34} {request_ms:10.1f} {len(sqls):8d} {bare_ms:12.1f} {request_ms / bare_ms:7.2f}",
                      flush=True)
                if args.explain:
                    print(explain(bare), flush=True)
    finally:
        if not args.keep:
            cleanup(org_a, org_b)


if __name__ == "__main__":
    main()
