"""Going back in a real Chromium: restore an older version from an asset's history, and restore
a deleted asset with its group and device from the Deleted page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assets.models import Asset
from assets.services.assets import delete_asset, update_asset
from groups.services import create_group

pytestmark = pytest.mark.django_db(transaction=True)


def test_restore_an_older_version_from_the_history(page, live_server, world, sign_in):
    update_asset(world.root, world.truck_b.pk, title="Truck B-12 v2", custom_fields={"set": {"license_plate": "B-V2 2"}})
    update_asset(world.root, world.truck_b.pk, title="Truck B-12 v3", custom_fields={"set": {"license_plate": "B-V3 3"}})
    sign_in(page, world.dispatcher)
    page.goto(f"{live_server.url}/changes/asset/{world.truck_b.pk}/")
    # Entries are newest first: the second is the change that made v2.
    buttons = page.get_by_role("button", name="Restore this version")
    expect(buttons).to_have_count(2)
    buttons.nth(1).click()
    expect(page).to_have_url(f"{live_server.url}/assets/{world.truck_b.pk}/")
    expect(page.get_by_text("Restored Truck B-12 v2")).to_be_visible()
    truck = Asset.objects.get(pk=world.truck_b.pk)
    assert truck.title == "Truck B-12 v2" and truck.custom_fields["license_plate"] == "B-V2 2"


def test_restore_a_deleted_asset_from_the_deleted_page(page, live_server, world, sign_in):
    group = create_group(world.root, organization_id=world.org.pk, title="Hamburg fleet", asset_ids=[world.truck_a.pk])
    truck = Asset.objects.get(pk=world.truck_a.pk)
    delete_asset(world.root, truck.pk)
    sign_in(page, world.dispatcher)
    page.goto(f"{live_server.url}/assets/deleted/")
    page.get_by_role("button", name="Restore Truck B-44").click()
    expect(page).to_have_url(re.compile(r"/assets/\d+/$"))
    expect(page.get_by_text("Restored Truck B-44")).to_be_visible()
    restored = Asset.objects.get(organization=world.org, key="truck-b-44")
    assert restored.custom_fields["tracker"] == world.device.pk
    assert list(restored.device_links.values_list("device_id", "is_primary")) == [(world.device.pk, True)]
    assert list(restored.group_memberships.values_list("group_id", flat=True)) == [group.pk]
