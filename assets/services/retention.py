"""Retention of deleted assets' snapshots: the change log keeps what a deleted asset was (the
Deleted page restores from it) for CHANGE_SNAPSHOT_RETENTION_DAYS, then its entries go. Browser
imports keep their file's text on the ImportJob for IMPORT_JOB_RETENTION_DAYS after they ended."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from assets.models import ChangeLogEntry, ImportJob

BATCH = 1000


def retention_days() -> int | None:
    """None (or 0): keep them for ever."""
    return settings.CHANGE_SNAPSHOT_RETENTION_DAYS or None


def purge_deleted_snapshots(now=None, days: int | None = None) -> int:
    """Removes every change-log entry of assets deleted more than `days` ago: the delete entry
    holding the snapshot and the asset's earlier entries. Set-based, BATCH deletions per
    transaction so a large backlog never holds long locks. Returns how many entries went."""
    days = retention_days() if days is None else days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    removed = 0
    while True:
        with transaction.atomic():
            deletions = list(
                ChangeLogEntry.objects.filter(object_type="asset", action="delete", time__lt=cutoff)
                .order_by("id").values_list("id", flat=True)[:BATCH]
            )
            if not deletions:
                return removed
            # An asset's entries up to its delete entry (SQLite may reuse a deleted id: entries
            # after the delete belong to the next asset of that id).
            gone = ChangeLogEntry.objects.filter(pk__in=deletions)
            earlier = ChangeLogEntry.objects.filter(object_type="asset").filter(
                Exists(gone.filter(object_id=OuterRef("object_id"), pk__gt=OuterRef("pk")))
            )
            removed += earlier.delete()[1].get(ChangeLogEntry._meta.label, 0)
            removed += gone.delete()[1].get(ChangeLogEntry._meta.label, 0)


def purge_import_jobs(now=None, days: int | None = None) -> int:
    """Removes browser imports (and the file text they hold) that ended, or were previewed and
    never confirmed, more than `days` ago. A queued, checking or running one stays. One DELETE."""
    days = settings.IMPORT_JOB_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    ended = Q(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED], finished_at__lt=cutoff)
    abandoned = Q(status=ImportJob.Status.PREVIEW, created_at__lt=cutoff)
    return ImportJob.objects.filter(ended | abandoned).delete()[1].get(ImportJob._meta.label, 0)
