"""GET /api/v1/assets sorted and range-filtered by the NUMBER custom field `fuel`, before and after
the field is marked `indexed`, in one run, on list_bench's data set (its generator, INSERT ...
SELECT in SQL; the users "wide" and "narrow" described there).

Before: `fuel` is not indexed, the page sorts every readable row. Then the field is marked
indexed through the asset-type service and its index task runs in this process (CREATE INDEX
CONCURRENTLY on PostgreSQL); after: the same requests. Prints the median latency, the SQL
queries of a request, the bare SQL of its page query and the ratio after/before.

    python bench/cf_order_bench.py --assets 1000000 --runs 7 --keep
"""

from __future__ import annotations

import argparse
import time

from _measure import api_client, captured, median_ms, run_sql
from _setup import setup, vendor
from list_bench import build, cleanup, explain, page_query

CASES = [
    ("ordering=-cf_fuel, limit=100", {"limit": 100, "ordering": "-cf_fuel"}),
    ("ordering=cf_fuel, limit=100", {"limit": 100, "ordering": "cf_fuel"}),
    ("cf_fuel__gte=998, limit=100", {"limit": 100, "cf_fuel__gte": 998}),
    ("-cf_fuel page 2 (cursor)", None),
]


def set_indexed(definition, on: bool):
    """Through the service (as a superuser: the bench type is a SYSTEM type), then the index task
    itself, run here instead of on a worker."""
    from django.contrib.auth import get_user_model

    from assets.field_index import sync_field_index
    from assets.services import asset_types

    root, _ = get_user_model().objects.get_or_create(username="bench-cf-root", defaults={"is_superuser": True})
    asset_types.update_field(root, definition.asset_type_id, definition.code, {"indexed": on})
    started = time.perf_counter()
    outcome = sync_field_index.call(definition.pk)
    root.delete()
    return outcome, time.perf_counter() - started


def measure(users, runs: int, show_plans: bool) -> dict:
    results = {}
    for label, user in users:
        client = api_client(user)
        first = client.get("/api/v1/assets", {"limit": 100, "ordering": "-cf_fuel"}).json()
        for name, params in CASES:
            if params is None:
                params = {"limit": 100, "ordering": "-cf_fuel", "cursor": first["page_info"]["end_cursor"]}
            response, sqls = captured(lambda p=params, c=client: c.get("/api/v1/assets", p))
            assert response.status_code == 200, response.content[:300]
            request_ms = median_ms(lambda p=params, c=client: c.get("/api/v1/assets", p), runs)
            bare = page_query(sqls)
            bare_ms = median_ms(lambda s=bare: run_sql(s), runs)
            results[(label, name)] = (request_ms, len(sqls), bare_ms, response.json()["items"])
            if show_plans:
                print(f"  {label} {name}:\n{explain(bare)}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Leave the data (not the index) for the next run")
    parser.add_argument("--explain", action="store_true", help="Print the plan of each page query")
    args = parser.parse_args()
    setup()
    from django.db import connection

    from assets.models import CustomFieldDefinition

    print(f"database: {vendor()}  assets: {args.assets:,}  runs: {args.runs}  (building data…)", flush=True)
    started = time.perf_counter()
    org_a, org_b, asset_type, wide, narrow, reused = build(args.assets)
    if connection.vendor == "postgresql" and not reused:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE assets_asset")
            cursor.execute("ANALYZE assets_assetuserobjectpermission")
    print(f"data {'reused' if reused else 'built'} in {time.perf_counter() - started:.1f} s", flush=True)
    fuel = CustomFieldDefinition.objects.get(asset_type=asset_type, code="fuel")
    users = [("wide", wide), ("narrow", narrow)]
    try:
        if fuel.indexed:  # left by an interrupted run
            set_indexed(fuel, False)
        print("before: fuel not indexed", flush=True)
        before = measure(users, args.runs, args.explain)
        outcome, seconds = set_indexed(fuel, True)
        print(f"index task: {outcome} in {seconds:.1f} s", flush=True)
        after = measure(users, args.runs, args.explain)
        print(f"{'user':8} {'request':30} {'before ms':>10} {'after ms':>9} {'after/before':>13} "
              f"{'queries':>8} {'bare SQL ms before→after':>26} {'same page':>10}")
        for (label, name), (before_ms, _, before_bare, before_items) in before.items():
            after_ms, queries, after_bare, after_items = after[(label, name)]
            print(f"{label:8} {name:30} {before_ms:10.1f} {after_ms:9.1f} {after_ms / before_ms:13.3f} {queries:8d} "
                  f"{before_bare:12.1f} → {after_bare:11.1f} {str(before_items == after_items):>10}", flush=True)
    finally:
        fuel.refresh_from_db()
        if fuel.indexed:
            set_indexed(fuel, False)
        if not args.keep:
            cleanup(org_a, org_b)


if __name__ == "__main__":
    main()
