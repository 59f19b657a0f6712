"""The database cache's table (throttle counts and sign-in back-off), so that `migrate` alone
prepares a fresh database: `make run`, `.ci/run` and deployments need no createcachetable step.
It is made in the main database, which the `cache` alias (config/cache.py) points at. With
REDIS_URL set there is no database cache, and nothing to make."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0006_api_token_read_only_scope_allowed_ips"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=True),
    ]
