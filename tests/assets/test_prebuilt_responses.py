"""The asset reads skip ninja's response validation (assets.core.api.prebuilt): their bodies must stay
exactly what the schemas would have produced, and their prefetches (assets.core.db.prefetch) must read
the same rows as Django's."""

from __future__ import annotations

import json

import pytest
from ninja.responses import NinjaJSONEncoder

from assets.models import Asset
from assets.schemas import AssetOut, AssetPage
from tests.factories import make_asset, make_device, make_type


def through_schema(schema, body: dict, **dump) -> dict:
    return json.loads(json.dumps(schema.model_validate(body).model_dump(**dump), cls=NinjaJSONEncoder))


@pytest.fixture
def filed_assets(admin_api, org):
    """Assets with every part of the shape filled: devices, a group, a remote file."""
    truck = make_type(org, "truck", [
        {"code": "plate", "field_type": "STRING"},
        {"code": "capacity", "field_type": "NUMBER"},
        {"code": "tracker", "field_type": "DEVICE"},
        {"code": "spare", "field_type": "DEVICE"},
    ])
    tracker, spare = make_device(org, "GPS 1"), make_device(org, "GPS 2")
    created = admin_api.post("/assets", {
        "organization_id": org.pk, "type_id": truck.pk, "title": "Truck Ä", "remote_url": "https://example.com/a.jpg",
        "custom_fields": {"plate": "HH 1", "capacity": 2.5, "tracker": tracker.pk, "spare": spare.pk},
    })
    assert created.status_code == 201, created.content
    admin_api.patch(f"/assets/{created.json()['id']}", {"custom_fields": {"set_primary": ["tracker"]}})
    plain = make_asset(org, truck, "Bare truck")
    group = admin_api.post("/groups", {"organization_id": org.pk, "title": "Depot", "asset_ids": [plain.pk]})
    assert group.status_code == 201, group.content
    return [Asset.objects.get(pk=created.json()["id"]), plain]


def test_asset_detail_body_is_what_the_schema_renders(admin_api, filed_assets):
    for asset in filed_assets:
        body = admin_api.get(f"/assets/{asset.pk}").json()
        assert body == through_schema(AssetOut, body)
        assert body["file"] is not None or asset.title == "Bare truck"
    detail = admin_api.get(f"/assets/{filed_assets[0].pk}").json()
    assert [d["field_code"] for d in detail["devices"]] == ["spare", "tracker"]
    assert detail["primary_device"]["title"] == "GPS 1"
    assert admin_api.get(f"/assets/{filed_assets[1].pk}").json()["groups"][0]["title"] == "Depot"


def test_asset_list_body_is_what_the_schema_renders(admin_api, filed_assets):
    for params in ({}, {"count": "true"}, {"limit": 1}, {"fields": "plate"}):
        response = admin_api.get("/assets", params)
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        assert body == through_schema(AssetPage, body, exclude_unset=True)
    assert "total_count" not in admin_api.get("/assets").json()


def test_group_assets_body_is_what_the_schema_renders(admin_api, filed_assets):
    group_id = filed_assets[1].group_memberships.get().group_id
    for params in ({}, {"count": "true"}):
        body = admin_api.get(f"/groups/{group_id}/assets", params).json()
        assert body == through_schema(AssetPage, body, exclude_unset=True)
        assert [item["id"] for item in body["items"]] == [filed_assets[1].pk]
    listed = admin_api.get("/assets", {"group_id": group_id}).json()["items"]
    assert admin_api.get(f"/groups/{group_id}/assets").json()["items"] == listed


def test_prefetched_rows_derive_queries_restricted_to_their_parent(admin_api, filed_assets, django_assert_num_queries):
    from assets.core.db.prefetch import prefetch_rows

    assets = list(Asset.objects.filter(pk__in=[a.pk for a in filed_assets]).order_by("pk"))
    prefetch_rows(assets, ["device_links"])
    with django_assert_num_queries(0):
        assert [link.field_code for link in assets[0].device_links.all()] == ["spare", "tracker"]
        assert list(assets[1].device_links.all()) == []
        assert assets[0].device_links.all()[0].asset is assets[0]
    with django_assert_num_queries(1):
        assert [link.field_code for link in assets[0].device_links.filter(is_primary=True)] == ["tracker"]
    with django_assert_num_queries(1):
        assert assets[1].device_links.order_by("field_code").count() == 0


def test_prefetched_rows_never_act_on_another_parents_rows(filed_assets):
    from django.db.models import Count

    from assets.core.db.prefetch import prefetch_rows
    from assets.models import AssetDeviceLink

    assets = list(Asset.objects.filter(pk__in=[a.pk for a in filed_assets]).order_by("pk"))
    prefetch_rows(assets, ["device_links"])
    bare = assets[1].device_links.all()
    assert list(bare.iterator()) == []
    assert bare.aggregate(n=Count("pk"))["n"] == 0
    assert bare.update(is_primary=False) == 0
    assert AssetDeviceLink.objects.filter(asset=assets[0], is_primary=True).count() == 1
    assert [link.field_code for link in assets[0].device_links.all().iterator()] == ["spare", "tracker"]
