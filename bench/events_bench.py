"""Events: the cost of a PATCH with one matching event rule against none, and the deliveries
per second one worker sustains against a local receiver.

    python bench/events_bench.py [--runs 200] [--deliveries 2000]

Uses DATABASE_URL if set, else a throw-away SQLite file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/events_bench.sqlite3"
# The receiver listens on loopback, which event rules refuse by default.
os.environ.setdefault("EVENTS_ALLOW_PRIVATE_TARGETS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import median_ms  # noqa: E402
from _setup import setup, vendor  # noqa: E402


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from assets.core import changelog
    from assets.events.models import Delivery, EventRule
    from assets.events.outbox import relay
    from assets.models import Asset, AssetType, Organization

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"

    stamp = str(time.time_ns())
    user = get_user_model().objects.create_superuser(f"bench{stamp}", None, "bench-pass-123")
    from django.test import Client

    # A session, not a token: the token check's hash would dominate both sides.
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    assets = {}
    for label in ("none", "rule"):
        org = Organization.objects.create(key=f"ev-{label}-{stamp}", title=label)
        asset_type = AssetType.objects.create(organization=org, code="truck", title="Truck")
        assets[label] = Asset.objects.create(organization=org, type=asset_type, key="a", title="A", custom_fields={})
    rule = EventRule.objects.create(organization=assets["rule"].organization, name="bench", object_types=["asset"],
                                    actions=["update"], url=url, secret="bench-secret")

    def patch(label):
        counter = iter(range(10**9))

        def run():
            response = client.patch(f"/api/v1/assets/{assets[label].pk}", f'{{"title": "T{next(counter)}"}}',
                                    content_type="application/json")
            assert response.status_code == 200, response.content
        return run

    # Interleaved rounds so that drift (other load on the machine) hits both sides alike.
    none_ms, rule_ms = [], []
    for _ in range(10):
        none_ms.append(median_ms(patch("none"), args.runs // 10))
        rule_ms.append(median_ms(patch("rule"), args.runs // 10))
    none_med, rule_med = sorted(none_ms)[5], sorted(rule_ms)[5]
    print(f"[{vendor()}] PATCH /assets/{{id}}: no rule {none_med:.2f} ms, one matching rule {rule_med:.2f} ms "
          f"-> ratio {rule_med / none_med:.3f} (goal < 1.10)")

    # Throughput: N pending deliveries (one bulk change-log write), then one worker drains them.
    Delivery.objects.all().delete()
    DBTaskResult.objects.all().delete()
    asset = assets["rule"]
    changelog.record_bulk([
        changelog.build_entry(user, "update", asset, before={"title": "A"}, after={"title": f"A{n}"})
        for n in range(args.deliveries)
    ])
    assert Delivery.objects.filter(rule=rule).count() == args.deliveries
    start = time.perf_counter()
    while Delivery.objects.filter(status="pending").exists():
        relay()
        Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
               max_tasks=None, worker_id="bench", excluded_queue_names=[]).run()
    elapsed = time.perf_counter() - start
    delivered = Delivery.objects.filter(status="delivered").count()
    print(f"[{vendor()}] one worker: {delivered} deliveries in {elapsed:.2f} s -> {delivered / elapsed:.0f} deliveries/s")
    server.shutdown()


if __name__ == "__main__":
    main()
