"""The Django admin's change page of a group with many members (issue 16: 4.0 s with 98
members), against the change page of an empty group of the same organization measured in the
same run; also the page's query count. Data is created in a fresh organization and rolled back.

    python bench/admin_group_bench.py --members 100 --runs 7
"""

from __future__ import annotations

import argparse
import secrets

from _measure import captured, median_ms
from _setup import setup, vendor


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    from assets.models import AssetType, Organization
    from groups import services
    from tests.factories import make_asset

    run_id = secrets.token_hex(3)
    try:
        with transaction.atomic():
            organization = Organization.objects.create(key=f"bench-admin-{run_id}", title="Bench admin")
            asset_type = AssetType.objects.create(organization=organization, code="truck", title="Truck")
            user = get_user_model().objects.create_superuser(f"admin-{run_id}", password="bench-pass-123")
            assets = [make_asset(organization, asset_type, f"Truck {n:04}", key=f"t-{n:04}") for n in range(args.members)]
            big = services.create_group(user, organization_id=organization.pk, title="Big depot",
                                        asset_ids=[a.pk for a in assets])
            empty = services.create_group(user, organization_id=organization.pk, title="Empty depot")
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)

            def page(group):
                response = client.get(f"/admin/groups/assetgroup/{group.pk}/change/")
                assert response.status_code == 200, response.status_code
                return response

            _, queries = captured(lambda: page(big))
            baseline = median_ms(lambda: page(empty), args.runs)
            measured = median_ms(lambda: page(big), args.runs)
            print(f"database: {vendor()}  runs: {args.runs}")
            print(f"admin group change page, {args.members} members: {measured:.1f} ms median, {len(queries)} queries")
            print(f"same page, empty group (baseline):   {baseline:.1f} ms median")
            print(f"ratio: {measured / baseline:.2f}x  (goal: under 300 ms)")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
