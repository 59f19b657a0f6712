"""Multi-row INSERTs straight through the cursor. Model.bulk_create prepares every field of every
row in Python, which costs more than the database work for imports of 100k rows; here each
column gets one converter (the backend's own, for datetimes and JSON) and rows go out in
multi-row statements (COPY on PostgreSQL)."""

from __future__ import annotations

import json
import operator
from itertools import chain, repeat
from json.encoder import c_make_encoder, encode_basestring_ascii

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection


class JsonText(str):
    """A JSON value already encoded by json_text: insert_rows writes it as it is, so a value a
    bulk write stores twice (an asset's custom fields, and again inside its change-log entry) is
    encoded once."""


_ENCODER = DjangoJSONEncoder()
# json.dumps builds its C encoder on every call, and that set-up is most of the cost of encoding
# a small object; built once, it is the same encoder (json.dumps's defaults, DjangoJSONEncoder's
# fallback for dates and decimals). The values are parsed input, never circular: no markers.
_C_ENCODER = c_make_encoder and c_make_encoder(
    None, _ENCODER.default, encode_basestring_ascii, None, ": ", ", ", False, False, True,
)


def json_text(value) -> JsonText:
    """The text json.dumps(value, cls=DjangoJSONEncoder) gives, which is what the ORM stores for
    a JSONField without an encoder of its own."""
    return JsonText("".join(_C_ENCODER(value, 0)) if _C_ENCODER else _ENCODER.encode(value))


def json_string(text: str) -> str:
    """A str as json_text writes it (a quoted JSON string), for callers splicing JsonText into
    an object of a fixed shape."""
    return encode_basestring_ascii(text)


def _json_converter(field, *, copy: bool):
    encoder = field.encoder or DjangoJSONEncoder
    keeps_unicode = not getattr(encoder(), "ensure_ascii", True)

    def convert_json(value):
        if value is None:
            return None
        if type(value) is JsonText:
            # json_text escapes non-ASCII characters; a field whose encoder keeps them (so that
            # SQLite's text searches see them as PostgreSQL's jsonb does) gets its own text.
            if copy or not keeps_unicode or "\\u" not in value:
                return value
            value = json.loads(value)
        if copy or connection.vendor == "sqlite":
            return json.dumps(value, cls=encoder)
        return connection.ops.adapt_json_value(value, encoder)

    return convert_json


def _converter(field, *, copy: bool = False):
    internal = field.get_internal_type()
    if internal == "JSONField":
        return _json_converter(field, copy=copy)
    if copy:
        # COPY's text format takes JSON as its text; psycopg adapts datetimes itself.
        return None
    if internal == "DateTimeField":
        last = [None, None]

        def convert_datetime(value):
            # Imports stamp every row with the same time: adapt it once.
            if value is not last[0]:
                last[0], last[1] = value, connection.ops.adapt_datetimefield_value(value)
            return last[1]

        return convert_datetime
    return None


def insert_rows_returning(model, field_names: list[str], rows: list[tuple], returning: list[str]) -> list[tuple]:
    """insert_rows that answers the `returning` columns of every row inserted (INSERT ...
    RETURNING, on PostgreSQL and SQLite 3.35+), for writes that log the new rows' ids."""
    fields = [model._meta.get_field(name) for name in field_names]
    converters = [(i, c) for i, c in enumerate(_converter(f) for f in fields) if c is not None]
    quote = connection.ops.quote_name
    tail = " RETURNING " + ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    chunk = rows_per_statement(len(fields))
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            batch = rows[start:start + chunk]
            params = []
            for row in batch:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
                params.extend(row)
            cursor.execute(multi_row_insert_sql(model._meta.db_table, [f.column for f in fields], len(batch)) + tail, params)
            found.extend(tuple(r) for r in cursor.fetchall())
    return found


def multi_row_insert_sql(table: str, columns: list[str], rows: int) -> str:
    quote = connection.ops.quote_name
    row_placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
        + ", ".join([row_placeholders] * rows)
    )


