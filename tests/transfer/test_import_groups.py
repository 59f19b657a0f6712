import io

import pytest
from django.core.management import CommandError, call_command

from assets.models import Asset
from groups.models import AssetGroup, GroupMembership
from tests.factories import grant, make_org, make_type, make_user


@pytest.fixture
def fleet(db):
    org = make_org("translog")
    truck = make_type(org, "truck")
    make_user("ops", superuser=True)
    return org, truck


def run(command, text, *args, tmp_path, fmt="csv"):
    path = tmp_path / f"{command}.{fmt}"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, str(path), "--organization", "translog", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), None
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc


def assert_tree_valid():
    for group in AssetGroup.objects.all():
        children = list(AssetGroup.objects.filter(parent=group))
        for child in children:
            assert group.lft < child.lft < child.rght < group.rght
            assert child.tree_id == group.tree_id and child.level == group.level + 1
    roots = AssetGroup.objects.filter(parent__isnull=True)
    assert len(set(roots.values_list("tree_id", flat=True))) == roots.count()


def test_groups_import_creates_paths_with_missing_ancestors(fleet, tmp_path):
    text = "path,description,exclusive\nGermany,Regions,true\nGermany/North/Hamburg depot,HH,\nGermany/South/Munich depot,,\nBoston boats,,\n"
    out, err, error = run("import_groups", text, tmp_path=tmp_path)
    assert error is None, err
    assert "4 created" in out
    hamburg = AssetGroup.objects.get(title="Hamburg depot")
    assert [g.title for g in hamburg.get_ancestors()] == ["Germany", "North"]
    assert hamburg.exclusive and hamburg.description == "HH"
    assert AssetGroup.objects.count() == 6
    assert_tree_valid()
    out, _, error = run("import_groups", text, "--update", tmp_path=tmp_path)
    assert "0 created, 0 updated, 4 unchanged" in out


def test_groups_import_reports_every_bad_row(fleet, tmp_path):
    text = "path,description,exclusive\nA//B,,\nA/B,,true\nA,,maybe\nC,,\nC,,\n"
    _, err, error = run("import_groups", text, tmp_path=tmp_path)
    assert error is not None
    assert "line 2: path:" in err and "line 3: exclusive: only a root group" in err
    assert "line 4: exclusive: must be true or false" in err and "line 6: path: also on line 5" in err
    assert not AssetGroup.objects.exists()


def test_groups_import_needs_manage_org(fleet, tmp_path):
    org, _ = fleet
    clerk = make_user("clerk")
    grant(clerk, "change_org_assets", org)
    _, err, error = run("import_groups", "path\nA\n", "--user", "clerk", tmp_path=tmp_path)
    assert error is not None and "needs manage_org" in err


