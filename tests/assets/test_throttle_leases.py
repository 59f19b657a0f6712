"""Throttle leases (assets.access.throttle): a process claims a block of a caller's window from the
shared count in one step and serves it locally. Servers share the limit and never exceed it; small
limits stay exact; the shared cache is asked once per block, not once per request. Each `Leases`
table below is one server process's; they share the cache (the database's, or Redis with
REDIS_URL)."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from assets.access import throttle
from tests.assets.helpers import race


@pytest.fixture
def clock(monkeypatch):
    """The middle of a window, so that no run crosses into the next one."""
    now = (int(time.time()) // 60) * 60 + 20.0
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    return now


def as_process(monkeypatch, leases):
    monkeypatch.setattr(throttle, "LEASES", leases)


def take_as(monkeypatch, leases, identity="token-a"):
    as_process(monkeypatch, leases)
    return throttle.take("token", identity)


def test_the_lease_grows_with_the_limit():
    assert [throttle.lease_size(limit) for limit in (1, 3, 199, 200, 3000, 100_000)] == [1, 1, 1, 2, 30, 1000]


def test_two_servers_share_one_limit_and_never_exceed_it(db, settings, monkeypatch, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "1000/minute"}  # blocks of 10
    servers = [throttle.Leases(), throttle.Leases()]
    quotas = [take_as(monkeypatch, servers[n % 2]) for n in range(1100)]
    allowed = [quota for quota in quotas if quota.allowed]
    # Each request has its own number in the shared count: no number is served twice.
    assert len({quota.remaining for quota in allowed}) == len(allowed)
    # At most the limit; at most one server's unspent block short of it.
    assert 1000 - throttle.lease_size(1000) <= len(allowed) <= 1000
    assert not any(quota.allowed for quota in quotas[1000:])
    assert all(quota.remaining == 0 for quota in quotas[1000:])


def test_a_small_limit_is_exact_across_servers(db, settings, monkeypatch, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "5/minute"}
    servers = [throttle.Leases(), throttle.Leases(), throttle.Leases()]
    quotas = [take_as(monkeypatch, servers[n % 3]) for n in range(8)]
    assert [quota.allowed for quota in quotas] == [True] * 5 + [False] * 3
    assert [quota.remaining for quota in quotas] == [4, 3, 2, 1, 0, 0, 0, 0]


def test_the_shared_count_is_asked_once_per_block(db, settings, monkeypatch, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "3000/minute"}  # blocks of 30
    as_process(monkeypatch, throttle.Leases())
    with CaptureQueriesContext(connections["cache"]) as cache, CaptureQueriesContext(connection) as default:
        quotas = [throttle.take("token", "token-a") for _ in range(90)]
    assert [quota.remaining for quota in quotas] == list(range(2999, 2909, -1))
    assert len(default) == 0
    # With REDIS_URL the counts go to Redis, not through the cache alias.
    assert len(cache) == (0 if settings.REDIS_URL else 3)


def test_callers_and_windows_have_leases_of_their_own(db, settings, monkeypatch):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "1000/minute"}
    now = [(int(time.time()) // 60) * 60 + 20.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    as_process(monkeypatch, throttle.Leases())
    assert throttle.take("token", "a").remaining == 999
    assert throttle.take("token", "b").remaining == 999
    assert throttle.take("token", "a").remaining == 998
    now[0] += 60  # the next window: a fresh count, the old lease forgotten
    assert throttle.take("token", "a").remaining == 999


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the threads need PostgreSQL's concurrency")
@pytest.mark.django_db(transaction=True)
def test_threads_of_one_server_share_its_lease_without_serving_a_number_twice(settings, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "200/minute"}  # blocks of 2
    throttle.LEASES.clear()

    def burst():
        return [throttle.take("token", "token-threads") for _ in range(25)]

    quotas = [quota for burst_quotas in race(*[burst] * 10) for quota in burst_quotas]
    allowed = [quota for quota in quotas if quota.allowed]
    assert len({quota.remaining for quota in allowed}) == len(allowed)
    assert 0 < len(allowed) <= 200
    assert len(quotas) - len(allowed) >= 50
