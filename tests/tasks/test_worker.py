"""Background tasks run on the configured backend's worker, and their status is stored."""

import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from .jobs import add, explode


def test_a_task_waits_queued_until_the_worker_runs_it(task_worker):
    result = add.enqueue(2, 3)
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "READY"
    task_worker.drain()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.return_value == 5


def test_a_failing_task_is_stored_failed_with_its_error(task_worker):
    result = explode.enqueue("boom")
    task_worker.drain()
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "FAILED"
    assert row.exception_class_path == "builtins.ValueError"
    assert "boom" in row.traceback


@pytest.mark.django_db(transaction=True)
def test_manage_py_worker_batch_runs_the_due_tasks():
    result = add.enqueue(1, 1)
    call_command("worker", "--batch", stdout=io.StringIO())
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
