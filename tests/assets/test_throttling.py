"""Throttling: request rates per token, per session user and per client address, with
X-RateLimit-* on every API answer and 429 THROTTLED past the limit; failed sign-ins locked per
account and per client address with a growing back-off; the counts in Django's cache, which is
the database cache on a connection of its own (or Redis with REDIS_URL)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assets.access import throttle
from tests.conftest import ApiClient
from tests.factories import PASSWORD, grant, make_asset, make_user

from .helpers import assert_problem


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch):
    """Stops the throttle's clock (waits read exactly, however slow the machine) and moves it
    forward (the back-off passing) without waiting."""

    class Clock:
        now = time.time()

        def advance(self, seconds):
            self.now += seconds

    stopped = Clock()
    monkeypatch.setattr(throttle.time, "time", lambda: stopped.now)
    return stopped


def sign_in(username, password, address="198.51.100.1"):
    return ApiClient().post("/auth/tokens", {"username": username, "password": password}, REMOTE_ADDR=address)


# --- request rates -----------------------------------------------------------------------------------
def test_every_api_answer_carries_the_rate_limit_headers(db, settings, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "50/minute"}
    api = ApiClient(make_user("alice"))
    for expected_remaining, response in zip(
        (49, 48, 47, 46),
        (api.get("/me"), api.get("/assets"), api.get("/no-such-endpoint"), api.post("/assets", {"bad": 1})),
        strict=True,
    ):
        assert response["X-RateLimit-Limit"] == "50"
        assert response["X-RateLimit-Remaining"] == str(expected_remaining)
        assert 1 <= int(response["X-RateLimit-Reset"]) <= 60
    anonymous = ApiClient().get("/health")
    assert anonymous["X-RateLimit-Limit"] == settings.THROTTLE_RATES["anonymous"].split("/")[0]
    # The schema is the same for everyone: neither counted nor refused.
    assert "X-RateLimit-Limit" not in ApiClient().get("/openapi.json")


def test_past_the_limit_a_token_gets_429_with_retry_after(db, settings, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "3/minute"}
    user = make_user("alice")
    api, other = ApiClient(user), ApiClient(user)
    assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/me")
    problem = assert_problem(refused, 429, "THROTTLED")
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60 and refused["Retry-After"] == refused["X-RateLimit-Reset"]
    assert refused["X-RateLimit-Remaining"] == "0" and refused["X-RateLimit-Limit"] == "3"
    assert problem["retry_after"] == int(refused["Retry-After"])
    # Writes are refused before they run; another token of the same user has its own budget.
    asset_count = api.get("/assets")
    assert asset_count.status_code == 429
    assert other.get("/me").status_code == 200


def test_session_users_and_anonymous_addresses_have_their_own_budgets(db, settings, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "2/minute", "anonymous": "2/minute"}
    alice = make_user("alice")
    browser = Client()
    browser.force_login(alice)
    assert [browser.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]
    neighbour = Client()
    neighbour.force_login(make_user("bob"))
    assert neighbour.get("/api/v1/me").status_code == 200
    anonymous = [Client().get("/api/v1/health", REMOTE_ADDR="203.0.113.5") for _ in range(3)]
    assert [r.status_code for r in anonymous] == [200, 200, 429]
    assert Client().get("/api/v1/health", REMOTE_ADDR="203.0.113.6").status_code == 200
    # Pages are not API answers: no rate headers there.
    assert "X-RateLimit-Limit" not in browser.get("/")


def test_a_rate_of_zero_turns_the_limit_off(db, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": "0/minute"}
    response = ApiClient(make_user("alice")).get("/me")
    assert response.status_code == 200 and "X-RateLimit-Limit" not in response


# --- failed sign-ins ---------------------------------------------------------------------------------
def test_forty_wrong_passwords_lock_the_account_even_for_the_right_one(db, clock):
    """Finding #8: 40 wrong passwords used to be answered, then the right one worked."""
    make_user("alice")
    answers = [sign_in("alice", f"guess-{n}").status_code for n in range(40)]
    threshold = django_settings.SIGNIN_ACCOUNT_FAILURES
    assert threshold < 20
    assert answers[:threshold] == [401] * threshold
    assert set(answers[threshold:]) == {429}
    locked = sign_in("alice", PASSWORD)
    assert_problem(locked, 429, "THROTTLED")
    assert int(locked["Retry-After"]) == django_settings.SIGNIN_BACKOFF_S
    # Once the back-off has passed the right password works, and the count starts over.
    clock.advance(django_settings.SIGNIN_BACKOFF_S + 1)
    assert sign_in("alice", PASSWORD).status_code == 201
    assert sign_in("alice", "wrong").status_code == 401


