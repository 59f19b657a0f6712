"""Timing and query counting shared by the bench scripts."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, runs: int) -> float:
    fn()  # warm caches and connections once, outside the measurement
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def captured(fn):
    """Runs fn once; returns (result, [executed SQL strings])."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, [q["sql"] for q in ctx.captured_queries]


def run_sql(sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def api_client(user):
    from django.test import Client

    from assets.access.tokens import issue_token

    _, token = issue_token(user)
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
