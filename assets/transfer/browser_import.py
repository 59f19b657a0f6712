"""Imports started from the browser, on the same importers as `import_assets`, `import_groups`
and `import_links`: a preview is the importer's dry run (in the request for a small file, as the
`run_preview` task for a large one); confirming queues `run_import`, a django-tasks task that runs
the importer for real. Both store their status, progress and outcome on the ImportJob."""

from __future__ import annotations

import io
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from django_tasks import task

from assets.core.changelog import request_id_var
from assets.core.errors import DomainError

from ..models import Asset, AssetDeviceLink, ChangeLogEntry, ImportJob
from .assets_io import import_assets
from .command import ANALYZE_AFTER_ROWS, analyze
from .formats import FormatError, read_records

MAX_SHOWN_ERRORS = 1000
PREVIEW_ROWS = 10
PROGRESS_EVERY = 200  # records between two progress writes


def guess_format(name: str, text: str) -> str:
    """From the file name's extension, else from the first character (JSON array or object)."""
    lowered = (name or "").lower()
    for extension, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json")):
        if lowered.endswith(extension):
            return fmt
    start = text.lstrip()[:1]
    return "json" if start == "[" else "jsonl" if start == "{" else "csv"


def importer_of(kind: str):
    """The command's importer for the kind of rows; each takes the same arguments."""
    if kind == ImportJob.Kind.GROUPS:
        from groups.transfer import import_groups

        return import_groups
    if kind == ImportJob.Kind.LINKS:
        from links.transfer import import_links

        return import_links
    return import_assets


def _tables_of(kind: str) -> list:
    if kind == ImportJob.Kind.GROUPS:
        from groups.models import AssetGroup, GroupMembership

        return [AssetGroup, GroupMembership, ChangeLogEntry]
    if kind == ImportJob.Kind.LINKS:
        from links.models import Link

        return [Link, ChangeLogEntry]
    return [Asset, AssetDeviceLink, ChangeLogEntry]


def _records(job: ImportJob):
    return read_records(io.StringIO(job.text, newline=""), job.file_format)


class _Counter:
    """The importer's progress object (it calls update(1) per record read)."""

    def __init__(self, job: ImportJob | None = None):
        self.job, self.count = job, 0

    def update(self, n: int) -> None:
        self.count += n
        if self.job is not None and self.count % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=self.job.pk).update(done=self.count, heartbeat_at=timezone.now())


def give_up_if_stalled(job: ImportJob) -> ImportJob:
    """A check or import whose task stopped writing progress for IMPORT_STALL_SECONDS ended with
    its worker (killed, out of memory, the machine restarted): nothing was written (one
    transaction), so the job is marked as such rather than shown running for ever. One
    conditional UPDATE: a task that is still alive and finishing meanwhile wins."""
    if job.status not in (ImportJob.Status.RUNNING, ImportJob.Status.CHECKING) or job.heartbeat_at is None:
        return job
    now = timezone.now()
    if job.heartbeat_at > now - timedelta(seconds=settings.IMPORT_STALL_SECONDS):
        return job
    checking = job.status == ImportJob.Status.CHECKING
    status = ImportJob.Status.PREVIEW if checking else ImportJob.Status.FAILED
    error = f"the {'check' if checking else 'import'} stopped: its worker ended without finishing; nothing was written"
    ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
        status=status, error=error, finished_at=now)
    job.refresh_from_db()
    return job


def _store(job: ImportJob, report) -> None:
    job.created, job.updated, job.unchanged, job.failed = report.created, report.updated, report.unchanged, report.failed
    job.errors = [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors[:MAX_SHOWN_ERRORS]]
    job.written = report.written


def preview(job: ImportJob, counter: _Counter | None = None) -> None:
    """The importer's dry run: totals and every bad row stored on the job, nothing else written."""
    counter = counter or _Counter()
    job.status = ImportJob.Status.PREVIEW
    try:
        report = importer_of(job.kind)(job.user, job.organization, _records(job), from_csv=job.file_format == "csv",
                                       update=job.update, dry_run=True, progress=counter)
    except FormatError as exc:
        job.error = str(exc)
    except DomainError as exc:
        job.error = exc.detail
    else:
        _store(job, report)
    job.total = counter.count
    job.save()


def first_rows(job: ImportJob) -> tuple[list[str], list[dict]]:
    """(columns, the first records as read, each with its line and whether it is bad)."""
    bad = {error["line"] for error in job.errors}
    rows, columns = [], []
    try:
        for line, record, problem in _records(job):
            if record is not None:
                columns += [c for c in record if c not in columns]
            rows.append({"line": line, "record": record or {}, "problem": problem, "bad": line in bad or problem})
            if len(rows) >= PREVIEW_ROWS:
                break
    except FormatError:
        pass
    return columns, [{**row, "cells": [row["record"].get(c) for c in columns]} for row in rows]


@task()
def run_preview(job_id: int) -> str:
    """A large file's preview: the same dry run as in the request, its progress on the job."""
    job = ImportJob.objects.select_related("user", "organization").get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job.status
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    try:
        preview(job, _Counter(job))
    except Exception as exc:
        # Shown as the preview's error (the import stays blocked); the worker logs the trace.
        job.status, job.error = ImportJob.Status.PREVIEW, f"the check stopped ({type(exc).__name__}); nothing was written"
        job.save()
        raise
    return job.status


@task()
def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("user", "organization").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job.status
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, done=0, heartbeat_at=timezone.now())
    token = request_id_var.set(job.request_id)
    try:
        report = importer_of(job.kind)(job.user, job.organization, _records(job), from_csv=job.file_format == "csv",
                                       update=job.update, continue_on_error=job.skip_bad_rows, progress=_Counter(job))
    except (FormatError, DomainError, IntegrityError, UnicodeDecodeError) as exc:
        # The importer writes in one transaction: a failure leaves nothing half written.
        message = exc.detail if isinstance(exc, DomainError) else (
            "the data changed while importing (a key or link was taken meanwhile); nothing was written"
            if isinstance(exc, IntegrityError) else str(exc))
        _finish(job, ImportJob.Status.FAILED, error=message)
        return job.status
    except Exception as exc:
        _finish(job, ImportJob.Status.FAILED, error=f"the import stopped ({type(exc).__name__}); nothing was written")
        raise
    finally:
        request_id_var.reset(token)
    _store(job, report)
    if report.written and report.created + report.updated >= ANALYZE_AFTER_ROWS:
        analyze(_tables_of(job.kind))
    failed = not report.written and bool(report.errors)
    _finish(job, ImportJob.Status.FAILED if failed else ImportJob.Status.DONE,
            error="nothing was written: some rows are bad" if failed else "")
    return job.status


def _finish(job: ImportJob, status: str, *, error: str = "") -> None:
    job.status, job.error, job.finished_at, job.done = status, error, timezone.now(), job.total
    job.save()
