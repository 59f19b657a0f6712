"""One webhook delivery: build the payload from the change-log row, sign it, POST it, record it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django_tasks import task

from assets.files.public_urls import points_outside

from .models import Delivery
from .services import allow_private_targets

RECORDED = ["status", "attempts", "response_status", "duration_ms", "last_error", "delivered_at", "next_attempt_at"]


def payload(delivery: Delivery) -> dict:
    change = delivery.change
    data, before = change.after, change.before
    version = delivery.version
    if version is None and isinstance(before, dict):
        version = before.get("version")  # deletes: only what the deleted snapshot says
    return {
        "event": change.action,
        "object_type": change.object_type,
        "object_id": change.object_id,
        "organization_id": change.organization_id,
        "version": version,
        "at": change.time,
        "request_id": change.request_id,
        "data": data,
        "before": before,
    }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: EVENTS_RETRY_BASE_S, then doubling."""
    return timedelta(seconds=settings.EVENTS_RETRY_BASE_S * 2 ** (attempts - 1))


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.EVENTS_TIMEOUT_S) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"[:1000]


@task()
def deliver(delivery_ids: list[int]) -> dict:
    """One POST per delivery; a batch per task keeps the queue's own cost off each delivery."""
    outcome: dict[str, int] = {}
    done = []
    for delivery in Delivery.objects.select_related("rule", "change").filter(
        pk__in=delivery_ids, status=Delivery.Status.PENDING, next_attempt_at=None,
    ).order_by("id"):
        status = deliver_one(delivery)
        outcome[status] = outcome.get(status, 0) + 1
        done.append(delivery)
    # One write for the batch. A worker dying mid-batch leaves its rows claimed and unrecorded:
    # the task backend's own retry or a redeliver sends them again (webhooks are at-least-once).
    Delivery.objects.bulk_update(done, RECORDED)
    return outcome


def deliver_one(delivery: Delivery) -> str:
    rule = delivery.rule
    body = json.dumps(payload(delivery), cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    headers = {
        **{str(k): str(v) for k, v in rule.headers.items()},
        "Content-Type": "application/json",
        "User-Agent": "asset-repository-webhooks",
        "X-Signature-256": sign(rule.secret, body),
    }
    started = time.monotonic()
    if allow_private_targets() or points_outside(rule.url, unresolvable=False):
        status, error = _post(rule.url, body, headers)
    else:
        # Checked when the rule was saved, and again now: its name may resolve elsewhere since.
        status, error = None, "refused: the target resolves to a loopback, link-local or private address"
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.response_status = status
    now = timezone.now()
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = Delivery.Status.DELIVERED, now, ""
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.EVENTS_MAX_ATTEMPTS:
        delivery.status, delivery.last_error, delivery.next_attempt_at = Delivery.Status.FAILED, error, None
    else:
        delivery.last_error = error
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return delivery.status
