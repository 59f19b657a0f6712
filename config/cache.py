"""The database cache, on a connection of its own.

Throttle counters live in Django's cache. In the database they go through the `cache` database
alias: a second connection to the same database, so that (1) a count survives the rollback of the
request that made it (a failed sign-in inside a transaction still counts) and (2) the requests'
own connection runs no more queries than before (the query counts pinned in the tests are on the
`default` connection)."""

from __future__ import annotations

import base64
import pickle
import random
from datetime import UTC, datetime, timedelta

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction

CACHE_ALIAS = "cache"


# Counters (count()) are stored as plain decimal text, which SQL can add to in the statement that
# reads them; pickled values are base64 of a protocol >= 2 pickle and start with "g", never a digit.
_CULL_ONE_IN = 1000


def _plain_int(value):
    if value[:1].isdigit() or (value[:1] == "-" and value[1:2].isdigit()):
        return int(value)
    return None


class DatabaseCache(DjangoDatabaseCache):
    """Django's DatabaseCache with atomic counters: Django's incr() reads the value and writes it
    back, so two servers counting at once both wrote the same number, and a burst of parallel
    wrong passwords counted as one. count() is one statement (an upsert adding in SQL): the
    throttle counts every API request, and the lock-read-write-commit it replaced took four round
    trips and held a row lock across them, which queued all requests of one token."""

    def _sql_names(self, connection):
        quote_name = connection.ops.quote_name
        return tuple(quote_name(name) for name in (self._table, "cache_key", "value", "expires"))

    def count(self, key, timeout, delta=1, version=None):
        """Adds `delta` to the counter `key`, creating it (with `timeout`) when missing or expired;
        returns the new count. One statement, in autocommit."""
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table, cache_key, value_column, expires = self._sql_names(connection)
        now_dt = datetime.now(UTC).replace(microsecond=0)
        now = connection.ops.adapt_datetimefield_value(now_dt)
        until = connection.ops.adapt_datetimefield_value(now_dt + timedelta(seconds=int(timeout)))
        integer = "bigint" if connection.vendor == "postgresql" else "integer"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({cache_key}, {value_column}, {expires}) VALUES (%s, %s, %s) "
                f"ON CONFLICT ({cache_key}) DO UPDATE SET "
                f"{value_column} = CASE WHEN {table}.{expires} > %s "
                f"THEN CAST(CAST({table}.{value_column} AS {integer}) + %s AS text) ELSE excluded.{value_column} END, "
                f"{expires} = CASE WHEN {table}.{expires} > %s THEN {table}.{expires} ELSE excluded.{expires} END "
                f"RETURNING {value_column}",
                [key, str(delta), until, now, delta, now],
            )
            value = int(cursor.fetchone()[0])
            if random.randrange(_CULL_ONE_IN) == 0:
                # Each throttle window is a key of its own: expired ones would pile up.
                cursor.execute(f"DELETE FROM {table} WHERE {expires} < %s", [now])
        return value

    def get_many(self, keys, version=None):
        """Django's, reading count()'s plain numbers too."""
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        connection = connections[router.db_for_read(self.cache_model_class)]
        table, cache_key, value_column, expires = self._sql_names(connection)
        now = connection.ops.adapt_datetimefield_value(datetime.now(UTC).replace(microsecond=0))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {cache_key}, {value_column} FROM {table} "
                f"WHERE {cache_key} IN ({', '.join(['%s'] * len(key_map))}) AND {expires} > %s",
                [*key_map, now],
            )
            rows = cursor.fetchall()
        result = {}
        for key, value in rows:
            value = connection.ops.process_clob(value)
            number = _plain_int(value)
            result[key_map[key]] = number if number is not None else pickle.loads(base64.b64decode(value.encode()))
        return result

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table, cache_key, value_column, expires = self._sql_names(connection)
        now = connection.ops.adapt_datetimefield_value(datetime.now(UTC).replace(microsecond=0))
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}", [key, now]
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            number = _plain_int(row[0])
            if number is not None:  # a count() counter stays plain
                value = number + delta
                encoded = str(value)
            else:
                value = pickle.loads(base64.b64decode(row[0].encode())) + delta
                encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {value_column} = %s WHERE {cache_key} = %s", [encoded, key])
        return value


class CacheRouter:
    """Sends the database cache's reads and writes to the `cache` alias. Its table is created in
    the main database by a migration (assets 0006) or `createcachetable`, and the `cache` alias
    points at that database; test runs give the alias a test database of its own, whose table
    Django's test setup makes with `createcachetable`."""

    def db_for_read(self, model, **hints):
        return CACHE_ALIAS if model._meta.app_label == "django_cache" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == "django_cache":
            # Made through either alias: outside tests both are the same database.
            return True
        # The cache alias is the same database (or, in tests, one holding only the cache table).
        return False if db == CACHE_ALIAS else None
