"""The database cache's table (throttle counts and sign-in back-off), so that `migrate` alone
prepares a fresh database: `make run`, `.ci/run` and deployments need no createcachetable step.
It is made in the main database, which the `cache` alias (config/cache.py) points at."""

from django.conf import settings
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations
from django.utils.module_loading import import_string


def create_cache_tables(apps, schema_editor):
    for cache in settings.CACHES.values():
        if issubclass(import_string(cache["BACKEND"]), BaseDatabaseCache):
            CreateCacheTable().create_table(schema_editor.connection.alias, cache["LOCATION"], dry_run=False)


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0005_api_token_read_only_scope_allowed_ips"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=True),
    ]
