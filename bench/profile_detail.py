"""cProfile of N in-process GET /api/v1/assets/{id} requests (bearer token, org-wide grant)
through the full WSGI stack (Django test client), against the bare JSON view in the same run.

    python bench/profile_detail.py --requests 2000 --top 25
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import time

os.environ.setdefault("ROOT_URLCONF", "bench.bench_urls")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("CONN_MAX_AGE", "600")
# As bench/detail_rps.py: high enough that no request is refused; the counting still runs.
os.environ.setdefault("THROTTLE_TOKEN_RATE", "100000000/minute")

from _setup import setup, vendor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--path", default="detail", choices=["detail", "list"])
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from assets.access.tokens import issue_token
    from assets.models import Asset, Organization
    from tests.factories import grant, make_asset, make_type

    run_id = secrets.token_hex(3)
    org = Organization.objects.create(key=f"bench-prof-{run_id}", title="Bench profile")
    truck = make_type(org, f"truck_{run_id}", [
        {"code": "license_plate", "field_type": "STRING", "params": {"required": True}},
        {"code": "fuel_capacity_l", "field_type": "NUMBER"},
    ])
    asset = None
    for i in range(20):
        asset = make_asset(org, truck, f"Truck {i}", custom_fields={"license_plate": f"HH-{i}", "fuel_capacity_l": i})
    user = get_user_model().objects.create_user(f"prof-{run_id}")
    grant(user, "view_org_assets", org)
    _, token = issue_token(user)
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/assets/{asset.pk}" if args.path == "detail" else f"/api/v1/assets?organization_id={org.pk}&limit=20"
    try:
        assert client.get(url).status_code == 200
        for _ in range(50):
            client.get(url)
            client.get("/bench/json")

        def timed(target):
            start = time.perf_counter()
            for _ in range(args.requests):
                client.get(target)
            return (time.perf_counter() - start) * 1000 / args.requests

        bare = timed("/bench/json")
        row = timed(f"/bench/row/{asset.pk}")
        plain = timed(url)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(url)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        print(f"database: {vendor()}  requests: {args.requests}  path: {url}")
        print(f"bare JSON view   : {bare:.3f} ms/request")
        print(f"bare row view    : {row:.3f} ms/request")
        print(f"{args.path:16} : {plain:.3f} ms/request   ratio bare/{args.path} {bare / plain:.2f}")
    finally:
        Asset.objects.filter(organization=org).delete()
        truck.delete()
        org.delete()
        user.delete()


if __name__ == "__main__":
    main()
