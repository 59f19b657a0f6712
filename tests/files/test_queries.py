"""The asset list costs the same number of queries whether or not its assets carry files."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_asset

from .conftest import png_bytes, upload

pytestmark = pytest.mark.django_db


def count_queries(api, path) -> int:
    api.get(path)  # the token's first use writes last_used_at; count a steady-state request
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    return len(captured)


def test_asset_list_query_count_does_not_grow_with_files(admin_api, org, truck_type, django_assert_max_num_queries):
    for n in range(3):
        make_asset(org, truck_type, f"Plain {n}")
    baseline = count_queries(admin_api, "/assets?limit=100")
    for n in range(12):
        asset = make_asset(org, truck_type, f"With file {n}")
        if n % 2:
            upload(admin_api, asset.pk, png_bytes(8, 8), f"{n}.png")
        else:
            admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": f"https://cdn.example.com/{n}.png"})
    assert count_queries(admin_api, "/assets?limit=100") == baseline
    with django_assert_max_num_queries(baseline):
        items = admin_api.get("/assets?limit=100").json()["items"]
    assert len(items) == 15
    assert sum(1 for item in items if item["file"] is not None) == 12
    assert sum(1 for item in items if item["file"] and item["file"]["thumbnail_url"]) == 6


def test_asset_detail_reads_the_file_in_the_same_query(admin_api, asset, django_assert_max_num_queries):
    baseline = count_queries(admin_api, f"/assets/{asset.pk}")
    upload(admin_api, asset.pk, png_bytes(8, 8), "x.png")
    with django_assert_max_num_queries(baseline):
        assert admin_api.get(f"/assets/{asset.pk}").json()["file"]["name"] == "x.png"


def test_file_url_costs_a_bounded_number_of_queries(admin_api, asset, django_assert_max_num_queries):
    file = upload(admin_api, asset.pk, png_bytes(8, 8), "x.png").json()["file"]
    # token lookup, permission snapshot, asset with its file
    with django_assert_max_num_queries(4):
        response = admin_api.client.get(file["thumbnail_url"], **admin_api.headers)
    assert response.status_code == 200
