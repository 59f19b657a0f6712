"""Writes that change assets the caller did not name (a deleted asset's references dropped, a
field deleted with its values) bump each asset's version and log it, with one versioned
UPDATE for all of them (assets.core.versioning)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset, ChangeLogEntry
from tests.factories import make_asset, make_type


def _asset_updates(queries) -> list[str]:
    start = f'UPDATE "{Asset._meta.db_table}" '
    return [q["sql"] for q in queries if q["sql"].startswith(start)]


def test_deleting_an_asset_bumps_and_logs_every_asset_that_named_it_in_one_update(admin_api, org):
    room_type = make_type(org, "room", [{"code": "building", "field_type": "ASSET"},
                                        {"code": "annex", "field_type": "ASSET"}])
    building = make_asset(org, room_type, "Main building")
    rooms = [make_asset(org, room_type, f"Room {n}", custom_fields={"building": building.pk}) for n in range(3)]
    both = make_asset(org, room_type, "Room both", custom_fields={"building": building.pk, "annex": building.pk})
    other = make_asset(org, room_type, "Unrelated")
    with CaptureQueriesContext(connection) as queries:
        assert admin_api.delete(f"/assets/{building.pk}").status_code == 204
    assert len(_asset_updates(queries.captured_queries)) == 1
    for holder in [*rooms, both]:
        stored = Asset.objects.get(pk=holder.pk)
        assert stored.version == holder.version + 1 and stored.custom_fields == {}
        (entry,) = ChangeLogEntry.objects.filter(object_type="asset", object_id=holder.pk, action="update")
        assert entry.before["custom_fields"] == holder.custom_fields and entry.after["custom_fields"] == {}
    assert Asset.objects.get(pk=other.pk).version == other.version
    assert not ChangeLogEntry.objects.filter(object_type="asset", object_id=other.pk, action="update").exists()


def test_deleting_a_field_with_its_values_bumps_and_logs_every_holder_in_one_update(admin_api, org):
    kind = make_type(org, "meter", [{"code": "serial", "field_type": "STRING"},
                                    {"code": "note", "field_type": "STRING"}])
    holders = [make_asset(org, kind, f"Meter {n}", custom_fields={"serial": f"S-{n}", "note": "x"}) for n in range(3)]
    bare = make_asset(org, kind, "Meter without serial", custom_fields={"note": "y"})
    with CaptureQueriesContext(connection) as queries:
        response = admin_api.delete(f"/asset-types/{kind.pk}/fields/serial?drop_values=true")
    assert response.status_code == 200, response.content
    assert len(_asset_updates(queries.captured_queries)) == 1
    for n, holder in enumerate(holders):
        stored = Asset.objects.get(pk=holder.pk)
        assert stored.version == holder.version + 1 and stored.custom_fields == {"note": "x"}
        (entry,) = ChangeLogEntry.objects.filter(object_type="asset", object_id=holder.pk, action="update")
        assert entry.before["custom_fields"] == {"serial": f"S-{n}", "note": "x"}
        assert entry.after["custom_fields"] == {"note": "x"}
    assert Asset.objects.get(pk=bare.pk).version == bare.version
