"""API tokens: issued for credentials or by `createtoken`, stored hashed, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.utils import timezone

from assets.models import ApiToken
from tests.conftest import ApiClient
from tests.factories import PASSWORD, make_user

from .helpers import assert_problem


@pytest.fixture
def alice(db):
    return make_user("alice")


def test_token_for_credentials_works_as_bearer(alice):
    response = ApiClient().post("/auth/tokens", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("art_") and body["id"] and body["expires_at"] is None
    me = ApiClient(token=body["token"]).get("/me")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "alice"


def test_wrong_password_is_401(alice):
    assert_problem(ApiClient().post("/auth/tokens", {"username": "alice", "password": "nope"}), 401, "UNAUTHENTICATED")
    assert_problem(ApiClient().post("/auth/tokens", {"username": "ghost", "password": "x"}), 401, "UNAUTHENTICATED")


def test_token_body_is_validated(alice):
    assert_problem(ApiClient().post("/auth/tokens", {"username": "alice"}), 400, "VALIDATION_ERROR")
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    body = assert_problem(
        ApiClient().post("/auth/tokens", {"username": "alice", "password": PASSWORD, "expires_at": past}),
        400, "VALIDATION_ERROR",
    )
    assert body["errors"][0]["field"] == "expires_at"


def test_tokens_are_stored_as_digests_only(alice):
    raw = ApiClient().post("/auth/tokens", {"username": "alice", "password": PASSWORD}).json()["token"]
    token = ApiToken.objects.get(user=alice)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert raw not in stored
    assert token.prefix == raw[:12]


def test_expired_token_is_401(alice):
    raw = ApiClient().post(
        "/auth/tokens",
        {"username": "alice", "password": PASSWORD, "expires_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()},
    ).json()["token"]
    assert ApiClient(token=raw).get("/me").status_code == 200
    ApiToken.objects.filter(user=alice).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_problem(ApiClient(token=raw).get("/me"), 401, "UNAUTHENTICATED")


def test_revoked_token_is_401_and_listing_shows_it_revoked(alice):
    api = ApiClient(alice)
    listed = api.get("/auth/tokens").json()["items"]
    assert len(listed) == 1 and listed[0]["revoked_at"] is None
    assert "digest" not in listed[0] and "token" not in listed[0]
    assert api.delete(f"/auth/tokens/{listed[0]['id']}").status_code == 204
    assert_problem(api.get("/me"), 401, "UNAUTHENTICATED")
    assert ApiToken.objects.get(pk=listed[0]["id"]).revoked_at is not None


def test_inactive_users_token_is_401(alice):
    api = ApiClient(alice)
    alice.is_active = False
    alice.save()
    assert_problem(api.get("/me"), 401, "UNAUTHENTICATED")


def test_someone_elses_token_cant_be_revoked(alice):
    bob = make_user("bob")
    ApiClient(bob)
    bobs_token = ApiToken.objects.get(user=bob)
    assert_problem(ApiClient(alice).delete(f"/auth/tokens/{bobs_token.pk}"), 404, "NOT_FOUND")
    assert ApiToken.objects.get(pk=bobs_token.pk).revoked_at is None


def test_createtoken_prints_only_the_token(alice):
    out, err = io.StringIO(), io.StringIO()
    call_command("createtoken", "alice", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert "\n" not in raw and raw.startswith("art_")
    assert err.getvalue() == ""
    assert ApiClient(token=raw).get("/me").json()["user"]["username"] == "alice"


def test_createtoken_with_expiry(alice):
    out = io.StringIO()
    call_command("createtoken", "alice", "--expires-in-days", "3", stdout=out)
    token = ApiToken.objects.get(user=alice)
    assert dt.timedelta(days=2, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=3)


def test_createtoken_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="no user"):
        call_command("createtoken", "ghost", stdout=io.StringIO())


def test_browser_session_works_and_needs_csrf_for_writes(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    assert client.get("/api/v1/me").status_code == 200
    body = assert_problem(client.post("/api/v1/teams", {"name": "x"}, content_type="application/json"), 403)
    assert "CSRF" in body["detail"]
    page_request = RequestFactory().get("/")
    csrf = get_token(page_request)  # what a page's {% csrf_token %} hands the browser
    client.cookies["csrftoken"] = page_request.META["CSRF_COOKIE"]
    response = client.post("/api/v1/teams", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201


def test_token_list_pages_newest_first(alice):
    for _ in range(3):
        ApiClient(alice)
    api = ApiClient(alice)
    first = api.get("/auth/tokens", {"limit": 2}).json()
    assert len(first["items"]) == 2 and "total_count" not in first
    rest = api.get("/auth/tokens", {"limit": 2, "cursor": first["page_info"]["end_cursor"]}).json()
    ids = [t["id"] for t in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    assert api.get("/auth/tokens", {"count": "true"}).json()["total_count"] == 4
