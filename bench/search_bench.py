"""GET /api/v1/search on a large asset table, for a user who may view half of it (an
organization-wide grant on org A; org B's assets are invisible to them).

Each organization also has a few devices and a group named "Tracker …", so the last query
("tracker") measures the kinds besides assets, which the other queries don't match.

Prints, per query, the median latency of the request, its SQL query count, the number of hits
on the first page, and its ratio to a baseline measured in the same run (the first page of
GET /api/v1/assets?limit=20, an indexed keyset read), which says how loaded the machine was.

    DATABASE_URL=postgres://... python bench/search_bench.py --assets 1000000 --runs 7
"""

from __future__ import annotations

import argparse
import time

from _measure import api_client, captured, median_ms
from _setup import setup, vendor

DATA_KEY = "bench-search"
COLUMNS = "organization_id, type_id, key, title, custom_fields, version, created_at, updated_at"
QUERIES = ("P-4711", "asset 0042", "a123", "nothing-matches-this", "tracker")


def generate_sql(vendor_name: str) -> str:
    if vendor_name == "postgresql":
        return (
            f"INSERT INTO assets_asset ({COLUMNS}) "
            "SELECT CASE WHEN i %% 2 = 0 THEN %s ELSE %s END, %s, 'a' || i, "
            "'Asset ' || lpad(((i * 2654435761) %% 10000019)::text, 8, '0'), "
            "jsonb_build_object('plate', 'P-' || (i %% 99991), 'fuel', i %% 1000), 1, now(), now() "
            "FROM generate_series(0::bigint, %s - 1) AS i"
        )
    return (
        f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < %s) "
        f"INSERT INTO assets_asset ({COLUMNS}) "
        "SELECT CASE WHEN i %% 2 = 0 THEN %s ELSE %s END, %s, 'a' || i, "
        "printf('Asset %%08d', (i * 2654435761) %% 10000019), "
        "json_object('plate', 'P-' || (i %% 99991), 'fuel', i %% 1000), 1, "
        "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now'), strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now') FROM s"
    )


def build(total: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from assets.models import Asset, AssetType, Organization
    from tests.factories import grant

    User = get_user_model()
    org_a, _ = Organization.objects.get_or_create(key=f"{DATA_KEY}-a", defaults={"title": "Search A"})
    org_b, _ = Organization.objects.get_or_create(key=f"{DATA_KEY}-b", defaults={"title": "Search B"})
    asset_type, _ = AssetType.objects.get_or_create(organization=None, code=f"{DATA_KEY}-type",
                                                    defaults={"title": "Search bench type"})
    if Asset.objects.filter(organization__in=[org_a, org_b]).count() != total:
        Asset.objects.filter(organization__in=[org_a, org_b]).delete()
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            params = [org_a.pk, org_b.pk, asset_type.pk, total]
            if connection.vendor != "postgresql":
                params = [total, org_a.pk, org_b.pk, asset_type.pk]
            cursor.execute(generate_sql(connection.vendor), params)
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE assets_asset")
        print(f"generated {total} assets in {time.perf_counter() - started:.1f} s")
    from assets.models import Device
    from groups.models import AssetGroup
    from groups.services import create_group

    admin, _ = User.objects.get_or_create(username=f"{DATA_KEY}-admin", defaults={"is_superuser": True})
    for org in (org_a, org_b):
        for n in range(5):
            Device.objects.get_or_create(organization=org, identifier=f"TRK-{org.pk}-{n}",
                                         defaults={"title": f"Tracker {n:04}"})
        if not AssetGroup.objects.filter(organization=org, title="Tracker depot").exists():
            create_group(admin, organization_id=org.pk, title="Tracker depot")
    user, created = User.objects.get_or_create(username=f"{DATA_KEY}-viewer")
    if created:
        grant(user, "view_org_assets", org_a)
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup()
    user = build(args.assets)
    client = api_client(user)
    def baseline_request():
        response = client.get("/api/v1/assets", {"limit": 20})
        assert response.status_code == 200, response.content
        return response.json()

    baseline = median_ms(baseline_request, args.runs)
    print(f"{vendor()}, {args.assets} assets (half visible), median of {args.runs}")
    print(f"  baseline GET /assets?limit=20            {baseline:8.1f} ms")
    for q in QUERIES:
        def request(q=q, kind=None):
            params = {"q": q, "limit": 20, **({"kind": kind} if kind else {})}
            response = client.get("/api/v1/search", params)
            assert response.status_code == 200, response.content
            return response.json()

        for kind in (None, "asset"):
            body, sql = captured(lambda q=q, kind=kind: request(q, kind))
            ms = median_ms(lambda q=q, kind=kind: request(q, kind), args.runs)
            print(f"  q={q!r:24} kind={kind or 'all':6} {ms:8.1f} ms  {len(sql)} queries  {len(body['items'])} hits"
                  f"  {ms / baseline:5.2f}x baseline")


if __name__ == "__main__":
    main()
