"""Throttle counts under concurrency, on PostgreSQL with real threads: Django's DatabaseCache.incr
reads and writes back, so parallel wrong passwords counted as one; config.cache.DatabaseCache
increments under a row lock."""

from __future__ import annotations

import pytest
from django.db import connection

from assets.access import throttle
from tests.assets.helpers import race
from tests.conftest import ApiClient
from tests.factories import PASSWORD, make_user

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the races need PostgreSQL's concurrency"),
    pytest.mark.django_db(transaction=True),
]
THREADS = 20


def test_parallel_counts_each_get_their_own_number():
    throttle._count("race-key", 60)
    numbers = race(*[lambda: throttle._count("race-key", 60)] * THREADS)
    assert sorted(numbers) == list(range(2, THREADS + 2))


def test_a_burst_of_parallel_wrong_passwords_is_counted_in_full(settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 5
    make_user("alice")
    answers = race(*[lambda: ApiClient().post(
        "/auth/tokens", {"username": "alice", "password": "guess"}, REMOTE_ADDR="198.51.100.1"
    ).status_code] * THREADS)
    # Every attempt is counted before its password is checked: the threshold's worth of guesses
    # and the one that takes the permit are answered, the rest refused.
    assert answers.count(401) <= settings.SIGNIN_ACCOUNT_FAILURES + 1
    assert answers.count(429) >= THREADS - settings.SIGNIN_ACCOUNT_FAILURES - 1
    assert ApiClient().post("/auth/tokens", {"username": "alice", "password": PASSWORD}).status_code == 429