def test_the_back_off_grows_with_every_failure_past_the_threshold(db, clock, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    make_user("alice")
    assert [sign_in("alice", "x").status_code for _ in range(4)] == [401, 401, 401, 429]
    waits = [int(sign_in("alice", PASSWORD)["Retry-After"])]
    for _ in range(3):
        clock.advance(waits[-1] + 1)
        assert sign_in("alice", "still wrong").status_code == 401
        waits.append(int(sign_in("alice", PASSWORD)["Retry-After"]))
    base = settings.SIGNIN_BACKOFF_S
    assert waits == [base, 2 * base, 4 * base, 8 * base]


def test_a_locked_account_does_not_lock_its_neighbours(db, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    make_user("alice")
    make_user("bob")
    for _ in range(4):
        sign_in("alice", "x")
    assert sign_in("alice", PASSWORD).status_code == 429
    # From the same address and from another one, bob still signs in.
    assert sign_in("bob", PASSWORD).status_code == 201
    assert sign_in("bob", PASSWORD, address="198.51.100.2").status_code == 201


def test_one_address_guessing_many_accounts_is_locked_at_its_own_threshold(db, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 5
    settings.SIGNIN_ADDRESS_FAILURES = 12
    make_user("carol")
    answers = [sign_in(f"user{n}", "guess").status_code for n in range(12)]
    assert answers == [401] * 12
    assert sign_in("carol", PASSWORD).status_code == 429
    assert sign_in("carol", PASSWORD, address="198.51.100.99").status_code == 201


def test_the_login_page_shares_the_lockout(db, settings, clock):
    settings.SIGNIN_ACCOUNT_FAILURES = 3
    make_user("alice")
    browser = Client()
    pages = [browser.post("/login/", {"username": "alice", "password": "x"}) for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    refused = browser.post("/login/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.SIGNIN_BACKOFF_S
    assert b"Too many failed sign-ins" in refused.content
    assert "_auth_user_id" not in browser.session
    # The API sees the same lock: one count for every way in.
    assert sign_in("alice", PASSWORD).status_code == 429


def test_the_admin_sign_in_shares_the_lockout(db, settings):
    settings.SIGNIN_ACCOUNT_FAILURES = 2
    make_user("root", superuser=True)
    for _ in range(2):
        sign_in("root", "x")
    browser = Client()
    page = browser.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert b"Too many failed sign-ins" in page.content
    assert "_auth_user_id" not in browser.session


# --- where the counts live -----------------------------------------------------------------------------
def test_counts_survive_a_rolled_back_transaction(db):
    """A count is written on its own connection: rolling the request's work back keeps it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        throttle.signin_failed(throttle.begin_signin("alice", "198.51.100.1"))
        raise RuntimeError("the request failed")
    for _ in range(django_settings.SIGNIN_ACCOUNT_FAILURES - 1):
        throttle.signin_failed(throttle.begin_signin("alice", "198.51.100.1"))
    with pytest.raises(throttle.Throttled):
        throttle.begin_signin("alice", "198.51.100.7")


def test_successful_sign_ins_do_not_count_against_the_address(db, settings):
    settings.SIGNIN_ADDRESS_FAILURES = 3
    make_user("alice")
    assert [sign_in("alice", PASSWORD).status_code for _ in range(6)] == [201] * 6
    assert sign_in("nobody", "x").status_code == 401


def test_throttling_adds_no_query_to_the_requests_connection(db, settings, org, truck_type):
    """The query counts pinned on lists and pages stay: the throttle's reads and writes go to the
    `cache` alias, not to `default`."""
    user = make_user("alice")
    grant(user, "view_org_assets", org)
    for n in range(3):
        make_asset(org, truck_type, f"Truck {n}")
    api = ApiClient(user)
    api.get("/assets")  # warm up: last_used_at, compiled queries

    def queries(rate):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token": rate}
        with CaptureQueriesContext(connection) as default, CaptureQueriesContext(connections["cache"]) as cache:
            assert api.get("/assets", {"limit": 2}).status_code == 200
        return len(default), len(cache)

    unthrottled, throttled = queries("0/minute"), queries("1000/minute")
    assert throttled[0] == unthrottled[0]
    assert unthrottled[1] == 0
    # With REDIS_URL the counts go to Redis; otherwise through the cache alias.
    assert (throttled[1] == 0) if settings.REDIS_URL else (throttled[1] > 0)
    backend = type(caches[settings.THROTTLE_CACHE]).__name__
    assert backend == ("RedisCache" if settings.REDIS_URL else "DatabaseCache")


def test_after_a_lock_one_attempt_per_back_off_may_try(db, clock, settings):
    """Past the threshold, the first attempt after the back-off tries its password; the others of
    that moment are refused and not counted."""
    settings.SIGNIN_ACCOUNT_FAILURES = 2
    make_user("alice")
    for _ in range(2):
        throttle.signin_failed(throttle.begin_signin("alice", "198.51.100.1"))
    clock.advance(settings.SIGNIN_BACKOFF_S + 1)
    first = throttle.begin_signin("alice", "198.51.100.1")  # takes this lock's permit
    with pytest.raises(throttle.Throttled):
        throttle.begin_signin("alice", "198.51.100.2")
    throttle.signin_failed(first)
    clock.advance(2 * settings.SIGNIN_BACKOFF_S + 1)
    assert sign_in("alice", PASSWORD).status_code == 201
