"""The Import page's preview of a file of N rows: how long the POST keeps the browser waiting
when the check (the importer's dry run) runs in the request, against when it goes to the
`run_preview` task (IMPORT_PREVIEW_INLINE_BYTES), and how long that task then takes. On the
configured database (DATABASE_URL; SQLite by default). Prints medians of --runs.

    python bench/import_preview_bench.py --rows 1000 5000 --runs 3
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time

from _setup import setup, vendor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from assets.models import AssetType, CustomFieldDefinition, ImportJob, Organization
    from assets.transfer import browser_import

    run_id = secrets.token_hex(3)
    user = get_user_model().objects.create_superuser(f"bench-{run_id}", "", None)
    organization = Organization.objects.create(key=f"bench-preview-{run_id}", title="Bench preview")
    asset_type = AssetType.objects.create(organization=None, code=f"bench_preview_{run_id}", title="Bench truck")
    CustomFieldDefinition.objects.create(asset_type=asset_type, code="license_plate", title="Plate",
                                         field_type="STRING", params={"required": True}, order=1)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    def post(text: str, inline_bytes: int) -> tuple[float, ImportJob]:
        with override_settings(IMPORT_PREVIEW_INLINE_BYTES=inline_bytes):
            began = time.perf_counter()
            response = client.post("/assets/import/", {"organization_id": organization.pk, "text": text})
            seconds = time.perf_counter() - began
        assert response.status_code == 302, response.content[:300]
        return seconds, ImportJob.objects.filter(user=user).latest("pk")

    print(f"database: {vendor()}; medians of {args.runs} runs")
    print(f"{'rows':>7} {'KiB':>7} {'in request s':>13} {'to a task s':>12} {'ratio':>7} {'task s':>8}")
    for rows in args.rows:
        text = "key,title,type,license_plate\n" + "".join(
            f"p-{i},Truck {i},{asset_type.code},HH-{i}\n" for i in range(rows))
        inline, queued, task = [], [], []
        for _ in range(args.runs):
            seconds, job = post(text, 10**12)
            assert job.status == "preview" and job.created == rows, (job.status, job.created, job.errors[:3])
            inline.append(seconds)
            seconds, job = post(text, 0)
            assert job.status == "checking"
            queued.append(seconds)
            began = time.perf_counter()
            browser_import.run_preview.func(job.pk)  # what the worker runs
            task.append(time.perf_counter() - began)
            job.refresh_from_db()
            assert job.status == "preview" and job.created == rows
        a, b, c = (statistics.median(x) for x in (inline, queued, task))
        print(f"{rows:>7} {len(text.encode()) / 1024:>7.0f} {a:>13.3f} {b:>12.3f} {a / b:>7.1f} {c:>8.3f}")


if __name__ == "__main__":
    main()
