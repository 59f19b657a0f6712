"""The device page: its asset (named only when visible), its history, edit and delete through
the device services."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assets.models import ChangeLogEntry, Device
from tests.factories import make_device

pytestmark = pytest.mark.django_db


def test_device_page_shows_its_asset_and_history(client_for, world):
    response = client_for(world.manager).get(f"/devices/{world.device.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Truck B-44" in body and "Save device" in body
    assert "can't be deleted" in body  # linked: no delete button


def test_device_page_of_a_hidden_device_is_a_404(client_for, world):
    hidden = make_device(world.other_org, "Elsewhere tracker", "999000111")
    assert client_for(world.viewer).get(f"/devices/{hidden.pk}/").status_code == 404


def test_viewer_sees_the_device_but_no_edit_form_and_cannot_post(client_for, world):
    client = client_for(world.viewer)
    assert "Save device" not in client.get(f"/devices/{world.device.pk}/").content.decode()
    response = client.post(f"/devices/{world.device.pk}/edit/", {"title": "Mine", "version": world.device.version})
    assert response.status_code == 403
    assert Device.objects.get(pk=world.device.pk).title == "GPS Unit #117"


def test_edit_saves_records_the_change_and_refuses_a_stale_version(client_for, world):
    client = client_for(world.manager)
    device = world.spare_device
    response = client.post(f"/devices/{device.pk}/edit/", {"title": "GPS Unit #119b", "identifier": device.identifier,
                                                            "version": device.version})
    assert response.status_code == 302 and response.url == f"/devices/{device.pk}/"
    assert Device.objects.get(pk=device.pk).title == "GPS Unit #119b"
    assert ChangeLogEntry.objects.filter(object_type="device", object_id=device.pk, action="update").exists()
    assert "GPS Unit #119b" in client.get(f"/devices/{device.pk}/").content.decode()
    stale = client.post(f"/devices/{device.pk}/edit/", {"title": "Lost", "identifier": device.identifier,
                                                         "version": device.version})
    assert stale.status_code == 302
    assert Device.objects.get(pk=device.pk).title == "GPS Unit #119b"


def test_edit_with_a_taken_identifier_shows_the_error_beside_it(client_for, world):
    response = client_for(world.manager).post(
        f"/devices/{world.spare_device.pk}/edit/",
        {"title": "x", "identifier": world.device.identifier, "version": world.spare_device.version},
    )
    assert response.status_code == 409
    assert 'id="device_identifier_error"' in response.content.decode()


def test_delete_from_the_device_page(client_for, world):
    client = client_for(world.manager)
    response = client.post(f"/devices/{world.spare_device.pk}/delete/", {"version": world.spare_device.version})
    assert response.status_code == 302 and response.url == "/devices/"
    assert not Device.objects.filter(pk=world.spare_device.pk).exists()
    linked = client.post(f"/devices/{world.device.pk}/delete/", {"version": world.device.version})
    assert linked.url == f"/devices/{world.device.pk}/"
    assert Device.objects.filter(pk=world.device.pk).exists()


def test_device_page_query_count(client_for, world, django_assert_max_num_queries):
    client = client_for(world.manager)
    with django_assert_max_num_queries(14):
        assert client.get(f"/devices/{world.device.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_device_edit_and_delete_in_the_browser(page, live_server, world, sign_in):
    sign_in(page, world.manager)
    page.goto(f"{live_server.url}/devices/")
    page.get_by_role("link", name="GPS Unit #119").click()
    expect(page.get_by_role("heading", name="GPS Unit #119", exact=True)).to_be_visible()
    page.get_by_label("Title").fill("GPS Unit #119 (spare)")
    page.get_by_role("button", name="Save device").click()
    expect(page.locator(".messages")).to_contain_text("Saved the device")
    expect(page.get_by_role("heading", name="GPS Unit #119 (spare)")).to_be_visible()
    expect(page.locator("#history-title ~ .change").first).to_contain_text("Updated")
    # Delete asks first: dismissing keeps the device, accepting deletes it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete device").click()
    expect(page.get_by_role("heading", name="GPS Unit #119 (spare)")).to_be_visible()
    assert Device.objects.filter(pk=world.spare_device.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete device").click()
    expect(page.locator(".messages")).to_contain_text("Deleted device GPS Unit #119 (spare)")
    assert not Device.objects.filter(pk=world.spare_device.pk).exists()
