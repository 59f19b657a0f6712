"""Querysets compiled to SQL once per process, for the reads every request makes.

Building and compiling a queryset costs more Python than a small query costs the database: the
token lookup, the permission snapshot and the asset detail read spent ~1-3 ms each on it, against
~0.2 ms for the round trip (bench/detail_rps.py). A `CompiledQuery` runs the ORM once, with
placeholder values, and keeps the SQL; each call binds the real values and turns the rows into
model instances as Django's own iterator does. The ORM stays the one description of the query.

A placeholder must reach the SQL parameters as itself (equality, `in` of a single value, a
comparison) or as a leaf of a JSON parameter (a JSONField's equality or containment value, which
Django encodes as psycopg's Jsonb on PostgreSQL and as JSON text on SQLite): a JSON slot keeps the
parameter with the placeholder in it and encodes the value again in its place on every call. A
builder that derives anything else from a placeholder (lowers it, escapes it for LIKE, adds to
it) must derive it from the real value before the call and pass the result as the placeholder:
a parameter holding the placeholder's text any other way is refused (`NotCompilable`). The builder
must not evaluate querysets or read the database.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Values no builder writes into its query, so a parameter equal to one of them is that
# placeholder's slot. The integers fit positive 32-bit columns (mptt's lft, rght, tree_id): Django
# drops a lookup whose value the column can't hold. They grow in the order the placeholders are
# declared, so a builder that sorts ids (the permission snapshot's organization lists) sorts the
# placeholders as it would sort the values.
_INT_BASE = 2_000_000_011
_FLOAT_BASE = _INT_BASE + 0.5  # never equal to an int placeholder, exact in a float8
_TEXT_MARK = "\uffff\ufffe"
_ESCAPED_MARK = json.dumps(_TEXT_MARK)[1:-1]


# The types a placeholder may have; any other value (True, None, a datetime) is the builder's own.
PLACEHOLDER_TYPES = (int, float, str)


class NotCompilable(ValueError):
    """The builder's SQL holds a placeholder in a form its value can't be bound into, or not at all."""


def _cursor(connection, *, prepared: bool = True):
    """The database's own cursor under Django's wrapper (so the queries are logged and counted as
    any other), running statements whose placeholders `_raw_sql` converted once.

    On PostgreSQL a server-side binding psycopg.RawCursor, which psycopg prepares
    (prepare_threshold in config.settings): the same SQL runs on every request, and planning it
    cost more than running it; psycopg parses a statement's `%s` on every execute unless it is
    shorter than 4,096 bytes, and the detail's statement is longer (~0.18 ms a request). On SQLite
    the sqlite3 cursor that Django's subclasses only to turn `%s` into `?`, which it did by regex on
    every execute (~7 % of a detail request). One such cursor is kept per connection, since
    setting up a psycopg cursor's loaders cost ~90 us."""
    if connection.vendor not in _RAW_FORMS:
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = getattr(connection, "_compiled_query_cursor", None)
    if cursor is None or getattr(cursor, "closed", False) or cursor.connection is not connection.connection:
        with connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                import psycopg

                cursor = psycopg.RawCursor(connection.connection)
            else:
                cursor = connection.connection.cursor()
        connection._compiled_query_cursor = cursor
    if not prepared and connection.vendor == "postgresql":
        cursor = _Unprepared(cursor)
    return _DebugCursor(cursor, connection) if connection.queries_logged else _KeptCursor(cursor, connection)


class _Unprepared:
    """A psycopg cursor whose statements go unprepared (the unnamed statement), so PostgreSQL
    plans each with its values: a prepared statement turns to a generic plan after five runs,
    which for a filter whose selectivity hangs on its value (a range that an expression index
    answers for one bound and no index for another) can read the whole table."""

    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql, params=None):
        return self._cursor.execute(sql, params, prepare=False)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


_PLACEHOLDER = re.compile(r"%[%s]")
_DJANGO_FORM: dict[str, str] = {}  # a converted statement -> Django's, for the query log
# Each database's placeholder, from the parameter's number.
_RAW_FORMS = {"postgresql": lambda number: f"${number}", "sqlite": lambda number: "?"}


def _raw_sql(sql: str, vendor: str) -> str:
    """Django's `%s` placeholders (and `%%` for a percent sign) in the database's own form, for the
    cursor of `_cursor` (PostgreSQL's `$1, $2, ...`, SQLite's `?`); other databases keep Django's."""
    form = _RAW_FORMS.get(vendor)
    if form is None:
        return sql
    numbers = iter(range(1, 1 << 30))
    converted = _PLACEHOLDER.sub(lambda match: "%" if match.group() == "%%" else form(next(numbers)), sql)
    _DJANGO_FORM[converted] = sql
    return converted


