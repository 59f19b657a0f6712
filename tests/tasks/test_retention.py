"""The retention purge: deleted assets' snapshots older than CHANGE_SNAPSHOT_RETENTION_DAYS leave the
change log (by the worker's task and by the command); recent ones and live assets' history stay."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assets.models import ChangeLogEntry, ImportJob
from assets.services import assets as asset_service
from assets.tasks import purge_change_snapshots, purge_import_jobs
from tests.factories import make_org, make_type, make_user


@pytest.fixture
def history(transactional_db, settings):
    settings.CHANGE_SNAPSHOT_RETENTION_DAYS = 30
    org = make_org("translog")
    truck = make_type(org, "delivery_truck")
    root = make_user("root", superuser=True)

    def asset(key):
        made = asset_service.create_asset(root, organization_id=org.pk, type_id=truck.pk, key=key, title=key,
                                          custom_fields={})
        asset_service.update_asset(root, made.pk, title=f"{key} renamed")
        return made

    old, recent, alive = asset("old"), asset("recent"), asset("alive")
    asset_service.delete_asset(root, old.pk)
    asset_service.delete_asset(root, recent.pk)
    long_ago = timezone.now() - timedelta(days=31)
    ChangeLogEntry.objects.filter(object_type="asset", object_id=old.pk).update(time=long_ago)
    ChangeLogEntry.objects.filter(object_type="asset", object_id=alive.pk).update(time=long_ago)
    return old, recent, alive


def entries(asset) -> list[str]:
    return list(ChangeLogEntry.objects.filter(object_type="asset", object_id=asset.pk).order_by("id")
                .values_list("action", flat=True))


def test_the_worker_purges_old_deleted_snapshots_only(history, task_worker):
    old, recent, alive = history
    result = purge_change_snapshots.enqueue()
    task_worker.drain()
    assert purge_change_snapshots.get_result(result.id).return_value == 3
    assert entries(old) == []
    assert entries(recent) == ["create", "update", "delete"]
    assert entries(alive) == ["create", "update"]  # old, but its asset is alive


def test_the_command_purges_and_a_second_run_finds_nothing(history):
    old, recent, _ = history
    out = io.StringIO()
    call_command("purge_change_snapshots", stdout=out)
    assert "Removed 3 " in out.getvalue()
    assert entries(old) == [] and entries(recent) == ["create", "update", "delete"]
    out = io.StringIO()
    call_command("purge_change_snapshots", stdout=out)
    assert "Removed 0 " in out.getvalue()


def test_zero_days_keeps_everything(history, settings):
    old, _, _ = history
    settings.CHANGE_SNAPSHOT_RETENTION_DAYS = 0
    out = io.StringIO()
    call_command("purge_change_snapshots", stdout=out)
    assert "nothing purged" in out.getvalue()
    assert entries(old) == ["create", "update", "delete"]


def test_the_worker_purges_ended_and_abandoned_imports_only(transactional_db, settings, task_worker):
    settings.IMPORT_JOB_RETENTION_DAYS = 30
    org = make_org("translog")
    user = make_user("ops")
    long_ago, lately = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=29)

    def job(status, *, created_at=long_ago, finished_at=None):
        return ImportJob.objects.create(user=user, organization=org, file_format="csv", text="key,title\n",
                                        status=status, created_at=created_at, finished_at=finished_at).pk

    gone = {job("done", finished_at=long_ago), job("failed", finished_at=long_ago), job("preview")}
    kept = {job("done", finished_at=lately), job("preview", created_at=lately), job("running"), job("queued"),
            job("checking")}
    result = purge_import_jobs.enqueue()
    task_worker.drain()
    assert purge_import_jobs.get_result(result.id).return_value == 3
    assert set(ImportJob.objects.values_list("pk", flat=True)) == kept and not gone & kept