def rows_per_statement(columns: int) -> int:
    # SQLite allows 32766 bound parameters per statement, PostgreSQL 65535.
    return max(1, min(1000, 30_000 // columns))


def _copy_rows(table: str, columns: list[str], converters, rows: list[tuple]) -> None:
    """COPY ... FROM STDIN on the Django connection's own psycopg connection (so inside the
    caller's transaction). psycopg re-splits and re-quotes every large client-bound INSERT; COPY
    streams the rows. Row triggers (the events outbox, search upkeep) fire on COPY as on INSERT."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for row in rows:
                if converters:
                    row = list(row)
                    for i, convert in converters:
                        row[i] = convert(row[i])
                copy.write_row(row)


def insert_rows(model, field_names: list[str], rows: list[tuple], *, batch_size: int = 2000,
                shared: bool = False) -> None:
    """Multi-row INSERT ... VALUES (...), (...) statements: one round trip per chunk of rows,
    which beats executemany on PostgreSQL by several times; COPY on PostgreSQL. `shared` (SQLite):
    a column that holds the same object in every row of a statement is bound once
    (shared_values_sql), for rows that are mostly the same stamp, user and action."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor == "postgresql":
        converters = [(i, c) for i, c in enumerate(_converter(f, copy=True) for f in fields) if c is not None]
        _copy_rows(model._meta.db_table, [f.column for f in fields], converters, rows)
        return
    converters = {i: c for i, c in enumerate(_converter(f) for f in fields) if c is not None}
    table, columns = model._meta.db_table, [f.column for f in fields]
    width = len(columns)
    chunk = min(batch_size, rows_per_statement(width))
    statements = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            batch = rows[start:start + chunk]
            flat = list(chain.from_iterable(batch))
            common = _common_columns(flat, width) if shared and len(batch) > 1 else ()
            if not 0 < len(common) < width:
                common = ()
            key = (common, len(batch))
            if key not in statements:
                statements[key] = (shared_values_sql(table, columns, common, len(batch)) if common
                                   else multi_row_insert_sql(table, columns, len(batch)))
            cursor.execute(statements[key], _params(flat, width, converters, common))


def _common_columns(flat: list, width: int) -> tuple[int, ...]:
    return tuple(i for i in range(width) if all(map(operator.is_, flat[i::width], repeat(flat[i]))))


def _params(flat: list, width: int, converters: dict, common: tuple) -> list:
    """The statement's parameters from the rows' values (flat, row after row), converted a column
    at a time: the common columns' values once, then the other columns row after row."""
    if not common:
        for i, convert in converters.items():
            flat[i::width] = map(convert, flat[i::width])
        return flat
    head = [converters[i](flat[i]) if i in converters else flat[i] for i in common]
    varying = [map(converters[i], flat[i::width]) if i in converters else flat[i::width]
               for i in range(width) if i not in common]
    return head + list(chain.from_iterable(zip(*varying, strict=True)))


def shared_values_sql(table: str, columns: list[str], common: tuple[int, ...], rows: int) -> str:
    """INSERT INTO t (...) SELECT %s, column1, ... FROM (VALUES (...), ...): the columns at the
    `common` indexes take one parameter for all `rows`, the others come from the VALUES rows (SQLite
    names their columns column1, column2, ...). Binding and Django's placeholder rewriting cost
    per parameter, and a change-log row shares 9 of its 12."""
    quote = connection.ops.quote_name
    selected, position = [], 0
    for i in range(len(columns)):
        if i in common:
            selected.append("%s")
        else:
            position += 1
            selected.append(f"column{position}")
    row_placeholders = "(" + ", ".join(["%s"] * position) + ")"
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) SELECT {', '.join(selected)} "
        f"FROM (VALUES {', '.join([row_placeholders] * rows)})"
    )


CHANGE_LOG_COLUMNS = ["time", "user", "user_name", "action", "object_type", "object_id", "object_repr",
                      "organization_id", "before", "after", "request_id", "version"]


def insert_change_entries(entries: list[tuple], *, batch_size: int = 2000) -> None:
    """Change-log rows of a bulk import, one tuple per entry in CHANGE_LOG_COLUMNS order."""
    from assets.models import ChangeLogEntry

    insert_rows(ChangeLogEntry, CHANGE_LOG_COLUMNS, entries, batch_size=batch_size, shared=True)
