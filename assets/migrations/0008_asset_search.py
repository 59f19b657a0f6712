"""The full-text index of global search (assets.services.search), PostgreSQL only: SQLite
searches without it."""

from django.db import migrations

# The expression assets.services.search.ASSET_DOCUMENT matches against: title, key and the string
# values of custom fields (localized ones are objects of strings, walked too).
INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS asset_search ON assets_asset USING gin (("
    "to_tsvector('simple'::regconfig, (title)::text || ' ' || (key)::text)"
    " || jsonb_to_tsvector('simple'::regconfig, custom_fields, '[\"string\"]'::jsonb)))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS asset_search")


class Migration(migrations.Migration):
    dependencies = [("assets", "0007_database_cache_table")]

    operations = [migrations.RunPython(create_index, drop_index)]
