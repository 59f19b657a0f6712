"""The full-text index of global search on SQLite: an FTS5 table of each asset's title, key and
custom-field text (localized strings included), kept in step by triggers so every write path
(services, bulk SQL, imports) feeds it. PostgreSQL indexes the same words through 0008_asset_search.
The unicode61 tokenizer splits words like PostgreSQL's 'simple' parser does, so a query's words
match prefixes of the same tokens on both databases.

On PostgreSQL the GIN index of 0008 stops buffering new entries in its pending list: every search
scans that list whole (up to gin_pending_list_limit, ~45 ms at 4 MB), while writing an asset's few
words straight into the index costs little."""

from django.db import migrations

DOCUMENT = (
    "{row}.title || ' ' || {row}.key || ' ' || coalesce("
    "(SELECT group_concat(value, ' ') FROM json_tree({row}.custom_fields) WHERE type = 'text'), '')"
)

CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS asset_search USING fts5(body, tokenize = 'unicode61')",
    f"INSERT INTO asset_search(rowid, body) SELECT id, {DOCUMENT.format(row='assets_asset')} FROM assets_asset",
    "CREATE TRIGGER asset_search_insert AFTER INSERT ON assets_asset BEGIN "
    f"INSERT INTO asset_search(rowid, body) VALUES (new.id, {DOCUMENT.format(row='new')}); END",
    "CREATE TRIGGER asset_search_update AFTER UPDATE OF title, key, custom_fields ON assets_asset BEGIN "
    "DELETE FROM asset_search WHERE rowid = old.id; "
    f"INSERT INTO asset_search(rowid, body) VALUES (new.id, {DOCUMENT.format(row='new')}); END",
    "CREATE TRIGGER asset_search_delete AFTER DELETE ON assets_asset BEGIN "
    "DELETE FROM asset_search WHERE rowid = old.id; END",
]

DROP = [
    "DROP TRIGGER IF EXISTS asset_search_insert",
    "DROP TRIGGER IF EXISTS asset_search_update",
    "DROP TRIGGER IF EXISTS asset_search_delete",
    "DROP TABLE IF EXISTS asset_search",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX IF EXISTS asset_search SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list('asset_search'::regclass)")
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX IF EXISTS asset_search RESET (fastupdate)")
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("assets", "0008_asset_search")]

    operations = [migrations.RunPython(create, drop)]
