"""Request rate limits and the back-off of failed sign-ins, counted in Django's cache
(settings.THROTTLE_CACHE) so that every app server shares them: the database cache by default,
Redis when REDIS_URL is set.

Rates are fixed windows per caller: a token, a signed-in user (browser session) or, for anonymous
requests, the client address.

Leases: counting every request in the shared cache was one round trip per API request, the
largest single cost of a detail read (bench/detail_rps.py). So a process claims a block of
k = max(1, limit // 100) requests of the caller's window in one atomic add (`_count(key, timeout,
delta=k)`) and serves them from a process-local, thread-safe remainder; it claims again when the
remainder runs out. The numbers a block covers are the shared count's, so across all servers no
more than `limit` requests are ever allowed in a window. The trade-off: a lease a process does not
use up before the window ends is lost, so a caller spread over many servers may be refused up to
(servers - 1) * k requests early, never late; and X-RateLimit-Remaining is the limit less this
request's number in the shared count (other servers' unspent leases count as spent). Small limits (below 200) lease one request at a time, which is exact.

Failed sign-ins are counted per account and per client address;
past a threshold each further failure locks that key for a back-off that doubles, and a locked
key refuses even the right password until the back-off has passed."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
import threading
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


def _count(key: str, timeout: int, delta: int = 1) -> int:
    """Adds `delta` to the counter `key` (created with `timeout`) and returns the new count: one
    atomic step in Redis and in config.cache.DatabaseCache, so concurrent requests on different
    servers each get their own numbers."""
    cache = _cache()
    if hasattr(cache, "count"):  # config.cache.DatabaseCache: one statement
        return cache.count(key, timeout, delta=delta)
    try:
        return cache.incr(key, delta)
    except ValueError:
        if cache.add(key, delta, timeout):
            return delta
        return cache.incr(key, delta)


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


def lease_size(limit: int) -> int:
    return max(1, limit // 100)


class _Lease:
    __slots__ = ("count", "left")

    def __init__(self, count: int, left: int):
        self.count = count  # the shared count after this process's last claim
        self.left = left  # requests of that claim not yet served here


class Leases:
    """The process's unspent leases, per (caller, window, limit). Entries of ended windows are
    dropped as the table grows."""

    MAX_ENTRIES = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._leases: dict[tuple, tuple[float, _Lease]] = {}

    def serve(self, slot: tuple) -> int | None:
        """Serves one request from the lease of `slot`: the shared count it was claimed at, or
        None when there is nothing left to serve (claim again)."""
        with self._lock:
            entry = self._leases.get(slot)
            if entry is None or entry[1].left <= 0:
                return None
            lease = entry[1]
            lease.left -= 1
            return lease.count - lease.left

    def keep(self, slot: tuple, ends: float, count: int, left: int, now: float) -> None:
        with self._lock:
            if len(self._leases) >= self.MAX_ENTRIES:
                self._leases = {key: entry for key, entry in self._leases.items() if entry[0] > now}
            if left > 0:
                self._leases[slot] = (ends, _Lease(count, left))
            else:
                self._leases.pop(slot, None)

    def clear(self) -> None:
        with self._lock:
            self._leases.clear()


LEASES = Leases()


def take(kind: str, identity) -> Quota | None:
    """Counts one request of the caller (`kind`: token, user or anonymous) against its rate;
    None when that rate is off. Served from this process's lease when it has one (see above)."""
    limit, window = parse_rate(settings.THROTTLE_RATES.get(kind, ""))
    if not limit:
        return None
    now = time.time()
    start = int(now // window) * window
    reset = max(1, math.ceil(start + window - now))
    slot = (kind, identity, start, limit)
    # `number`: which request of the window this one is, as the shared count numbers them.
    number = LEASES.serve(slot)
    if number is None:
        size = lease_size(limit)
        count = _count(_key("rate", kind, identity, start), window + 1, delta=size)
        first = count - size + 1
        number = first
        LEASES.keep(slot, start + window, count, max(0, min(count, limit) - first), now)
    allowed = number <= limit
    remaining = max(0, limit - number)
    return Quota(limit=limit, remaining=remaining, reset=reset, allowed=allowed)


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
# A sign-in is counted as a failure before the password is checked and taken back when it was
# right: so a burst of parallel guesses can't all pass the check before the first is counted.
# Past the threshold, one attempt per back-off may try (the one that takes the permit of the
# lock it found expired); the others are refused without being counted.


@dataclass(frozen=True)
class Attempt:
    counted: tuple[tuple[str, int, int], ...]  # (key, failure number, threshold): account, address


def _signin_keys(username: str, address: str) -> list[tuple[str, int]]:
    keys = [
        (_key("signin", "account", str(username).strip().lower()), settings.SIGNIN_ACCOUNT_FAILURES),
        (_key("signin", "address", address), settings.SIGNIN_ADDRESS_FAILURES),
    ]
    return [(key, threshold) for key, threshold in keys if threshold > 0]


def _backoff(failures: int, threshold: int) -> int:
    return min(settings.SIGNIN_BACKOFF_MAX_S, settings.SIGNIN_BACKOFF_S * 2 ** min(failures - threshold, 32))


def _uncount(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile
        _cache().decr(f"{key}:failures")


def begin_signin(username: str, address: str) -> Attempt:
    """Raises Throttled while the account or the client address is in its back-off; otherwise
    counts the attempt (see above) and returns it for signin_failed / signin_succeeded."""
    cache = _cache()
    keys = _signin_keys(username, address)
    now = time.time()
    locks = cache.get_many([f"{key}:lock" for key, _ in keys])
    until = max(locks.values(), default=0)
    if until > now:
        raise Throttled("Too many failed sign-ins; try again later", retry_after=max(1, math.ceil(until - now)))
    counted = []
    for key, threshold in keys:
        failures = _count(f"{key}:failures", settings.SIGNIN_FAILURE_WINDOW_S)
        cache.touch(f"{key}:failures", settings.SIGNIN_FAILURE_WINDOW_S)
        counted.append((key, failures, threshold))
        permit = f"{key}:permit:{locks.get(f'{key}:lock', 0)}"
        if failures > threshold and not cache.add(permit, 1, settings.SIGNIN_FAILURE_WINDOW_S):
            for taken, _, _ in counted:
                _uncount(taken)
            raise Throttled("Too many failed sign-ins; try again later", retry_after=settings.SIGNIN_BACKOFF_S)
    return Attempt(tuple(counted))


def signin_failed(attempt: Attempt) -> None:
    """From each key's threshold on, a failure locks it for SIGNIN_BACKOFF_S seconds, doubled per
    failure beyond the threshold (at most SIGNIN_BACKOFF_MAX_S). Counts are forgotten
    SIGNIN_FAILURE_WINDOW_S after the last failure."""
    cache = _cache()
    for key, failures, threshold in attempt.counted:
        if failures >= threshold:
            backoff = _backoff(failures, threshold)
            # Kept past its end: the time it ended names the permit of the next attempt.
            cache.set(f"{key}:lock", time.time() + backoff, max(backoff, settings.SIGNIN_FAILURE_WINDOW_S))


def signin_succeeded(attempt: Attempt) -> None:
    """The account's count starts over; the address's loses this attempt only (it may be
    guessing other accounts)."""
    (account, _, _), *others = attempt.counted or ((None, 0, 0),)
    if account is not None:
        _cache().delete_many([f"{account}:failures", f"{account}:lock"])
    for key, _, _ in others:
        _uncount(key)


def sign_in(request, username: str, password: str):
    """authenticate() behind the sign-in throttle, for every place that takes a password (tokens,
    the login page, the admin's): the user, or None for wrong credentials (counted as a failure);
    raises Throttled while the account or the client address is locked."""
    from django.contrib.auth import authenticate

    attempt = begin_signin(username, client_address(request))
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        signin_failed(attempt)
        return None
    signin_succeeded(attempt)
    return user
