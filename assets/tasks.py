"""The task backend in use, and the one place that enqueues work after a change commits."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend


def backend_kind() -> str:
    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        return "db"
    return "immediate" if isinstance(backend, ImmediateBackend) else "rq"


def enqueue_with_change(task, *args, **kwargs) -> None:
    """Enqueue `task` so that it runs only if the surrounding change commits.

    The database backend writes its queue row in the same transaction as the change: a rollback
    takes it away, a commit makes it durable at once. Other backends (Redis) can't join the
    transaction, so they get the task on commit. The immediate backend (a setting for tests and
    single-process runs) runs it now, on the change's own connection.
    """
    if backend_kind() in ("db", "immediate"):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


@task()
def purge_change_snapshots() -> int:
    """The retention purge, enqueued by every worker every CHANGE_SNAPSHOT_PURGE_INTERVAL_S
    (several workers may enqueue it at once: a second run finds nothing left to purge)."""
    from assets.services.retention import purge_deleted_snapshots

    return purge_deleted_snapshots()


@task()
def purge_import_jobs() -> int:
    """Browser imports past IMPORT_JOB_RETENTION_DAYS, enqueued beside purge_change_snapshots."""
    from assets.services.retention import purge_import_jobs as purge

    return purge()
