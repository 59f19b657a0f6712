"""Timestamps on the fast paths read and write exactly what Django's own would."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from assets.serializers import json_time

ZONE = dt.timezone(dt.timedelta(hours=5, minutes=30))


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 12, 3, 13, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 3, 13, 0, 0, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 3, 13, 0, 0, 999, tzinfo=dt.UTC),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 3, 13, 0, 0, 5000, tzinfo=ZONE),
    dt.datetime(2026, 12, 3, 13, 0, 0),
])
def test_json_time_writes_what_the_json_encoder_writes(value):
    assert json.dumps(json_time(value)) == json.dumps(value, cls=DjangoJSONEncoder)


def test_json_time_of_none_is_null():
    assert json_time(None) is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's timestamptz loader")
def test_postgresql_timestamps_read_as_djangos_loader_reads_them():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    from assets.core.db.timestamps import UtcTimestamptzLoader

    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is UtcTimestamptzLoader
    literals = ["2026-12-03 13:00:00+00", "2026-12-03 13:00:00.1+00", "2026-12-03 13:00:00.123456+00",
                "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "2026-06-01 10:00:00.5+05:30",
                "1999-12-31 23:59:59-08"]
    sql = "SELECT " + ", ".join(f"'{text}'::timestamptz" for text in literals)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        fast = cursor.fetchone()
    try:
        register_tzloader(connection.timezone, connection.connection)
        with connection.cursor() as cursor:
            cursor.execute(sql)
            djangos = cursor.fetchone()
    finally:
        connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    assert fast == djangos
    assert all(value.tzinfo is dt.UTC for value in fast)
    with connection.cursor() as cursor, pytest.raises(Exception, match="before year 1"):
        cursor.execute("SELECT '1000-01-01 BC'::timestamptz")
        cursor.fetchone()
