"""Request rate limits and the back-off of failed sign-ins, counted in Django's cache
(settings.THROTTLE_CACHE) so that every app server shares them: the database cache by default,
Redis when REDIS_URL is set.

Rates are fixed windows per caller: a token, a signed-in user (browser session) or, for anonymous
requests, the client address. Failed sign-ins are counted per account and per client address;
past a threshold each further failure locks that key for a back-off that doubles, and a locked
key refuses even the right password until the back-off has passed."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from assets.core.errors import Throttled

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'3000/minute' -> (3000, 60); '0/minute' or '' turns the limit off (limit 0)."""
    if not rate:
        return 0, 60
    count, _, period = str(rate).partition("/")
    try:
        limit, seconds = int(count), PERIODS[period.strip().lower() or "minute"]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"a rate is '<requests>/<second|minute|hour|day>', not {rate!r}")
    if limit < 0:
        raise ImproperlyConfigured(f"a rate can't be negative: {rate!r}")
    return limit, seconds


def _cache():
    return caches[settings.THROTTLE_CACHE]


def _key(*parts) -> str:
    # Usernames and addresses are arbitrary text; cache keys must be short and plain.
    return "throttle:" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _count(key: str, timeout: int) -> int:
    """Adds one to the counter `key` (created with `timeout`) and returns the new count: one
    atomic step in Redis and in assets.access.cache.DatabaseCache, so concurrent requests on
    different servers each get their own number."""
    cache = _cache()
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with settings.NUM_PROXIES trusted proxies in front,
    the address the outermost of them saw (X-Forwarded-For, counted from the right)."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address[:64]


# --- request rates --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def take(kind: str, identity) -> Quota | None:
    """Counts one request of the caller (`kind`: token, user or anonymous) against its rate;
    None when that rate is off."""
    limit, window = parse_rate(settings.THROTTLE_RATES.get(kind, ""))
    if not limit:
        return None
    now = time.time()
    start = int(now // window) * window
    count = _count(_key("rate", kind, identity, start), window + 1)
    return Quota(limit=limit, remaining=max(0, limit - count), reset=max(1, math.ceil(start + window - now)),
                 allowed=count <= limit)


def request_identity(request) -> tuple[str, object]:
    """Whom an API request is counted against, without a query: the presented bearer token (by
    digest), else the session's user, else the client address."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        return "token", hashlib.sha256(raw.strip().encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "user", user.pk
    return "anonymous", client_address(request)


# --- failed sign-ins ------------------------------------------------------------------------------
def _signin_keys(username: str, address: str) -> list[tuple[str, int]]:
    return [
        (_key("signin", "account", str(username).strip().lower()), settings.SIGNIN_ACCOUNT_FAILURES),
        (_key("signin", "address", address), settings.SIGNIN_ADDRESS_FAILURES),
    ]


def check_signin(username: str, address: str) -> None:
    """Raises Throttled while the account or the address is in its back-off."""
    cache = _cache()
    now = time.time()
    locks = cache.get_many([f"{key}:lock" for key, _ in _signin_keys(username, address)])
    until = max(locks.values(), default=0)
    if until > now:
        raise Throttled("Too many failed sign-ins; try again later", retry_after=max(1, math.ceil(until - now)))


def signin_failed(username: str, address: str) -> None:
    """Counts a failure against the account and the address; from each one's threshold on, every
    failure locks it for SIGNIN_BACKOFF_S seconds, doubled per failure beyond the threshold (at
    most SIGNIN_BACKOFF_MAX_S). Counts are forgotten SIGNIN_FAILURE_WINDOW_S after the last."""
    cache = _cache()
    window = settings.SIGNIN_FAILURE_WINDOW_S
    for key, threshold in _signin_keys(username, address):
        if not threshold:
            continue
        failures = _count(f"{key}:failures", window)
        cache.touch(f"{key}:failures", window)
        if failures >= threshold:
            backoff = min(settings.SIGNIN_BACKOFF_MAX_S, settings.SIGNIN_BACKOFF_S * 2 ** min(failures - threshold, 32))
            cache.set(f"{key}:lock", time.time() + backoff, backoff)


def signin_succeeded(username: str) -> None:
    """The account's count starts over (the address keeps its own: it may be guessing others)."""
    key, _ = _signin_keys(username, "")[0]
    _cache().delete(f"{key}:failures")


def sign_in(request, username: str, password: str):
    """authenticate() behind the sign-in throttle, for every place that takes a password (tokens,
    the login page, the admin's): the user, or None for wrong credentials (counted as a failure);
    raises Throttled while the account or the client address is locked."""
    from django.contrib.auth import authenticate

    address = client_address(request)
    check_signin(username, address)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        signin_failed(username, address)
        return None
    signin_succeeded(username)
    return user
