"""cProfile of N in-process group expansions (the API page of a depot's children and the htmx
partial of the tree page) on a tree like tree_bench's, with the page's own SQL timed alone in
the same run.

    python bench/profile_groups.py --groups 20000 --requests 300 --top 25 --path api
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import time

from _measure import api_client, captured, median_ms, run_sql
from _setup import setup, vendor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--path", default="api", choices=["api", "htmx"])
    parser.add_argument("--superuser", action="store_true", help="read as a superuser (no permission SQL)")
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone
    from tree_bench import page_query

    from assets.models import Organization
    from groups.models import AssetGroup
    from groups.transfer import _insert_new_trees
    from tests.factories import grant

    run_id = secrets.token_hex(3)
    organization = Organization.objects.create(key=f"bench-prof-groups-{run_id}", title="Bench groups")
    users = get_user_model().objects
    user = (users.create_superuser(f"prof-{run_id}") if args.superuser else users.create_user(f"prof-{run_id}"))
    for perm in ("view_org_assets", "change_org_assets", "manage_org"):
        grant(user, perm, organization)
    try:
        per_level = max(1, round((args.groups / 10) ** 0.5))
        paths = []
        for region in range(10):
            paths.append((f"Region {region}",))
            for depot in range(per_level):
                paths.append((f"Region {region}", f"Depot {depot:03d}"))
                paths.extend((f"Region {region}", f"Depot {depot:03d}", f"Bay {bay:03d}") for bay in range(per_level))
        by_path: dict = {}
        with transaction.atomic():
            _insert_new_trees(organization, paths, {}, by_path, timezone.now(), {}, batch_size=5000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        depot = by_path[("Region 0", "Depot 000")]
        if args.path == "api":
            client = api_client(user)

            def request():
                return client.get("/api/v1/groups", {"parent_id": depot.pk, "limit": 100})
        else:
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)

            def request():
                return client.get(f"/groups/{depot.pk}/children/", HTTP_HX_REQUEST="true")
        request()
        response, sqls = captured(request)
        assert response.status_code == 200, response.content[:300]
        bare_ms = median_ms(lambda: run_sql(page_query(sqls)), 21)
        start = time.perf_counter()
        for _ in range(args.requests):
            request()
        plain = (time.perf_counter() - start) * 1000 / args.requests
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            request()
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        print(f"database: {vendor()}  requests: {args.requests}  groups: {len(paths):,}  path: {args.path}")
        print(f"expand a depot: {plain:.2f} ms/request, {len(sqls)} queries; page SQL alone {bare_ms:.2f} ms; "
              f"ratio {plain / bare_ms:.2f}")
    finally:
        with transaction.atomic():
            AssetGroup.objects.filter(organization=organization).delete()
            organization.delete()
            user.delete()


if __name__ == "__main__":
    main()
