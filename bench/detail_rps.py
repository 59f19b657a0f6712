"""Requests per second of GET /api/v1/assets/{id} (bearer token, a user with an
organization-wide grant) under a loopback load generator (wrk), against a bare Django JSON view
served by the same gunicorn with the production settings (DEBUG off, persistent connections), and
against bare views that read one row, or run the detail's own statement (token, grants and asset
in one read) with none of the rest of the request's Python: the floor of the design.

    python bench/detail_rps.py --seconds 10 --connections 16
Needs wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from _setup import ROOT, setup, vendor


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(url: str, seconds: int, connections: int, token: str | None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url} answered {non_2xx.group(1)} errors:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--throttle-rate", default="100000000/minute",
                        help="THROTTLE_TOKEN_RATE of the server: high enough for wrk by default (the counting "
                             "still runs); 0/minute leaves it out")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    setup()
    from django.contrib.auth import get_user_model

    from assets.access.tokens import issue_token
    from assets.models import Asset, AssetDeviceLink, Organization
    from tests.factories import grant, make_asset, make_device, make_type

    run_id = secrets.token_hex(3)
    org = Organization.objects.create(key=f"bench-rps-{run_id}", title="Bench RPS")
    truck = make_type(org, f"truck_{run_id}", [
        {"code": "license_plate", "field_type": "STRING", "params": {"required": True}},
        {"code": "fuel_capacity_l", "field_type": "NUMBER"},
        {"code": "tracker", "field_type": "DEVICE"},
    ])
    device = make_device(org, "GPS Unit #117", f"IMEI-{run_id}")
    asset = make_asset(org, truck, "Truck B-44", custom_fields={"license_plate": "HH-TL 4421", "fuel_capacity_l": 300,
                                                               "tracker": device.pk})
    AssetDeviceLink.objects.create(asset=asset, device=device, field_code="tracker", is_primary=True)
    user = get_user_model().objects.create_user(f"rps-{run_id}")
    grant(user, "view_org_assets", org)
    _, token = issue_token(user)

    port = free_port()
    env = {**os.environ, "ROOT_URLCONF": "bench.bench_urls", "DEBUG": "0", "CONN_MAX_AGE": "600",
           "PYTHONPATH": str(ROOT), "LOG_LEVEL": "ERROR", "THROTTLE_TOKEN_RATE": args.throttle_rate}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        detail_url = f"{base}/api/v1/assets/{asset.pk}"
        request = urllib.request.Request(detail_url, headers={"Authorization": f"Bearer {token}"})
        assert urllib.request.urlopen(request, timeout=5).status == 200
        bare = wrk(f"{base}/bench/json", args.seconds, args.connections, None)
        row = wrk(f"{base}/bench/row/{asset.pk}", args.seconds, args.connections, None)
        statement = wrk(f"{base}/bench/statement/{asset.pk}", args.seconds, args.connections, token)
        detail = wrk(detail_url, args.seconds, args.connections, token)
        print(f"database: {vendor()}  gunicorn workers: {args.workers}  wrk: {args.connections} connections, "
              f"{args.seconds} s  token rate: {args.throttle_rate}")
        print(f"bare Django JSON view            : {bare:9.1f} req/s")
        print(f"bare view reading the row (1 SQL): {row:9.1f} req/s")
        print(f"bare view running the detail SQL : {statement:9.1f} req/s   ({statement / bare:.2f} of bare)")
        print(f"GET /api/v1/assets/id            : {detail:9.1f} req/s")
        print(f"ratio detail/bare                : {detail / bare:.2f}")
        print(f"ratio detail/bare row read       : {detail / row:.2f}")
        print(f"ratio detail/bare detail SQL     : {detail / statement:.2f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        Asset.objects.filter(organization=org).delete()
        device.delete()
        truck.delete()
        org.delete()
        user.delete()


if __name__ == "__main__":
    main()
