"""Multi-row INSERTs straight through the cursor. Model.bulk_create prepares every field of every
row in Python, which costs more than the database work for imports of 100k rows; here each
column gets one converter (the backend's own, for datetimes and JSON) and rows go out with
executemany."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection


def _converter(field):
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        last = [None, None]

        def convert_datetime(value):
            # Imports stamp every row with the same time: adapt it once.
            if value is not last[0]:
                last[0], last[1] = value, connection.ops.adapt_datetimefield_value(value)
            return last[1]

        return convert_datetime
    if internal == "JSONField":
        if connection.vendor == "sqlite":
            return lambda value: None if value is None else json.dumps(value, cls=DjangoJSONEncoder)
        return lambda value: None if value is None else connection.ops.adapt_json_value(value, DjangoJSONEncoder)
    return None


def insert_rows(model, field_names: list[str], rows: list[tuple], *, batch_size: int = 2000) -> None:
    fields = [model._meta.get_field(name) for name in field_names]
    converters = [_converter(f) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    active = [(i, c) for i, c in enumerate(converters) if c is not None]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            if active:
                converted = []
                for row in batch:
                    row = list(row)
                    for i, convert in active:
                        row[i] = convert(row[i])
                    converted.append(row)
                batch = converted
            cursor.executemany(sql, batch)