def test_asset_import_files_assets_into_groups_and_round_trips(fleet, tmp_path):
    run("import_groups", "path,exclusive\nGermany,true\nGermany/North/Hamburg depot,\nGermany/Berlin depot,\nBoston boats,\n",
        tmp_path=tmp_path)
    text = ("key,title,type,groups\n"
            "b44,Truck B-44,truck,Germany/North/Hamburg depot;Boston boats\n"
            "b12,Truck B-12,truck,Germany/Berlin depot\n"
            "bad,Bad,truck,Germany/North/Hamburg depot;Germany/Berlin depot\n"
            "lost,Lost,truck,Nowhere\n")
    _, err, error = run("import_assets", text, tmp_path=tmp_path)
    assert "line 4: groups: 'Germany/Berlin depot' and 'Germany/North/Hamburg depot' are in the same exclusive tree" in err
    assert "line 5: groups: no group at 'Nowhere'" in err
    assert not Asset.objects.exists()
    good = "\n".join(text.splitlines()[:3]) + "\n"
    out, err, error = run("import_assets", good, tmp_path=tmp_path)
    assert error is None, err
    b44 = Asset.objects.get(key="b44")
    assert sorted(GroupMembership.objects.filter(asset=b44).values_list("group__title", flat=True)) == [
        "Boston boats", "Hamburg depot"]
    moved = good.replace("b12,Truck B-12,truck,Germany/Berlin depot", "b12,Truck B-12,truck,Germany/North/Hamburg depot")
    out, err, error = run("import_assets", moved, "--update", tmp_path=tmp_path)
    assert "1 updated, 1 unchanged" in out, err
    assert GroupMembership.objects.get(asset__key="b12").group.title == "Hamburg depot"
    export = tmp_path / "assets.jsonl"
    call_command("export_assets", str(export), "--organization", "translog", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_assets", str(export), "--organization", "translog", "--update", stdout=out, stderr=io.StringIO())
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()
    groups_export = tmp_path / "groups.csv"
    call_command("export_groups", str(groups_export), "--organization", "translog", stdout=io.StringIO())
    out, err, error = run("import_groups", groups_export.read_text(), "--update", tmp_path=tmp_path)
    assert error is None and "0 created, 0 updated, 5 unchanged" in out, err


@pytest.fixture
def depot_user(fleet, tmp_path):
    """Truck a1 is in Hamburg depot and Berlin depot; rvuser holds grants on Hamburg depot only."""
    org, _ = fleet
    run("import_groups", "path\nGermany/North/Hamburg depot\nGermany/North/Berlin depot\n", tmp_path=tmp_path)
    text = "key,title,type,groups\na1,Truck A1,truck,Germany/North/Hamburg depot;Germany/North/Berlin depot\n"
    _, err, error = run("import_assets", text, tmp_path=tmp_path)
    assert error is None, err
    user = make_user("rvuser")
    hamburg = AssetGroup.objects.get(title="Hamburg depot")
    grant(user, "change_group", hamburg)
    grant(user, "change_group_assets", hamburg)
    return user


def test_exports_leave_out_groups_and_ancestors_the_user_cannot_see(depot_user, tmp_path):
    assets_export = tmp_path / "assets.csv"
    call_command("export_assets", str(assets_export), "--organization", "translog", "--user", "rvuser",
                 stdout=io.StringIO())
    text = assets_export.read_text()
    assert "Hamburg depot" in text
    assert "Berlin" not in text and "Germany" not in text and "North" not in text
    groups_export = tmp_path / "groups.csv"
    call_command("export_groups", str(groups_export), "--organization", "translog", "--user", "rvuser",
                 stdout=io.StringIO())
    assert groups_export.read_text().splitlines()[1:] == ["Hamburg depot,,,false"]


def test_asset_import_keeps_memberships_in_groups_the_user_cannot_see(depot_user, tmp_path):
    def titles():
        return sorted(GroupMembership.objects.filter(asset__key="a1").values_list("group__title", flat=True))

    out, err, error = run("import_assets", "key,title,type,groups\na1,Truck A1,truck,Hamburg depot\n",
                          "--update", "--user", "rvuser", tmp_path=tmp_path)
    assert error is None and "0 updated, 1 unchanged" in out, err
    assert titles() == ["Berlin depot", "Hamburg depot"]
    # Hidden groups are unknown by any path, and their ancestors' titles aren't confirmed.
    for hidden in ("Germany/North/Berlin depot", "Germany/North/Hamburg depot", "Germany"):
        _, err, error = run("import_assets", f"key,title,type,groups\na1,Truck A1,truck,{hidden}\n",
                            "--update", "--user", "rvuser", tmp_path=tmp_path)
        assert error is not None and f"no group at '{hidden}'" in err
    # Emptying the column takes the asset out of what the user may file in, nothing else.
    out, err, error = run("import_assets", "key,title,type,groups\na1,Truck A1,truck,\n",
                          "--update", "--user", "rvuser", tmp_path=tmp_path)
    assert error is None and "1 updated" in out, err
    assert titles() == ["Berlin depot"]


def test_filing_into_an_exclusive_tree_takes_the_asset_out_of_its_hidden_group(fleet, tmp_path):
    run("import_groups", "path,exclusive\nGermany,true\nGermany/Hamburg depot,\nGermany/Berlin depot,\nBoats,\n",
        tmp_path=tmp_path)
    _, err, error = run("import_assets", "key,title,type,groups\na1,Truck A1,truck,Germany/Berlin depot;Boats\n",
                        tmp_path=tmp_path)
    assert error is None, err
    user = make_user("rvuser")
    grant(user, "change_group_assets", AssetGroup.objects.get(title="Boats"))
    grant(user, "change_group", AssetGroup.objects.get(title="Hamburg depot"))
    out, err, error = run("import_assets", "key,title,type,groups\na1,Truck A1,truck,Boats;Hamburg depot\n",
                          "--update", "--user", "rvuser", tmp_path=tmp_path)
    assert error is None and "1 updated" in out, err
    assert sorted(GroupMembership.objects.filter(asset__key="a1").values_list("group__title", flat=True)) == [
        "Boats", "Hamburg depot"]


def test_groups_import_update_bumps_the_version_once_and_logs_it(fleet, tmp_path):
    from assets.models import ChangeLogEntry

    run("import_groups", "path,description\nGermany,Regions\nGermany/North,N\n", tmp_path=tmp_path)
    north = AssetGroup.objects.get(title="North")
    out, err, error = run("import_groups", "path,description\nGermany/North,Northern depots\n", "--update",
                          tmp_path=tmp_path)
    assert error is None, err
    north.refresh_from_db()
    assert (north.description, north.version) == ("Northern depots", 2)
    entry = ChangeLogEntry.objects.filter(object_type="group", object_id=north.pk, action="update").get()
    assert entry.before["description"] == "N" and entry.after["description"] == "Northern depots"
    assert AssetGroup.objects.get(title="Germany").version == 1
