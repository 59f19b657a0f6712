"""`import_assets --update` against writers that change the same assets meanwhile: the bulk
write locks the rows it read and refuses the file when any changed since, so no update is lost
and every change-log "before" is the state that was really replaced."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from assets.models import Asset, ChangeLogEntry
from assets.transfer import assets_io
from tests.factories import make_org, make_type, make_user

KEYS = 3000


@pytest.fixture
def fleet(db):
    org = make_org("translog")
    truck = make_type(org, "delivery_truck", [{"code": "license_plate", "field_type": "STRING"}])
    make_user("ops", superuser=True)
    return org, truck


def _seed(org, truck, count):
    Asset.objects.bulk_create(
        Asset(organization=org, type=truck, key=f"t-{i:05d}", title=f"Truck {i}", custom_fields={"license_plate": "X"})
        for i in range(count)
    )


def _file(tmp_path, name, count, title):
    path = tmp_path / f"{name}.csv"
    path.write_text("key,title,type,license_plate\n" + "".join(
        f"t-{i:05d},{title} {i},delivery_truck,X\n" for i in range(count)), encoding="utf-8")
    return path


def _import(path):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_assets", str(path), "--organization", "translog", "--update", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), None
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc


def test_rows_changed_between_read_and_write_refuse_the_import(fleet, tmp_path, monkeypatch):
    org, truck = fleet
    _seed(org, truck, 3)
    real_lock = assets_io.lock_stale

    def concurrent_writer_first(model, read_versions):
        # Another writer commits between the importer's read and its write.
        Asset.objects.filter(key="t-00001").update(title="Meanwhile", version=F("version") + 1)
        return real_lock(model, read_versions)

    monkeypatch.setattr(assets_io, "lock_stale", concurrent_writer_first)
    _, err, error = _import(_file(tmp_path, "a", 3, "File"))
    assert error is not None and error.returncode == 1
    assert "line 3: key: the asset 't-00001' changed while importing (version 1, now 2); run again" in err
    # Nothing of the file was written (the stand-in writer shares the import's connection, so it
    # rolled back with it).
    assert not Asset.objects.filter(title__startswith="File").exists()
    assert not ChangeLogEntry.objects.filter(action="update").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL's concurrency")
@pytest.mark.django_db(transaction=True)
def test_parallel_updates_of_the_same_keys_lose_nothing(tmp_path):
    org = make_org("translog")
    truck = make_type(org, "delivery_truck", [{"code": "license_plate", "field_type": "STRING"}])
    make_user("ops", superuser=True)
    _seed(org, truck, KEYS)
    paths = [_file(tmp_path, "a", KEYS, "First"), _file(tmp_path, "b", KEYS, "Second")]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = _import(paths[index])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    succeeded = [r for r in results if r[2] is None]
    refused = [r for r in results if r[2] is not None]
    assert succeeded, results
    for out, _, _ in succeeded:
        assert f"0 created, {KEYS} updated" in out
    for _, err, _ in refused:
        lines = err.strip().splitlines()
        assert len(lines) == KEYS and all("changed while importing (version 1, now 2)" in line for line in lines)
    expected_version = 1 + len(succeeded)
    assert set(Asset.objects.filter(organization=org).values_list("version", flat=True)) == {expected_version}
    entries = list(ChangeLogEntry.objects.filter(object_type="asset", action="update").order_by("pk"))
    assert len(entries) == KEYS * len(succeeded)
    chains: dict[int, list] = {}
    for entry in entries:
        chains.setdefault(entry.object_id, []).append((entry.before["title"], entry.after["title"]))
    titles = dict(Asset.objects.filter(organization=org).values_list("pk", "title"))
    for pk, chain in chains.items():
        # Each update replaced what the previous one wrote: the "before"s chain up to the stored title.
        assert chain[0][0].startswith("Truck ")
        assert all(chain[n][1] == chain[n + 1][0] for n in range(len(chain) - 1)), chain
        assert chain[-1][1] == titles[pk]
