"""Import speed: 100,000 assets with 3 custom fields through `import_assets` (validation,
device/permission checks, bulk INSERTs and bulk change-log entries) against a raw-SQL INSERT of
the same asset rows, both on the configured database (DATABASE_URL; SQLite by default).

    python bench/import_bench.py --assets 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

from _setup import ROOT, setup, vendor

# The floor of a whole import process: the interpreter, the CSV read and one executemany of the
# rows into the asset table, on the driver alone (no Django).
PLAIN_PROCESS = r"""
import csv, json, sys, datetime
path, vendor, target, org_id, type_id = sys.argv[1:6]
now = datetime.datetime.now(datetime.timezone.utc)
with open(path, encoding="utf-8", newline="") as stream:
    reader = csv.reader(stream)
    next(reader)
    rows = [(int(org_id), int(type_id), "p" + key, title,
             json.dumps({"license_plate": plate, "fuel_capacity_l": float(fuel), "in_service": service == "true"}),
             1, now, now)
            for key, title, _, plate, fuel, service in reader]
columns = "organization_id, type_id, key, title, custom_fields, version, created_at, updated_at"
if vendor == "postgresql":
    import psycopg
    with psycopg.connect(target) as connection, connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO assets_asset ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
else:
    import sqlite3
    connection = sqlite3.connect(target)
    with connection:
        connection.executemany(f"INSERT INTO assets_asset ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               [(*row[:6], row[6].isoformat(), row[7].isoformat()) for row in rows])
"""


def whole_process(args, user, asset_type, rows) -> None:
    """A `manage.py import_assets` run of --command-rows rows as a process of its own, against a
    plain Python process doing the same reads and inserts (PLAIN_PROCESS)."""
    from django.db import connection

    from assets.models import Asset, ChangeLogEntry, Organization

    run_id = secrets.token_hex(3)
    command_org = Organization.objects.create(key=f"bench-cmd-{run_id}", title="Bench command")
    plain_org = Organization.objects.create(key=f"bench-plain-{run_id}", title="Bench plain")
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "title", "type", "license_plate", "fuel_capacity_l", "in_service"])
        for key, title, values in rows[: args.command_rows]:
            writer.writerow([key, title, asset_type.code, values["license_plate"], values["fuel_capacity_l"],
                             "true" if values["in_service"] else "false"])
        path = handle.name
    settings_db = connection.settings_dict
    target = os.environ["DATABASE_URL"] if connection.vendor == "postgresql" else str(settings_db["NAME"])
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", PLAIN_PROCESS, path, connection.vendor, target, str(plain_org.pk),
                        str(asset_type.pk)], check=True, cwd=ROOT)
        plain_seconds = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "import_assets", path, "--organization", command_org.key,
                        "--user", user.username], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        command_seconds = time.perf_counter() - start
        assert Asset.objects.filter(organization=command_org).count() == args.command_rows
        assert Asset.objects.filter(organization=plain_org).count() == args.command_rows
        print(f"plain process  : {plain_seconds:8.2f} s  ({args.command_rows:,} rows: python, csv, executemany)")
        print(f"manage.py import_assets: {command_seconds:8.2f} s  (the whole process)")
        print(f"ratio command/plain: {command_seconds / plain_seconds:.2f}x")
    finally:
        os.unlink(path)
        ChangeLogEntry.objects.filter(organization_id__in=[command_org.pk, plain_org.pk]).delete()
        for organization in (command_org, plain_org):
            Asset.objects.filter(organization=organization).delete()
            organization.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--command-rows", type=int, default=20_000,
                        help="rows of the whole-process comparison (manage.py import_assets against a plain "
                             "Python process reading the same CSV and inserting it); 0 leaves it out")
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from assets.core.db.bulk_sql import multi_row_insert_sql, rows_per_statement
    from assets.models import Asset, AssetType, ChangeLogEntry, CustomFieldDefinition, Organization
    from assets.transfer.assets_io import import_assets
    from assets.transfer.formats import read_records
    from groups.models import AssetGroup
    from groups.transfer import import_groups
    from links.models import Link
    from links.transfer import import_links

    run_id = secrets.token_hex(3)
    user = get_user_model().objects.create_superuser(f"bench-{run_id}", "", None)
    raw_org = Organization.objects.create(key=f"bench-raw-{run_id}", title="Bench raw")
    import_org = Organization.objects.create(key=f"bench-import-{run_id}", title="Bench import")
    asset_type = AssetType.objects.create(organization=None, code=f"bench_truck_{run_id}", title="Bench truck")
    for order, (code, field_type) in enumerate(
        [("license_plate", "STRING"), ("fuel_capacity_l", "NUMBER"), ("in_service", "BOOLEAN")], start=1
    ):
        CustomFieldDefinition.objects.create(
            asset_type=asset_type, code=code, title=code, field_type=field_type, params={"required": code == "license_plate"},
            order=order,
        )
    rows = [
        (f"bench-{i}", f"Bench truck {i:06d}", {"license_plate": f"HH-B {i}", "fuel_capacity_l": 100 + i % 400, "in_service": i % 2 == 0})
        for i in range(args.assets)
    ]

    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "title", "type", "license_plate", "fuel_capacity_l", "in_service"])
        for key, title, values in rows:
            writer.writerow([key, title, asset_type.code, values["license_plate"], values["fuel_capacity_l"],
                             "true" if values["in_service"] else "false"])
        csv_path = handle.name

    try:
        # Baseline: the same asset rows through the database cursor, nothing else, with the same
        # multi-row INSERT statements the importer uses.
        now = timezone.now()
        columns = ["organization_id", "type_id", "key", "title", "custom_fields", "version", "created_at", "updated_at"]
        chunk = min(args.batch_size, rows_per_statement(len(columns)))
        stamp = connection.ops.adapt_datetimefield_value(now)
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for offset in range(0, len(rows), chunk):
                batch = rows[offset:offset + chunk]
                params = []
                for key, title, values in batch:
                    params.extend((raw_org.pk, asset_type.pk, key, title, json.dumps(values), 1, stamp, stamp))
                cursor.execute(multi_row_insert_sql(Asset._meta.db_table, columns, len(batch)), params)
        raw_seconds = time.perf_counter() - start

        start = time.perf_counter()
        with open(csv_path, encoding="utf-8", newline="") as stream:
            report = import_assets(user, import_org, read_records(stream, "csv"), from_csv=True, batch_size=args.batch_size)
        import_seconds = time.perf_counter() - start
        assert report.created == args.assets and not report.errors, report.summary()
        assert Asset.objects.filter(organization=import_org).count() == args.assets

        print(f"database: {vendor()}  assets: {args.assets:,}  batch size: {args.batch_size}")
        print(f"raw SQL insert : {raw_seconds:8.2f} s  {args.assets / raw_seconds:10,.0f} rows/s")
        print(f"import_assets  : {import_seconds:8.2f} s  {args.assets / import_seconds:10,.0f} rows/s"
              "  (parse + validate + bulk insert + device links + change log)")
        print(f"ratio import/raw: {import_seconds / raw_seconds:.2f}x")
        if args.command_rows:
            whole_process(args, user, asset_type, rows)

        # Groups and links ride on the imported assets: a 10-ary parent/child tree over them and
        # 100 regions x 100 depots of groups.
        with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "description", "exclusive"])
            for region in range(args.groups // 100):
                for depot in range(100):
                    writer.writerow([f"Region {region:03d}/Depot {depot:03d}", "", ""])
            groups_path = handle.name
        start = time.perf_counter()
        with open(groups_path, encoding="utf-8", newline="") as stream:
            report = import_groups(user, import_org, read_records(stream, "csv"), from_csv=True, batch_size=args.batch_size)
        groups_seconds = time.perf_counter() - start
        assert not report.errors, report.errors[:3]
        print(f"import_groups  : {groups_seconds:8.2f} s  {report.created / groups_seconds:10,.0f} groups/s"
              f"  ({report.created:,} groups)")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as handle:
            writer = csv.writer(handle)
            writer.writerow(["source_key", "target_key", "link_type", "sequence"])
            for i in range(1, min(args.links + 1, args.assets)):
                writer.writerow([f"bench-{(i - 1) // 10}", f"bench-{i}", "parent_child", i % 10])
            links_path = handle.name
        start = time.perf_counter()
        with open(links_path, encoding="utf-8", newline="") as stream:
            report = import_links(user, import_org, read_records(stream, "csv"), from_csv=True, batch_size=args.batch_size)
        links_seconds = time.perf_counter() - start
        assert not report.errors, report.errors[:3]
        print(f"import_links   : {links_seconds:8.2f} s  {report.created / links_seconds:10,.0f} links/s"
              f"  ({report.created:,} parent/child links, cycle-checked)")
        os.unlink(groups_path)
        os.unlink(links_path)
    finally:
        os.unlink(csv_path)
        with transaction.atomic():
            Link.objects.filter(source__organization=import_org).delete()
            AssetGroup.objects.filter(organization=import_org).delete()
            ChangeLogEntry.objects.filter(organization_id__in=[raw_org.pk, import_org.pk]).delete()
            for organization in (raw_org, import_org):
                Asset.objects.filter(organization=organization).delete()
            asset_type.delete()
            raw_org.delete()
            import_org.delete()
            user.delete()


if __name__ == "__main__":
    main()
