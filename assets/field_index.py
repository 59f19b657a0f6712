"""Database indexes of `indexed` custom-field definitions.

Each index is built on the definition's sort key (assets.sort_keys.definition_sort_key, the
expression the asset list sorts and range-filters by) followed by the asset id, the list's
tie-breaker, so a page sorted by the field is read from the index and stops after `limit` rows.

- PostgreSQL: two indexes, `(key ASC NULLS LAST, id ASC)` and `(key DESC NULLS LAST, id DESC)`:
  the list puts empty values last in both directions, and a btree scanned backwards puts them
  first. Built with CREATE INDEX CONCURRENTLY, so writes go on while it builds.
- SQLite: one `(key, id)` index; its planner reads it either way, NULLs last included.

The names come from the definition's id. A background task (`sync_field_index`) makes the
database match the definition: it builds what an indexed definition lacks and drops what a
definition no longer indexed (or deleted) left, so tasks of quick toggles converge whatever order
they run in. The definition's `index_status` says pending, ready or failed.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction
from django.db.models import F, Index
from django.db.models.expressions import OrderBy
from django_tasks import task

from .field_types import kind_of
from .models import Asset, CustomFieldDefinition
from .sort_keys import definition_sort_key
from .tasks import enqueue_with_change

logger = logging.getLogger(__name__)
Status = CustomFieldDefinition.IndexStatus
# Session-level advisory lock key space of these builds (PostgreSQL), so that two workers never
# build or drop one definition's indexes at once.
_LOCK_SPACE = 0x43460000


def index_names(definition_id: int, vendor: str | None = None) -> list[str]:
    if (vendor or connection.vendor) == "postgresql":
        return [f"assets_cf_{definition_id}_asc", f"assets_cf_{definition_id}_desc"]
    return [f"assets_cf_{definition_id}"]


def _indexes(definition: CustomFieldDefinition) -> list[Index]:
    key = definition_sort_key(definition.code, kind_of(definition.field_type), definition.asset_type_id)
    names = index_names(definition.pk)
    if connection.vendor != "postgresql":
        return [Index(key, F("id"), name=names[0])]
    return [
        Index(OrderBy(key, nulls_last=True), F("id"), name=names[0]),
        Index(OrderBy(key, descending=True, nulls_last=True), OrderBy(F("id"), descending=True), name=names[1]),
    ]


def _existing(names: list[str]) -> dict[str, bool]:
    """{name: valid} of those of `names` the database has (an interrupted concurrent build
    leaves an invalid index behind)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
                "WHERE c.relname = ANY(%s)", [names])
        else:
            cursor.execute(
                f"SELECT name, 1 FROM sqlite_master WHERE type = 'index' AND name IN ({', '.join(['%s'] * len(names))})",
                names)
        return {name: bool(valid) for name, valid in cursor.fetchall()}


def _concurrently() -> bool:
    # CONCURRENTLY can't run inside a transaction: the immediate task backend runs the task
    # inside the change's own transaction, which then takes the table's write lock instead.
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _drop(names: list[str]) -> None:
    concurrently = " CONCURRENTLY" if _concurrently() else ""
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP INDEX{concurrently} IF EXISTS "{name}"')


def _build(definition: CustomFieldDefinition) -> None:
    existing = _existing(index_names(definition.pk))
    # Only its SQL is wanted: entering SQLite's schema editor would refuse to run inside the
    # immediate backend's transaction.
    editor = connection.SchemaEditorClass(connection, atomic=False)
    options = {"concurrently": _concurrently()} if connection.vendor == "postgresql" else {}
    with connection.cursor() as cursor:
        for index in _indexes(definition):
            if existing.get(index.name) is False:
                _drop([index.name])
            if not existing.get(index.name):
                cursor.execute(str(index.create_sql(Asset, editor, **options)))
        # Statistics of the new expressions: without them the planners guess how many rows a
        # range on the field keeps.
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE assets_asset")
        else:
            for index in _indexes(definition):
                cursor.execute(f'ANALYZE "{index.name}"')


class _Locked:
    def __init__(self, definition_id: int):
        self.key = _LOCK_SPACE + definition_id

    def __enter__(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [self.key])

    def __exit__(self, *exc):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])


@task()
def sync_field_index(definition_id: int) -> str:
    """Makes the indexes of definition `definition_id` what the definition asks for now."""
    with _Locked(definition_id):
        definition = CustomFieldDefinition.objects.filter(pk=definition_id).first()
        if definition is None or not definition.indexed:
            _drop(index_names(definition_id))
            return "dropped"
        current = CustomFieldDefinition.objects.filter(pk=definition_id, indexed=True)
        try:
            if connection.in_atomic_block:
                with transaction.atomic():  # a failed build must not break the change around it
                    _build(definition)
            else:
                _build(definition)
        except DatabaseError as exc:
            logger.warning("index of custom field %s failed: %s", definition_id, exc)
            if not connection.in_atomic_block:
                _drop(index_names(definition_id))
            current.update(index_status=Status.FAILED)
            return "failed"
        current.update(index_status=Status.READY)
        return "ready"


def schedule(definition_id: int) -> None:
    """Inside the transaction that changes (or deletes) a definition: its indexes are brought in
    line once the change commits."""
    enqueue_with_change(sync_field_index, definition_id)


def resync_all() -> int:
    """Queues a sync of every indexed definition (after a migration: SQLite's table rebuilds
    lose the indexes Django's model state doesn't list). Returns how many."""
    ids = list(CustomFieldDefinition.objects.filter(indexed=True).values_list("pk", flat=True))
    for definition_id in ids:
        enqueue_with_change(sync_field_index, definition_id)
    return len(ids)
