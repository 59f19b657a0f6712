"""A delete's delivery carries the version the object had when it was deleted: the row is gone
when the change is logged, so the outbox trigger reads it from the change-log entry
(assets 0014) instead of leaving it empty. The rest of the trigger is 0003's, unchanged."""

from importlib import import_module

from django.db import migrations

previous = import_module("assets.events.migrations.0003_delivery_version")


def _statements(vendor: str) -> list[str]:
    row = {"sqlite": "NEW", "postgresql": "n"}[vendor]
    built = {"sqlite": previous.sqlite, "postgresql": previous.postgresql}[vendor](True)
    empty = f"CASE WHEN {row}.action = 'delete' THEN NULL ELSE"
    assert all(empty in sql for sql in built if "INSERT INTO events_delivery" in sql), "0003's trigger changed"
    return [sql.replace(empty, f"CASE WHEN {row}.action = 'delete' THEN {row}.version ELSE") for sql in built]


def forwards(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("events", "0003_delivery_version"), ("assets", "0014_change_version")]

    operations = [migrations.RunPython(forwards, previous._run(True))]
