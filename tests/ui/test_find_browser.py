"""Finding things in a real Chromium: the header search finds an asset by a custom-field value
and opens it with the keyboard; saved views and the column chooser on the asset list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_header_search_finds_an_asset_by_a_custom_field_value_and_opens_it_with_the_keyboard(
        page, live_server, world, sign_in):
    sign_in(page, world.viewer)
    page.goto(f"{live_server.url}/types/")
    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="Search assets, devices, groups and types")
    expect(box).to_be_focused()
    box.press_sequentially("HH-TL 44")
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("group", name="Assets 1")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("1 result")
    # the other organization's secret never shows up, not even as a count
    assert "Secret" not in listbox.inner_text()
    box.press("ArrowDown")
    option = listbox.get_by_role("option", name="Truck B-44 truck-b-44")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", f"search-option-asset-{world.truck_a.pk}")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/assets/{world.truck_a.pk}/")
    expect(page.get_by_role("heading", name="Truck B-44")).to_be_visible()


def test_header_search_shows_all_into_the_results_page(page, live_server, world, sign_in):
    from tests.factories import make_asset

    for n in range(7):
        make_asset(world.org, world.boat, f"Barge {n}", key=f"barge-{n}", custom_fields={"hull_id": f"HB-{n}"})
    sign_in(page, world.viewer)
    box = page.get_by_role("combobox", name="Search assets, devices, groups and types")
    box.click()
    box.press_sequentially("barge")
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox.get_by_role("option")).to_have_count(6)  # five hits and "show all"
    box.press("ArrowUp")  # wraps to the last option
    expect(listbox.get_by_role("option", name="Show all 7 assets")).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/search/?q=barge&kind=asset")
    expect(page.get_by_role("table")).to_contain_text("Barge 6")
    expect(page.get_by_text("7 results for “barge” among assets")).to_be_visible()
