"""Shared fixtures: an API client speaking JSON with a bearer token, users, and an organization
with the TransLog truck type (the seeds' running example)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assets.access.tokens import issue_token

from .factories import make_org, make_type, make_user

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
QUERY_COUNTS = {"django_assert_num_queries", "django_assert_max_num_queries"}


def pytest_collection_modifyitems(items):
    """Every test that uses the database may also use the `cache` alias, the database cache's own
    connection (config/cache.py) that the throttle counts through: Django refuses queries to an
    alias a test didn't declare. A test database of its own keeps the counts of one test (rolled
    back with it) from reaching the next."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = dict(marker.kwargs) if marker is not None else {}
        databases = kwargs.get("databases")
        if databases == "__all__":
            continue
        kwargs["databases"] = sorted({*(databases or ("default",)), "cache"})
        item.add_marker(pytest.mark.django_db(*(marker.args if marker is not None else ()), **kwargs), append=False)


@pytest.fixture(autouse=True)
def _warm_process_tables(request):
    """A test that counts queries first reads the tables a running server reads once per process
    and keeps (the permission names, assets.access.permissions.permission_name): so that the count
    is a running server's, whether or not the test is the first of its process to ask."""
    if QUERY_COUNTS & set(request.fixturenames):
        request.getfixturevalue("_django_db_helper")
        from django.contrib.auth.models import Permission

        from assets.access.permissions import permission_name

        permission_name(Permission.objects.values_list("pk", flat=True).first())


@pytest.fixture(autouse=True)
def _fresh_throttle(request):
    """Transactional tests (live server, races) commit, and flushing leaves the cache table alone:
    each test starts with no throttle counts."""
    if request.node.get_closest_marker("django_db") is not None:
        from django.conf import settings
        from django.core.cache import caches

        request.getfixturevalue("_django_db_helper")
        from assets.access import throttle

        caches[settings.THROTTLE_CACHE].clear()
        throttle.LEASES.clear()  # this process's unspent leases of the counts just cleared


def pytest_configure(config):
    """Tests make users by the thousand and the production hasher is slow on purpose; the
    test run (and only the test run) stores passwords with a fast one."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class ApiClient:
    """Real HTTP through Django's test client, JSON in and out, `Authorization: Bearer`."""

    def __init__(self, user=None, token: str | None = None):
        self.client = Client(HTTP_HOST="localhost")
        self.headers = {}
        if user is not None and token is None:
            _, token = issue_token(user)
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") else f"/api/v1{path}"

    def get(self, path, params=None, **extra):
        return self.client.get(self._url(path), params or {}, **self.headers, **extra)

    def _send(self, method, path, body, **extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        fn = getattr(self.client, method)
        return fn(self._url(path), data, content_type="application/json", **self.headers, **extra)

    def post(self, path, body=None, **extra):
        return self._send("post", path, {} if body is None else body, **extra)

    def put(self, path, body=None, **extra):
        return self._send("put", path, {} if body is None else body, **extra)

    def patch(self, path, body=None, **extra):
        return self._send("patch", path, {} if body is None else body, **extra)

    def delete(self, path, **extra):
        return self.client.delete(self._url(path), **self.headers, **extra)


@pytest.fixture
def api_for(db):
    """api_for(user) -> ApiClient authenticated as user (None = anonymous)."""
    return ApiClient


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


@pytest.fixture
def admin_api(superuser):
    return ApiClient(superuser)


@pytest.fixture
def org(db):
    return make_org("translog", title="TransLog GmbH")


@pytest.fixture
def truck_type(org):
    return make_type(
        org,
        "delivery_truck",
        [
            {"code": "license_plate", "title": "License Plate", "field_type": "STRING", "params": {"required": True}},
            {"code": "fuel_capacity_l", "title": "Fuel Capacity (L)", "field_type": "NUMBER"},
            {"code": "tracker", "title": "Tracker", "field_type": "DEVICE"},
        ],
        title="Delivery Truck",
    )


@pytest.fixture
def task_worker(transactional_db):
    """task_worker.drain(): run the queued tasks with the real database worker (see tests/task_worker.py)."""
    from . import task_worker as module

    return module
