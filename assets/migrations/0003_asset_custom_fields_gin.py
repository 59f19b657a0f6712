"""A GIN index (jsonb_path_ops) on assets_asset.custom_fields, on PostgreSQL only.

Custom-field equality filters on GET /assets add a `custom_fields @> {code: value}` condition
that this index answers (assets.queries.cf_filter). SQLite has neither GIN nor jsonb, so the
index is raw SQL run only on PostgreSQL and stays out of the model state: in Asset.Meta.indexes
it would be rebuilt by SQLite's table remake on any later AlterField of Asset and fail there.
"""

from django.db import migrations

INDEX = "asset_custom_fields_gin"


class RunSQLOnPostgreSQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0002_asset_custom_fields_unicode"),
    ]

    operations = [
        RunSQLOnPostgreSQL(
            sql=f'CREATE INDEX "{INDEX}" ON "assets_asset" USING gin ("custom_fields" jsonb_path_ops)',
            reverse_sql=f'DROP INDEX "{INDEX}"',
        ),
    ]
