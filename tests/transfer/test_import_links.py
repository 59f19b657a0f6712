import io

import pytest
from django.core.management import CommandError, call_command

from assets.models import ChangeLogEntry
from links.models import Link
from tests.factories import grant, make_asset, make_org, make_type, make_user

HEADER = "source_key,target_key,link_type,alias,tags,properties,sequence\n"


@pytest.fixture
def building(db):
    org = make_org("architecture-db")
    kind = make_type(org, "part")
    for key in ("building", "floor-1", "floor-2", "room-101", "room-102", "other"):
        make_asset(org, kind, key.title(), key=key)
    make_user("ops", superuser=True)
    return org


def run(text, *args, tmp_path, fmt="csv"):
    path = tmp_path / f"links.{fmt}"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_links", str(path), "--organization", "architecture-db", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), None
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc


def test_links_import_with_aliases_tags_properties_and_change_log(building, tmp_path):
    text = HEADER + (
        'building,floor-1,parent_child,floor-1,"[""structural"", ""active""]",{},1\n'
        "building,floor-2,parent_child,,structural;active,,2\n"
        "floor-1,room-101,parent_child,,,,\n"
        'building,other,related,,,"{""note"": ""x""}",\n'
    )
    out, err, error = run(text, tmp_path=tmp_path)
    assert error is None, err
    assert "4 created" in out
    floor1 = Link.objects.get(source__key="building", target__key="floor-1")
    assert (floor1.alias, floor1.tags, floor1.sequence) == ("floor-1", ["structural", "active"], 1)
    assert Link.objects.get(link_type__code="related").properties == {"note": "x"}
    assert ChangeLogEntry.objects.filter(object_type="link", action="create").count() == 4


def test_a_cycle_inside_the_file_is_reported_and_nothing_written(building, tmp_path):
    text = HEADER + "building,floor-1,parent_child,,,,\nfloor-1,room-101,parent_child,,,,\nroom-101,building,parent_child,,,,\n"
    _, err, error = run(text, tmp_path=tmp_path)
    assert error is not None
    assert "line 4: link_type: parent_child would become a cycle" in err
    assert not Link.objects.exists()


def test_cycle_with_stored_links_and_duplicates_and_missing_assets(building, tmp_path):
    run(HEADER + "building,floor-1,parent_child,,,,\n", tmp_path=tmp_path)
    text = HEADER + (
        "floor-1,building,parent_child,,,,\n"
        "building,floor-1,parent_child,,,,\n"
        "building,floor-2,related,,,,\n"
        "floor-2,building,related,,,,\n"
        "building,nowhere,related,,,,\n"
        "building,building,related,,,,\n"
        "building,floor-2,related,oops,,,\n"
    )
    _, err, error = run(text, tmp_path=tmp_path)
    assert "line 2: link_type: parent_child would become a cycle" in err
    assert "line 3: target_key: this link exists (use --update to change it)" in err
    assert "line 5: target_key: the same link is on line 4" in err
    assert "line 6: target_key: no asset with key 'nowhere' in architecture-db" in err
    assert "line 7: target_key: a link can't connect an asset to itself" in err
    assert "line 8: alias: link type related does not allow aliases" in err
    assert Link.objects.count() == 1


def test_update_upserts_and_export_round_trips(building, tmp_path):
    run(HEADER + "building,floor-1,parent_child,f1,,,1\nbuilding,other,related,,,,\n", tmp_path=tmp_path)
    out, err, error = run(HEADER + "building,floor-1,parent_child,f1,new,,5\n", "--update", tmp_path=tmp_path)
    assert error is None, err
    assert "0 created, 1 updated" in out
    link = Link.objects.get(alias="f1")
    assert (link.tags, link.sequence, link.version) == (["new"], 5, 2)
    for fmt in ("csv", "jsonl", "json"):
        target = tmp_path / f"export.{fmt}"
        call_command("export_links", str(target), "--organization", "architecture-db", stdout=io.StringIO())
        out = io.StringIO()
        call_command("import_links", str(target), "--organization", "architecture-db", "--update", stdout=out,
                     stderr=io.StringIO())
        assert "0 created, 0 updated, 2 unchanged, 0 failed" in out.getvalue(), fmt


def test_links_need_change_permission_on_both_endpoints(building, tmp_path):
    clerk = make_user("clerk")
    grant(clerk, "view_org_assets", building)
    from assets.models import Asset

    grant(clerk, "change_asset", Asset.objects.get(key="building"))
    _, err, error = run(HEADER + "building,floor-1,parent_child,,,,\n", "--user", "clerk", tmp_path=tmp_path)
    assert error is not None and "line 2: target_key: you may not change asset 'floor-1'" in err
    grant(clerk, "change_asset", Asset.objects.get(key="floor-1"))
    _, err, error = run(HEADER + "building,floor-1,parent_child,,,,\n", "--user", "clerk", tmp_path=tmp_path)
    assert error is None, err


def test_an_unknown_csv_column_is_reported(building, tmp_path):
    text = "source_key,target_key,link_type,alais\nbuilding,floor-1,parent_child,main\n"
    _, err, error = run(text, tmp_path=tmp_path)
    assert error is not None
    assert "line 2: alais: is not a column of a links file" in err
    assert not Link.objects.exists()


def test_nan_in_csv_properties_is_not_accepted(building, tmp_path):
    text = HEADER + 'building,other,related,,,"{""x"": NaN}",\n'
    _, err, error = run(text, tmp_path=tmp_path)
    assert error is not None and "line 2: properties:" in err
    assert not Link.objects.exists()


def test_update_of_a_link_changed_since_it_was_read_refuses_the_file(building, tmp_path, monkeypatch):
    from django.db.models import F

    from links import transfer

    run(HEADER + "building,floor-1,parent_child,f1,old,,1\n", tmp_path=tmp_path)
    real_lock = transfer.lock_stale

    def concurrent_writer_first(model, read_versions):
        Link.objects.update(sequence=9, version=F("version") + 1)  # another writer, between read and write
        return real_lock(model, read_versions)

    monkeypatch.setattr(transfer, "lock_stale", concurrent_writer_first)
    _, err, error = run(HEADER + "building,floor-1,parent_child,f1,new,,5\n", "--update", tmp_path=tmp_path)
    assert error is not None
    assert "line 2: target_key: the link changed while importing (version 1, now 2); run again" in err
    link = Link.objects.get()
    assert link.tags == ["old"] and not ChangeLogEntry.objects.filter(object_type="link", action="update").exists()
