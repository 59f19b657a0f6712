"""seed_demo's data speaks every dialect: the requests of the README's dialect sections, run as
the demo admin against the demo organizations."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assets.models import Asset


@pytest.fixture
def admin(db, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=io.StringIO())
    return get_user_model().objects.get(username="admin")


def test_vams_on_the_demo_architecture_db(compat, admin):
    vams = compat("/compat/vams/", admin)
    body = vams.get("database/architecture-db/assets/building-model/asset-links", {"childTreeView": "true"}).json()
    floor = next(c for c in body["children"] if c["assetId"] == "floor-1")
    assert [room["assetId"] for room in floor["children"]] == ["room-101", "room-102"]
    assert [r["assetId"] for r in body["related"]] == ["related-asset-1"]
    response = vams.post("asset-links", {
        "fromAssetId": "floor-2", "fromAssetDatabaseId": "architecture-db", "toAssetId": "hvac-system",
        "toAssetDatabaseId": "architecture-db", "relationshipType": "parentChild", "assetLinkAliasId": "hvac-2",
        "tags": ["structural"],
    })
    assert response.status_code == 200, response.content


def test_laserfiche_on_the_demo_repository(compat, admin):
    lf = compat("/compat/laserfiche/repository/v1/", admin)
    email = Asset.objects.get(key="email-10")
    (link,) = lf.get(f"Repositories/laserfiche-repo/Entries/{email.pk}/links").json()["value"]
    assert (link["sourceFullPath"], link["targetFullPath"], link["linkTypeId"]) == ("\\Email", "\\EmailAttachment", 1)


def test_navixy_on_the_demo_fleet(compat, admin):
    navixy = compat("/compat/navixy/", admin)
    boston = next(item for item in navixy.post("asset_link/list", {}).json()["list"] if item["label"] == "Boston boats")
    boat = Asset.objects.get(key="boat-3")
    assert navixy.post("asset_link/set", {"link_id": boston["id"], "asset_id": boat.pk}).status_code == 200


def test_quable_on_the_demo_instance(compat, admin):
    quable = compat("/compat/quable/quable-demo/api/", admin)
    shirt = quable.get("assets/blueshirt").json()
    assert [c["id"] for c in shirt["classifications"]] == ["dam_sort"]
    response = quable.post("assets", {
        "id": "myAssetIdentifier", "classification": {"id": "dam_sort"},
        "attributes": {"date_shooting": "2023-11-09T10:00:00", "mannequin": "Jane Doe"},
        "remotePath": "https://example.com/images/shirt.png",
    })
    assert response.status_code == 201, response.content
