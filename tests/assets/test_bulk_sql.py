"""assets.core.db.bulk_sql against the ORM: what its INSERTs store reads back as the ORM's writes."""

import datetime
import decimal
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assets.core.db.bulk_sql import CHANGE_LOG_COLUMNS, insert_change_entries, json_string, json_text
from assets.models import ChangeLogEntry
from tests.factories import make_org, make_user


@pytest.mark.parametrize("value", [
    {"license_plate": "HH-Ä 1", "fuel_capacity_l": 12.5, "in_service": True, "none": None},
    {"nested": [1, 2.0, {"q": 'say "hi" \\ \n'}], "big": 2**62, "float": 1e-7},
    {"when": datetime.date(2026, 12, 3), "amount": decimal.Decimal("1.10")},
    [], "text with \u2603", 7,
])
def test_json_text_is_the_text_json_dumps_gives(value):
    assert json_text(value) == json.dumps(value, cls=DjangoJSONEncoder)


def test_json_string_quotes_as_json_dumps_does():
    for text in ("plain", 'quo"te', "back\\slash", "Müller", "tab\t", "\x7f"):
        assert json_string(text) == json.dumps(text)


@pytest.mark.parametrize("rows", [1, 2, 7])
def test_change_entries_with_shared_columns_read_back_as_written(db, rows):
    """Rows that share most columns are bound once per statement on SQLite (INSERT ... SELECT
    FROM (VALUES ...)); each must still get every column."""
    org, user = make_org("acme"), make_user("ops")
    now = timezone.now()
    after = [json_text({"key": f"a-{n}", "title": f"Ä {n}"}) for n in range(rows)]
    entries = [(now, user.pk, "ops", "create", "asset", 100 + n, f"Asset {n}", org.pk, None, after[n], "req-1", None)
               for n in range(rows)]
    # One row that differs in a column the others share.
    entries.append((now, None, "", "update", "asset", 999, "Other", org.pk, {"key": "b"}, {"key": "c"}, "req-1", None))
    insert_change_entries(entries, batch_size=3)
    stored = ChangeLogEntry.objects.order_by("object_id")
    assert len(stored) == rows + 1
    for entry, expected in zip(stored, sorted(entries, key=lambda e: e[5]), strict=True):
        values = dict(zip(CHANGE_LOG_COLUMNS, expected, strict=True))
        if isinstance(values["after"], str):
            values["after"] = json.loads(values["after"])
        assert (entry.time, entry.user_id, entry.user_name, entry.action, entry.object_type, entry.object_id,
                entry.object_repr, entry.organization_id, entry.before, entry.after, entry.request_id,
                entry.version) == tuple(values.values())
