"""Optimistic locking: the version check and the write are one conditional statement (an UPDATE
that bumps the version, a DELETE that returns what it removed); and the three-way merge rule for a
form submitted against a version that has moved on."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.db.models import F, ProtectedError, RestrictedError
from django.db.models.deletion import Collector

from assets.core.errors import Conflict, InUse, NotFound


def check_version(instance, expected_version: int | None) -> None:
    """Early, friendly answer for a stale version (the UPDATE below stays the real guard)."""
    if expected_version is not None and instance.version != expected_version:
        raise Conflict(type(instance).change_log_type, instance.pk, expected_version, instance.version)


def save_versioned(instance, expected_version: int | None, fields: list[str], *, returning=None):
    """Write `fields` of `instance` and bump its version, only if the row is still at the version
    the caller read (or the client sent). Raises Conflict otherwise; nothing is written then.

    `returning`: a values_list() queryset of one column and at most one row (a count the answer
    shows), read by the UPDATE's own RETURNING clause, so after the transaction's earlier writes
    and without a statement of its own; its value is returned."""
    model = type(instance)
    base_version = instance.version if expected_version is None else expected_version
    values = {name: getattr(instance, name) for name in fields}
    for field in model._meta.concrete_fields:
        if field.name in values and field.attname != field.name:
            related = values.pop(field.name)
            values[field.attname] = related.pk if related is not None else None
    returned = None
    if returning is None:
        updated = model._default_manager.filter(pk=instance.pk, version=base_version).update(
            version=F("version") + 1, **values
        )
    else:
        rows = _update_returning(model, instance.pk, base_version, values, returning)
        updated = len(rows)
        returned = rows[0][0] if rows else None
    if updated == 0:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        if current is None:
            raise NotFound.of(model.change_log_type, instance.pk)
        expected = expected_version if expected_version is not None else base_version
        raise Conflict(model.change_log_type, instance.pk, expected, current)
    instance.version = base_version + 1
    return returned


def _update_returning(model, pk, base_version: int, values: dict, returning) -> list[tuple]:
    """save_versioned's conditional UPDATE with `RETURNING (returning's SELECT)`: the ORM's
    update() returns a row count only. Both SQLite (3.35+) and PostgreSQL read it."""
    connection = connections[model._default_manager.db]
    meta = model._meta
    quote = connection.ops.quote_name
    sets, params = [f"{quote('version')} = {quote('version')} + 1"], []
    for attname, value in values.items():
        field = meta.get_field(attname)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    read_sql, read_params = returning.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} WHERE {quote(meta.pk.column)} = %s AND "
            f"{quote('version')} = %s RETURNING ({read_sql})",
            [*params, pk, base_version, *read_params],
        )
        return cursor.fetchall()


def lock_row(queryset, pk, entity_type: str):
    """SELECT ... FOR UPDATE of one row by primary key: a concurrent writer waits here and then
    reads what the other wrote. A row deleted meanwhile is a 404, not Django's DoesNotExist."""
    row = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if row is None:
        raise NotFound.of(entity_type, pk)
    return row


def hold_rows(model, ids) -> set:
    """For a write about to reference rows it has read in this transaction (a link to an asset, a
    membership, a device link): the ids still there, held until the transaction ends. On
    PostgreSQL `FOR KEY SHARE` makes their delete wait for us (and a delete that got there first
    makes them missing), while their ordinary updates go on. SQLite's IMMEDIATE transactions
    admit one writer at a time: what this transaction read can't have gone."""
    ids = sorted(set(ids))
    if not ids or connection.vendor != "postgresql":
        return set(ids)
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(meta.pk.column)} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = ANY(%s) "
            f"ORDER BY 1 FOR KEY SHARE",
            [ids],
        )
        return {row[0] for row in cursor.fetchall()}


class RowsChanged(Exception):
    """Raised by delete_versioned_many when some rows were not deleted: `current` holds their
    {pk: version now} (None: the row is gone). The savepoint is rolled back by then."""

    def __init__(self, current: dict):
        super().__init__(f"{len(current)} rows changed or went")
        self.current = current

    def error_for(self, entity_type: str, pk, expected_version: int | None):
        """The single write's answer for row `pk`: 404 if it went, 409 if it moved on."""
        current = self.current[pk]
        if current is None:
            return NotFound.of(entity_type, pk)
        return Conflict(entity_type, pk, expected_version, current)


def delete_versioned(instance, expected_version: int | None, *, before_cascade=None):
    """Deletes the row with one conditional statement, `DELETE ... WHERE id = %s AND version = %s
    RETURNING ...`: a concurrent write either committed first (the version no longer matches:
    409) or waits for this transaction and then finds nothing (404). Returns the row as it was
    deleted, the change log's "before".

    The rows that go with it (Django's on_delete) are removed afterwards in the same transaction:
    Django declares foreign keys DEFERRABLE INITIALLY DEFERRED, so they are checked at commit, and
    `before_cascade(deleted)` may still read them (to log them). PROTECT/RESTRICT roll it all back
    as 409 IN_USE."""
    # Also keeps a version past 64 bits (no row holds one) out of the raw statement.
    check_version(instance, expected_version)
    model = type(instance)
    try:
        (deleted,) = delete_versioned_many(
            model, {instance.pk: expected_version},
            before_cascade=None if before_cascade is None else (lambda rows: before_cascade(rows[0])),
        )
    except RowsChanged as exc:
        raise exc.error_for(model.change_log_type, instance.pk, expected_version) from None
    return deleted


def _delete_chunk(model, chunk: list[tuple[int, int | None]]) -> list:
    meta = model._meta
    quote = connection.ops.quote_name
    pk, version = quote(meta.pk.column), quote("version")
    anyhow = [key for key, expected in chunk if expected is None]
    versioned = [(key, expected) for key, expected in chunk if expected is not None]
    conditions, params = [], []
    if anyhow:
        conditions.append(f"{pk} IN ({', '.join(['%s'] * len(anyhow))})")
        params.extend(anyhow)
    if versioned:
        # A row-value IN over VALUES: both SQLite and PostgreSQL read it, one statement for all.
        conditions.append(f"({pk}, {version}) IN (VALUES {', '.join(['(%s, %s)'] * len(versioned))})")
        params.extend(value for pair in versioned for value in pair)
    sql = (f"DELETE FROM {quote(meta.db_table)} WHERE {' OR '.join(conditions)} RETURNING "
           + ", ".join(quote(f.column) for f in meta.concrete_fields))
    return list(model._default_manager.raw(sql, params))


def delete_versioned_many(model, versions: dict, *, before_cascade=None) -> list:
    """delete_versioned for many rows: {pk: expected version, or None for any} deleted with one
    conditional statement a batch (`WHERE (id, version) IN (VALUES ...) RETURNING ...`). If any
    row was not deleted (changed: 409, gone: 404) nothing is, and RowsChanged names them all.
    `before_cascade(deleted rows)` runs once for the set before the dependents go; returns the
    rows as deleted, in primary-key order."""
    pairs = sorted(versions.items())
    if not pairs:
        return []
    # Two parameters a row; SQLite caps one statement's parameters.
    size = max(1, min(1000, (connection.features.max_query_params or 2000) // 2))
    with transaction.atomic():
        deleted = []
        for start in range(0, len(pairs), size):
            deleted.extend(_delete_chunk(model, pairs[start:start + size]))
        gone = {row.pk for row in deleted}
        missing = [pk for pk, _ in pairs if pk not in gone]
        if missing:
            current = dict(model._default_manager.filter(pk__in=missing).values_list("pk", "version"))
            raise RowsChanged({pk: current.get(pk) for pk in missing})
        deleted.sort(key=lambda row: row.pk)
        if before_cascade is not None:
            before_cascade(deleted)
        ids = [row.pk for row in deleted]
        collector = Collector(using=model._default_manager.db, origin=deleted[0] if len(deleted) == 1 else None)
        try:
            collector.collect(deleted)
        except (ProtectedError, RestrictedError) as exc:
            named = ids[0] if len(ids) == 1 else ", ".join(map(str, ids[:5])) + ("..." if len(ids) > 5 else "")
            raise InUse(f"{model.change_log_type} {named} is still used by {_blockers(exc)}")
        collector.delete()
    # The collector clears the primary key of what it deleted; the change log still names it.
    for row, key in zip(deleted, ids, strict=True):
        setattr(row, model._meta.pk.attname, key)
    return deleted


def _blockers(exc) -> str:
    """'2 groups, 1 link type': what still points here with PROTECT or RESTRICT."""
    blockers: dict[str, int] = {}
    for row in exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects:
        name = str(row._meta.verbose_name_plural)
        blockers[name] = blockers.get(name, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in sorted(blockers.items()))


def lock_stale(model, read_versions: dict[int, int]) -> dict[int, int | None]:
    """Bulk writes: lock the rows about to be written (in primary-key order, so two bulk writers
    over the same rows never deadlock) and return {pk: current version} of those that changed or
    went since the caller read them at `read_versions` ({pk: version}). Empty: safe to write."""
    current: dict[int, int] = {}
    pks = sorted(read_versions)
    for start in range(0, len(pks), 5000):
        chunk = pks[start:start + 5000]
        current.update(
            model._default_manager.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", "version")
        )
    return {pk: current.get(pk) for pk in pks if current.get(pk) != read_versions[pk]}


def bump_versions(queryset, **values) -> int:
    """One UPDATE over the rows of `queryset`: sets `values` and bumps each row's version in SQL
    (version = version + 1), for writes that change rows the caller did not version-check (the
    groups an exclusive tree took assets from). Returns the number of rows."""
    return queryset.update(version=F("version") + 1, **values)


def bulk_save_versioned(instances: list, fields: list[str], *, batch_size: int = 1000) -> None:
    """Write `fields` of many rows the caller holds locked (lock_stale, or SELECT ... FOR UPDATE)
    and bump each version in SQL (version = version + 1); the instances then carry their new
    version."""
    if not instances:
        return
    model = type(instances[0])
    read = [instance.version for instance in instances]
    for instance in instances:
        instance.version = F("version") + 1
    model._default_manager.bulk_update(instances, [*fields, "version"], batch_size=batch_size)
    for instance, version in zip(instances, read, strict=True):
        instance.version = version + 1


# --- stale forms ----------------------------------------------------------------------------------
_UNKNOWN = object()


@dataclass(frozen=True)
class Merge:
    """A three-way merge of flat states: `values` is the merged state; `conflicts` names the
    entries both sides changed to different values (they hold mine until the user chooses)."""

    values: dict
    conflicts: tuple[str, ...]


def three_way_merge(base: dict, mine: dict, theirs: dict) -> Merge:
    """The rule for a form saved against a version someone else has moved on from: `base` is the
    state the form was opened at, `mine` what it submits, `theirs` what is stored now. What only
    they changed keeps their value, what only I changed keeps mine, what we both changed (to
    different values) is a conflict for me to settle; nothing is silently put back. An entry
    missing from `base` (a form without its base) counts as changed by both."""
    merged, conflicts = {}, []
    for name in sorted(mine.keys() | theirs.keys()):
        was, ours, stored = base.get(name, _UNKNOWN), mine.get(name), theirs.get(name)
        if ours in (stored, was):
            merged[name] = stored
        elif stored == was:
            merged[name] = ours
        else:
            merged[name] = ours
            conflicts.append(name)
    return Merge(merged, tuple(conflicts))
