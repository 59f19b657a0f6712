"""The transactional outbox: a trigger on the change log writes the pending deliveries.

Every change-log row (single services, bulk paths, imports writing rows directly) gets one pending
delivery per enabled rule of its organization whose object types, actions and asset type codes
match, in the same transaction as the change. PostgreSQL runs it once per statement over the
inserted rows (one set-based INSERT for a bulk write); SQLite once per row.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER events_outbox AFTER INSERT ON assets_changelogentry
    WHEN NEW.organization_id IS NOT NULL
    BEGIN
        INSERT INTO events_delivery (rule_id, change_id, status, attempts, last_error, created_at, next_attempt_at)
        SELECT r.id, NEW.id, 'pending', 0, '', NEW.time, NEW.time
        FROM events_eventrule r
        WHERE r.organization_id = NEW.organization_id AND r.enabled
          AND EXISTS (SELECT 1 FROM json_each(r.object_types) WHERE value = NEW.object_type)
          AND EXISTS (SELECT 1 FROM json_each(r.actions) WHERE value = NEW.action)
          AND (json_array_length(r.asset_type_codes) = 0 OR NEW.object_type <> 'asset' OR EXISTS (
              SELECT 1 FROM assets_assettype t, json_each(r.asset_type_codes) c
              WHERE t.id = COALESCE(json_extract(NEW.after, '$.type_id'), json_extract(NEW.before, '$.type_id'))
                AND t.code = c.value));
    END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS events_outbox"]

POSTGRESQL = [
    """
    CREATE FUNCTION events_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_delivery (rule_id, change_id, status, attempts, last_error, created_at, next_attempt_at)
        SELECT r.id, n.id, 'pending', 0, '', n.time, n.time
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
    """
    CREATE TRIGGER events_outbox AFTER INSERT ON assets_changelogentry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION events_outbox()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS events_outbox ON assets_changelogentry",
    "DROP FUNCTION IF EXISTS events_outbox()",
]


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
