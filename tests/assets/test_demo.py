"""`seed_demo`: the seeds' example data, idempotent."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from assets import demo
from assets.models import Asset, AssetType, ChangeLogEntry, Device, Organization
from tests.conftest import ApiClient


def _row_counts() -> dict:
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.app_label in ("assets", "asset_files", "groups", "links", "auth", "guardian")}


def test_assets_demo_matches_the_seeds():
    demo.seed(io.StringIO())
    translog = Organization.objects.get(key="translog")
    assert translog.title == "TransLog GmbH" and translog.parent.key == "navixy-dealer"
    assert AssetType.objects.get(code="generic").organization is None
    truck = Asset.objects.get(organization=translog, key="truck-b-44")
    assert truck.title == "Truck B-44 (Hamburg–Berlin)" and truck.custom_fields["license_plate"] == "HH-TL 4421"
    link = truck.device_links.get()
    assert link.device.title == "GPS Unit #117" and link.device.identifier == "356938035643809" and link.is_primary
    assert Device.objects.filter(organization=translog).count() == 4
    assert Asset.objects.get(key="shirt-doc").custom_fields["reference_name"] == {
        "fr_FR": "Chemise bleue", "en_US": "Blue shirt"}
    assert Asset.objects.count() == 23
    for username, password in (("admin", "admin"), ("dispatcher", "dispatcher-pass"), ("viewer", "viewer-pass")):
        assert authenticate(username=username, password=password) is not None, username


def test_demo_users_hold_the_documented_rights():
    demo.seed(io.StringIO())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    viewer = ApiClient(users.get(username="viewer"))
    dispatcher = ApiClient(users.get(username="dispatcher"))
    truck = Asset.objects.get(key="truck-b-44")
    assert len(viewer.get("/assets").json()["items"]) == 9
    assert viewer.patch(f"/assets/{truck.pk}", {"title": "x"}).status_code == 403
    assert dispatcher.patch(f"/assets/{truck.pk}", {"title": "Truck B-44"}).status_code == 200
    inherited = viewer.get("/asset-types", {"organization_id": truck.organization_id, "code": "vehicle"}).json()
    assert inherited["items"][0]["origin"] == "PARENT_ORGANIZATION"


def test_seed_demo_twice_changes_nothing():
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    assert "admin / admin" in first.getvalue()
    counts = _row_counts()
    versions = sorted(Asset.objects.values_list("pk", "version"))
    log = ChangeLogEntry.objects.count()
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert "assets: nothing new" in second.getvalue()
    assert _row_counts() == counts
    assert sorted(Asset.objects.values_list("pk", "version")) == versions
    assert ChangeLogEntry.objects.count() == log


@pytest.fixture(autouse=True)
def _db(db):
    """Every test here writes."""
