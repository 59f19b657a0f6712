"""Global search at a million assets, PostgreSQL only (SQLite keeps its FTS5 table of 0009).

The words of an asset (title, key, the string values of custom fields, localized ones included)
move from the expression index of 0008 into a stored generated column with its own GIN index.
A query that mixes a frequent word with a rare one ("asset 0042") makes the index answer "maybe"
for each candidate, and PostgreSQL then rechecks every row: with the expression index that meant
building the row's tsvector again (~10 µs a row, 10 ms for a thousand candidates); with the column
it reads it. ts_rank reads it too. The column is computed by PostgreSQL on every write, so bulk
SQL, imports and the services all feed it."""

from django.db import migrations

DOCUMENT = (
    "to_tsvector('simple'::regconfig, (title)::text || ' ' || (key)::text)"
    " || jsonb_to_tsvector('simple'::regconfig, custom_fields, '[\"string\"]'::jsonb)"
)

FORWARD = [
    f"ALTER TABLE assets_asset ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    # fastupdate off for the same reason as 0009: no pending list for every search to scan.
    "CREATE INDEX IF NOT EXISTS asset_search_vector ON assets_asset USING gin (search_vector) WITH (fastupdate = off)",
    "DROP INDEX IF EXISTS asset_search",
    "ANALYZE assets_asset",
]

BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS asset_search ON assets_asset USING gin (({DOCUMENT})) WITH (fastupdate = off)",
    "DROP INDEX IF EXISTS asset_search_vector",
    "ALTER TABLE assets_asset DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("assets", "0011_merge_import_jobs_and_saved_views")]

    operations = [migrations.RunPython(forward, backward)]
