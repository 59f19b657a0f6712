"""Deliveries carry the object's version after the change: the outbox trigger reads it from the
object's table in the change's transaction (so a later change can't leak into an earlier event)."""

from django.db import migrations, models

TABLES = {
    "organization": "assets_organization", "asset_type": "assets_assettype", "device": "assets_device",
    "asset": "assets_asset", "group": "groups_assetgroup", "link_type": "links_linktype", "link": "links_link",
}


def version_of(row: str) -> str:
    cases = " ".join(
        f"WHEN '{kind}' THEN (SELECT o.version FROM {table} o WHERE o.id = {row}.object_id)"
        for kind, table in TABLES.items()
    )
    return f"CASE {row}.object_type {cases} END"


SQLITE_MATCH = """
        FROM events_eventrule r
        WHERE r.organization_id = NEW.organization_id AND r.enabled
          AND EXISTS (SELECT 1 FROM json_each(r.object_types) WHERE value = NEW.object_type)
          AND EXISTS (SELECT 1 FROM json_each(r.actions) WHERE value = NEW.action)
          AND (json_array_length(r.asset_type_codes) = 0 OR NEW.object_type <> 'asset' OR EXISTS (
              SELECT 1 FROM assets_assettype t, json_each(r.asset_type_codes) c
              WHERE t.id = COALESCE(json_extract(NEW.after, '$.type_id'), json_extract(NEW.before, '$.type_id'))
                AND t.code = c.value));
"""


def sqlite(with_version: bool):
    columns = "rule_id, change_id, status, attempts, last_error, created_at, next_attempt_at"
    values = "r.id, NEW.id, 'pending', 0, '', NEW.time, NEW.time"
    if with_version:
        columns += ", version"
        values += f", CASE WHEN NEW.action = 'delete' THEN NULL ELSE {version_of('NEW')} END"
    return [
        "DROP TRIGGER IF EXISTS events_outbox",
        f"""
    CREATE TRIGGER events_outbox AFTER INSERT ON assets_changelogentry
    WHEN NEW.organization_id IS NOT NULL
    BEGIN
        INSERT INTO events_delivery ({columns})
        SELECT {values}
        {SQLITE_MATCH}
    END
    """,
    ]


def postgresql(with_version: bool):
    columns = "rule_id, change_id, status, attempts, last_error, created_at, next_attempt_at"
    values = "r.id, n.id, 'pending', 0, '', n.time, n.time"
    if with_version:
        columns += ", version"
        values += f", CASE WHEN n.action = 'delete' THEN NULL ELSE {version_of('n')} END"
    return [
        f"""
    CREATE OR REPLACE FUNCTION events_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_delivery ({columns})
        SELECT {values}
        FROM new_rows n
        JOIN events_eventrule r ON r.organization_id = n.organization_id AND r.enabled
        WHERE r.object_types ? n.object_type AND r.actions ? n.action
          AND (jsonb_array_length(r.asset_type_codes) = 0 OR n.object_type <> 'asset' OR EXISTS (
              SELECT 1 FROM assets_assettype t
              WHERE t.id = COALESCE(n.after ->> 'type_id', n.before ->> 'type_id')::bigint
                AND r.asset_type_codes ? t.code))
        ORDER BY n.id, r.id;
        RETURN NULL;
    END $$
    """,
    ]


def _run(with_version: bool):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in {"sqlite": sqlite, "postgresql": postgresql}[vendor](with_version):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("events", "0002_outbox_trigger"), ("groups", "0002_group_code"), ("links", "0002_system_link_types")]

    operations = [
        migrations.AddField(model_name="delivery", name="version", field=models.BigIntegerField(blank=True, null=True)),
        migrations.RunPython(_run(True), _run(False)),
    ]
