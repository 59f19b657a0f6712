"""The database cache, on a connection of its own.

Throttle counters live in Django's cache. In the database they go through the `cache` database
alias: a second connection to the same database, so that (1) a count survives the rollback of the
request that made it (a failed sign-in inside a transaction still counts) and (2) the requests'
own connection runs no more queries than before (the query counts pinned in the tests are on the
`default` connection)."""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction

CACHE_ALIAS = "cache"


class DatabaseCache(DjangoDatabaseCache):
    """Django's DatabaseCache with an atomic incr(): Django's reads the value and writes it back,
    so two servers counting at once both wrote the same number, and a burst of parallel wrong
    passwords counted as one."""

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table, cache_key, value_column, expires = (
            quote_name(name) for name in (self._table, "cache_key", "value", "expires")
        )
        now = connection.ops.adapt_datetimefield_value(datetime.now(UTC).replace(microsecond=0))
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}", [key, now]
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
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
