"""Several app servers: two gunicorn servers on two ports and a worker process share one database
and one object store (a moto S3 server). An upload through one is served by the other, a session
made on one is valid on the other, an event rule created on one fires for a change made on the
other, and the worker renders the upload's thumbnail.

PostgreSQL: the processes use the test database (transactional, so they see committed rows).
SQLite: the in-memory test database can't be shared with processes, so they use a database file
of their own, migrated first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.events.receiver import Receiver
from tests.files import s3
from tests.files.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "several-servers-Pw-1"
WAIT_S = 90  # how long a process may take to come up, or the worker to get to a job (2 shared cores)


def wait_for(check, what: str):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def database_url(tmp_path) -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{tmp_path / 'servers.sqlite3'}"


@pytest.fixture
def cluster(tmp_path):
    """(server A URL, server B URL, token, receiver, endpoint, bucket) with both servers and a worker up."""
    with ExitStack() as stack:
        endpoint = stack.enter_context(s3.s3_server())
        bucket = s3.new_bucket(endpoint)
        receiver = Receiver()
        stack.callback(receiver.close)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AWS_", "REDIS_URL"))},
            **s3.environment(endpoint, bucket),
            "DATABASE_URL": database_url(tmp_path), "SECRET_KEY": "one-key-for-every-server",
            "EVENTS_ALLOW_PRIVATE_TARGETS": "1", "EVENTS_RELAY_INTERVAL_S": "0.2", "EVENTS_RETRY_BASE_S": "0.2",
            "DJANGO_SUPERUSER_USERNAME": "root", "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "DJANGO_SUPERUSER_EMAIL": "root@example.com", "MEDIA_ROOT": str(tmp_path / "no-local-files"),
        }
        if connection.vendor == "sqlite":
            manage(env, "migrate", "--noinput")
        manage(env, "createsuperuser", "--noinput")
        token = manage(env, "createtoken", "root")

        def start(*command):
            log = stack.enter_context(open(tmp_path / f"{len(list(tmp_path.iterdir()))}.log", "w"))
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
            stack.callback(lambda: (process.terminate(), process.wait(20)))
            return process

        urls = []
        for _ in range(2):
            port = s3.free_port()
            start(sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                  "--workers", "1", "--threads", "2")
            urls.append(f"http://127.0.0.1:{port}")
        start(sys.executable, "manage.py", "worker", "--interval", "0.2")
        for url in urls:
            wait_for(lambda url=url: _up(url), f"{url} to come up")
        yield urls[0], urls[1], token, receiver, endpoint, bucket


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/health", timeout=10).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def test_two_app_servers_share_files_sessions_and_events(cluster):
    a, b, token, receiver, endpoint, bucket = cluster
    auth = {"Authorization": f"Bearer {token}"}

    def call(server, method, path, body=None):
        response = requests.request(method, f"{server}/api/v1{path}", json=body, headers=auth, timeout=30)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    org = call(a, "POST", "/organizations", {"key": "translog", "title": "TransLog"})
    truck = call(b, "POST", "/asset-types", {"organization_id": org["id"], "code": "truck", "title": "Truck"})
    asset = call(a, "POST", "/assets", {"organization_id": org["id"], "type_id": truck["id"], "key": "t1",
                                        "title": "Truck 1"})

    # An upload through A is in the object store and served by B.
    content = jpeg_bytes(800, 600)
    response = requests.post(f"{a}/api/v1/assets/{asset['id']}/file", files={"file": ("truck.jpg", content)},
                             headers=auth, timeout=30)
    assert response.status_code == 200, response.text
    file = response.json()["file"]
    assert file["thumbnail"]["status"] == "pending"
    served = requests.get(f"{b}{file['url']}", headers=auth, allow_redirects=False, timeout=30)
    assert served.status_code == 302 and served.headers["Location"].startswith(f"{endpoint}/{bucket}/")
    with urllib.request.urlopen(served.headers["Location"], timeout=30) as stored:
        assert stored.read() == content

    # The worker renders the thumbnail; B serves it.
    ready = wait_for(lambda: (f := call(b, "GET", f"/assets/{asset['id']}")["file"])["thumbnail"]["status"] != "pending"
                     and f, "the thumbnail")
    assert ready["thumbnail"]["status"] == "ready"
    thumbnail = requests.get(f"{b}{ready['thumbnail_url']}", headers=auth, timeout=30)
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"

    # A session made on A is valid on B (sessions live in the database).
    browser = requests.Session()
    login = browser.get(f"{a}/login/", timeout=30)
    assert login.status_code == 200
    signed_in = browser.post(f"{a}/login/", data={"username": "root", "password": PASSWORD,
                                                  "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                             headers={"Referer": f"{a}/login/"}, allow_redirects=False, timeout=30)
    assert signed_in.status_code == 302, signed_in.text[:500]
    page = browser.get(f"{b}/assets/{asset['id']}/", allow_redirects=False, timeout=30)
    assert page.status_code == 200 and "Truck 1" in page.text

    # An event rule created on A fires for a change made on B, delivered by the worker process.
    call(a, "POST", "/event-rules", {"organization_id": org["id"], "name": "erp", "object_types": ["asset"],
                                     "actions": ["update"], "url": receiver.url, "secret": "s3cret-value"})
    patched = call(b, "PATCH", f"/assets/{asset['id']}", {"title": "Truck one"})
    wait_for(lambda: receiver.requests, "the webhook")
    body = json.loads(receiver.requests[0]["body"])
    assert (body["event"], body["object_id"], body["version"], body["data"]["title"]) == (
        "update", asset["id"], patched["version"], "Truck one")
    assert len(receiver.requests) == 1
