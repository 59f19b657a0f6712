"""Assertions and request bodies shared by the foundation tests."""

from __future__ import annotations

import threading

from django.db import connections


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The answer is application/problem+json with this status (and code)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "code", "detail", "errors", "trace_id"} <= set(body)
    if code is not None:
        assert body["code"] == code, body
    return body


def truck_body(org, truck_type, **overrides) -> dict:
    body = {
        "organization_id": org.pk,
        "type_id": truck_type.pk,
        "title": "Truck B-44 (Hamburg–Berlin)",
        "custom_fields": {"license_plate": "HH-TL 4421"},
    }
    body.update(overrides)
    return body


def race(*requests):
    """Runs each zero-argument callable in its own thread, released together; returns their
    results in order. Each thread closes its own database connections."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)
    errors: list = []

    def run(index, request):
        try:
            barrier.wait(timeout=10)
            results[index] = request()
        except Exception as exc:  # surfaced below, with the thread's own traceback
            errors.append(exc)
        finally:
            connections.close_all()  # the thread's own: `default` and the throttle's `cache`

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results