def django_form(sql: str) -> str:
    """Django's form (`%s` placeholders) of a statement a compiled query ran, as an execute
    wrapper sees it, for running it again through a Django cursor (EXPLAIN in tests)."""
    return _DJANGO_FORM.get(sql, sql)


class _KeptCursor(CursorWrapper):
    def __exit__(self, type, value, traceback):
        pass  # the cursor outlives the statement; it closes with its connection


class _DebugCursor(_KeptCursor, CursorDebugWrapper):
    """Logs the statement with its values, in Django's form: a cursor that executes prepared
    statements keeps no text for Django's log to read back."""

    def execute(self, sql, params=None):
        django_form = _DJANGO_FORM.get(sql, sql)
        if self.db.vendor == "postgresql":
            logged = self.debug_sql(self.db.ops.compose_sql(django_form, params))
        else:
            logged = self.debug_sql(django_form, params, use_last_executed_query=True)
        with logged:
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


class _Leaf:
    """Where a placeholder stood in the template of a JSON slot."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def _template(obj, by_value: dict):
    """`obj` (a decoded JSON value) with its placeholder leaves as _Leaf, and whether it had any."""
    if isinstance(obj, dict):
        items = [(key, _template(value, by_value)) for key, value in obj.items()]
        return {key: value for key, (value, _) in items}, any(found for _, (_, found) in items)
    if isinstance(obj, list):
        items = [_template(value, by_value) for value in obj]
        return [value for value, _ in items], any(found for _, found in items)
    name = by_value.get(_value_key(obj))
    return (obj, False) if name is None else (_Leaf(name), True)


def _value_key(value) -> tuple | None:
    """A parameter's identity as a placeholder: by type as well as value, since True == 1 and
    2.0 == 2 in a dict's eyes, with Django's wrappers (psycopg's Int4 for an integer column)
    taken for the plain value they wrap."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind, kind(value)
    return None


def _filled(template, values: dict):
    if isinstance(template, _Leaf):
        return values[template.name]
    if isinstance(template, dict):
        return {key: _filled(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_filled(value, values) for value in template]
    return template


class _JsonSlot:
    """A parameter that is the JSON encoding of a value with placeholders among its leaves: the
    template, and how Django encoded it (psycopg's Jsonb with its `dumps`, or JSON text)."""

    __slots__ = ("template", "names", "wrapper", "dumps")

    def __init__(self, template, names: frozenset, wrapper, dumps):
        self.template, self.names, self.wrapper, self.dumps = template, names, wrapper, dumps

    def bind(self, values: dict):
        filled = _filled(self.template, values)
        return self.dumps(filled) if self.wrapper is None else self.wrapper(filled, self.dumps)


def _leaf_names(template) -> frozenset:
    if isinstance(template, _Leaf):
        return frozenset((template.name,))
    children = template.values() if isinstance(template, dict) else template if isinstance(template, list) else ()
    return frozenset().union(*(_leaf_names(child) for child in children))


def _json_slot(param, by_value: dict, text_forms: tuple) -> _JsonSlot | None:
    """The JSON slot of `param`, None when it holds no placeholder; NotCompilable when it holds
    one in a form that can't be encoded again (text derived from it, JSON of another layout)."""
    obj = getattr(param, "obj", None)
    if obj is not None and type(param).__name__ in ("Json", "Jsonb") and type(param).__module__.startswith("psycopg"):
        template, found = _template(obj, by_value)
        return _JsonSlot(template, _leaf_names(template), type(param), param.dumps) if found else None
    if not isinstance(param, str) or not any(form in param for form in text_forms):
        return None
    try:
        decoded = json.loads(param)
    except ValueError:
        decoded = None
    template, found = _template(decoded, by_value)
    if not found and _TEXT_MARK not in param and _ESCAPED_MARK not in param:
        return None  # digits that happen to look like an int placeholder's
    if found:
        # Django writes JSON text with json.dumps and the field's encoder, which differs from the
        # plain one only in ensure_ascii for the values a placeholder stands for (text, numbers):
        # the text placeholders aren't ASCII, so the encoding they came out in tells which it was.
        for ensure_ascii in (False, True):
            dumps = functools.partial(json.dumps, ensure_ascii=ensure_ascii)
            if dumps(decoded) == param:
                return _JsonSlot(template, _leaf_names(template), None, dumps)
    raise NotCompilable(f"a parameter holds a placeholder in a form it can't be bound into: {param[:80]!r}")


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # Django's form; None for a query Django knows to be empty (`pk__in=[]`)
    run_sql: str | None  # what the cursor of _cursor() runs
    params: tuple
    slots: tuple  # (parameter index, placeholder name)
    json_slots: tuple  # (parameter index, _JsonSlot)
    compiler: object
    converters: dict
    prefetch: tuple
    # How a row becomes instances, as Django's ModelIterable works it out on every query: the
    # same for every row of every call (RelatedPopulator keeps no state between rows).
    model: type | None
    fields: slice | None
    attnames: tuple
    populators: tuple
    annotations: tuple


class CompiledQuery:
    """`build(**placeholders) -> QuerySet`; `placeholders` maps each name to int, float or str.
    `optional` names placeholders the SQL may leave out (a permission condition names the
    user's id only when the user holds per-object grants). `prepared=False` for a query whose
    best plan depends on its values (see _Unprepared): it still skips the ORM, not the planner."""

    def __init__(self, build: Callable[..., QuerySet], /, *, optional: tuple = (), prepared: bool = True,
                 **placeholders: type):
        self._build = build
        self._optional = frozenset(optional)
        self._prepared = prepared
        self._sentinels = {}
        for index, (name, kind) in enumerate(placeholders.items()):
            if kind is int:
                self._sentinels[name] = _INT_BASE + index
            elif kind is float:
                self._sentinels[name] = _FLOAT_BASE + index
            elif kind is str:
                self._sentinels[name] = f"{_TEXT_MARK}{name}{_TEXT_MARK}"
            else:
                raise TypeError(f"placeholder {name}: int, float or str, not {kind!r}")
        self._cache: dict[str, _Compiled] = {}

    def _compiled(self, using: str) -> _Compiled:
        compiled = self._cache.get(using)  # an alias's database doesn't change within a process
        if compiled is None:
            connection = connections[using]
            queryset = self._build(**self._sentinels)
            compiler = queryset.query.get_compiler(using=using)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                # Django answers such a queryset without asking the database; so does the call.
                compiled = _Compiled(None, None, (), (), (), compiler, {}, tuple(queryset._prefetch_related_lookups),
                                     None, None, (), (), ())
                self._cache[using] = compiled
                return compiled
            slots, json_slots = self._slots(params)
            reached = {name for _, name in slots}.union(*(slot.names for _, slot in json_slots))
            missing = set(self._sentinels) - self._optional - reached
            if missing:
                # NotCompilable, so that a reader compiling shapes of requests (the filtered list
                # pages) answers such a shape on the full path instead of failing the request.
                raise NotCompilable(f"placeholders {sorted(missing)} do not reach the SQL parameters")
            converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
            run_sql = _raw_sql(sql, connection.vendor)
            compiled = _Compiled(
                sql, run_sql, tuple(params), slots, json_slots, compiler, converters,
                tuple(queryset._prefetch_related_lookups), *_row_layout(compiler, using),
            )
            self._cache[using] = compiled
        return compiled

    def _slots(self, params) -> tuple[tuple, tuple]:
        by_value = {_value_key(value): name for name, value in self._sentinels.items()}
        text_forms = tuple(
            form for value in self._sentinels.values()
            for form in ((json.dumps(value)[1:-1], value) if isinstance(value, str) else (str(value),))
        )
        slots, json_slots = [], []
        for index, param in enumerate(params):
            name = by_value.get(_value_key(param))
            if name is not None:
                slots.append((index, name))
                continue
            json_slot = _json_slot(param, by_value, text_forms)
            if json_slot is not None:
                json_slots.append((index, json_slot))
            elif isinstance(param, str) and (_TEXT_MARK in param or _ESCAPED_MARK in param):
                raise NotCompilable(f"a parameter holds a placeholder in a form it can't be bound into: {param[:80]!r}")
        return tuple(slots), tuple(json_slots)

    def _execute(self, compiled: _Compiled, using: str, values: dict) -> list:
        if compiled.sql is None:
            return []
        with _cursor(connections[using], prepared=self._prepared) as cursor:
            cursor.execute(compiled.run_sql, _bound(compiled, values))
            rows = cursor.fetchall()
        if rows and compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return rows

    def rows(self, using: str = "default", **values) -> list:
        """The result rows (after Django's converters), for values()/values_list() querysets."""
        return self._execute(self._compiled(using), using, values)

    def objects(self, using: str = "default", **values) -> list:
        """Model instances with their select_related objects and annotations, like iterating the
        queryset. Prefetches are not run; `prefetch_lookups()` names them."""
        compiled = self._compiled(using)
        return self._instances(compiled, using, self._execute(compiled, using, values))

    def _instances(self, compiled: _Compiled, using: str, rows: list) -> list:
        if not rows:
            return []
        model, fields, attnames = compiled.model, compiled.fields, compiled.attnames
        populators, annotations = compiled.populators, compiled.annotations
        instances = []
        for row in rows:
            instance = model.from_db(using, attnames, row[fields])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def prefetch_lookups(self, using: str = "default") -> tuple:
        return self._compiled(using).prefetch


def _bound(compiled: _Compiled, values: dict) -> list:
    params = list(compiled.params)
    for index, name in compiled.slots:
        params[index] = values[name]
    for index, slot in compiled.json_slots:
        params[index] = slot.bind(values)
    return params


def _row_layout(compiler, using: str) -> tuple:
    """(model, its columns, their attnames, related populators, annotations) of a model query;
    Nones for a values() query, which has no klass_info."""
    klass_info = compiler.klass_info
    if klass_info is None:
        return None, None, (), (), ()
    select = compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return (
        klass_info["model"], slice(start, end), tuple(column[0].target.attname for column in select[start:end]),
        tuple(get_related_populators(klass_info, select, using)), tuple((compiler.annotation_col_map or {}).items()),
    )


_TOGETHER: dict[tuple, str] = {}  # (alias, the reads' SQL) -> the joined statement


def objects_together(*reads: tuple[CompiledQuery, dict], using: str = "default") -> list[list]:
    """Several compiled reads in one statement, each query's rows as `objects()` gives them.

    Every round trip to the database cost ~0.6 ms on the bench machine, more than the Python of a
    detail read: the token (with its user's grants) and the asset it asks for are independent
    reads, so they go as one SELECT of each read LEFT JOINed to a single row. Each read must give
    at most one row (a primary key or unique lookup, or a LIMIT 1)."""
    compiled = [query._compiled(using) for query, _ in reads]
    if any(one.sql is None for one in compiled):
        raise ValueError("a read of objects_together must not be empty by construction")
    if any(one.compiler.has_extra_select for one in compiled):
        raise ValueError("a read of objects_together must select no extra ordering columns")
    params = []
    for (_, values), one in zip(reads, compiled, strict=True):
        params.extend(_bound(one, values))
    key = (using, *(one.sql for one in compiled))
    sql = _TOGETHER.get(key)
    if sql is None:
        parts = [f"LEFT JOIN ({one.sql}) AS r{index} ON TRUE" for index, one in enumerate(compiled)]
        sql = f"SELECT {', '.join(f'r{i}.*' for i in range(len(reads)))} FROM (SELECT 1) AS one {' '.join(parts)}"
        sql = _raw_sql(sql, connections[using].vendor)
        _TOGETHER[key] = sql
    with _cursor(connections[using]) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    results, start = [], 0
    for (query, _), one in zip(reads, compiled, strict=True):
        width = one.compiler.col_count
        own = row[start:start + width]
        start += width
        pk = one.compiler.klass_info["select_fields"][0]
        rows = [] if own[pk] is None else [own]
        if rows and one.converters:
            rows = list(one.compiler.apply_converters(rows, one.converters))
        results.append(query._instances(one, using, rows))
    return results


class KeyedQueries:
    """Querysets whose SQL, values included, is a function of a key (the permission key of
    assets.access.permissions, the asked codes...): each key's queryset is built and compiled the
    first time it is asked for and its SQL runs again for the same key. For reads whose values
    can't be placeholders (a permission condition's shape changes with the grants it holds).
    The statements are kept, never their rows; the oldest key goes past `size` of them."""

    def __init__(self, size: int = 1024):
        self._size = size
        self._queries: dict = {}
        self._querysets: dict = {}
        self._lock = threading.Lock()

    def _query(self, key, build: Callable[[], QuerySet]) -> CompiledQuery:
        query = self._queries.get(key)
        if query is None:
            query = CompiledQuery(build)
            with self._lock:  # iterating a dict another thread resizes raises
                self._queries[key] = query
                while len(self._queries) > self._size:
                    del self._queries[next(iter(self._queries))]
        return query

    def rows(self, key, build: Callable[[], QuerySet], using: str = "default") -> list:
        """`build()`'s rows (a values()/values_list() queryset), from the statement of `key`."""
        try:
            return self._query(key, build).rows(using)
        except EmptyResultSet:  # a condition that can hold for no row: Django asks nothing either
            return []

    def queryset(self, key, build: Callable[[], QuerySet]) -> QuerySet:
        """A fresh clone of `build()`'s queryset for `key`, for reads that go on to add their own
        filters and ordering: building the base (permission conditions, annotations,
        subqueries) is done once per key; the kept queryset is never evaluated, only cloned."""
        base = self._querysets.get(key)
        if base is None:
            base = build()
            with self._lock:
                self._querysets[key] = base
                while len(self._querysets) > self._size:
                    del self._querysets[next(iter(self._querysets))]
        return base.all()
