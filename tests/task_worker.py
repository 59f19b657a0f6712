"""Run queued tasks with the real database-backend worker, in a thread of the test process.

Why a thread and not a `manage.py worker` subprocess: a subprocess can't see SQLite's in-memory
test database. On SQLite the thread borrows the test's connection (as Django's live-server thread
does) and the test thread waits while the worker drains, so the connection is never used by two
threads at once. On PostgreSQL the thread opens its own connection, as a worker process would, so
tests that use it need `transactional_db` (the worker must see committed rows).
"""

from __future__ import annotations

import threading
import time

from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def queued():
    return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])


def drain(timeout: float = 60, interval: float = 0.01) -> None:
    """Run tasks, retries included as they come due, until none is queued; fail after `timeout`."""
    shared = {a: c for a in connections if (c := connections[a]).vendor == "sqlite" and c.is_in_memory_db()}
    errors: list[BaseException] = []

    def run():
        for alias, conn in shared.items():
            connections[alias] = conn
        try:
            deadline = time.monotonic() + timeout
            while queued().exists() and time.monotonic() < deadline:
                # The real worker in batch mode: runs every task that is due, then returns.
                Worker(
                    queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
                ).run()
                time.sleep(interval)
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)
        finally:
            if not shared:
                connections.close_all()

    for conn in shared.values():
        conn.inc_thread_sharing()
    try:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout + 5)
    finally:
        for conn in shared.values():
            conn.dec_thread_sharing()
    if errors:
        raise errors[0]
    assert not thread.is_alive(), "worker did not stop"
    assert not queued().exists(), f"tasks still queued after {timeout}s"
