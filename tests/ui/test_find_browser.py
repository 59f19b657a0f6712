"""Finding things in a real Chromium: the header search finds an asset by a custom-field value
and opens it with the keyboard; saved views and the column chooser on the asset list."""

from __future__ import annotations

import re

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
    expect(page.locator("#header-search-status")).to_have_text("1 result")
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


def test_save_a_view_and_reopen_it_from_a_fresh_session(browser, page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    page.goto(f"{live_server.url}/assets/?organization_id={world.org.pk}&type_id={world.truck.pk}"
              "&ordering=-cf_fuel_capacity_l")
    page.get_by_text("Save this view").click()
    page.get_by_label("View name").fill("Thirsty trucks")
    page.get_by_label("Who sees it").select_option(label="Everyone who sees TransLog GmbH")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("Saved the view “Thirsty trucks”, shared with TransLog GmbH.")).to_be_visible()

    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = fresh.new_page()
        sign_in(other, world.viewer)
        other.goto(f"{live_server.url}/assets/")
        other.get_by_label("Saved view", exact=True).select_option(label="Thirsty trucks · shared with TransLog GmbH")
        other.get_by_role("button", name="Open").click()
        expect(other).to_have_url(re.compile(rf"/assets/\?.*type_id={world.truck.pk}.*view=\d+"))
        titles = other.locator("table tbody td.cell-title, table tbody th").all_inner_texts()
        assert [t.strip() for t in titles][:3] == ["Truck B-44", "Truck B-12", "Truck M-07"]
        expect(other.get_by_label("Saved view", exact=True)).to_have_value(re.compile(r"\d+"))
    finally:
        fresh.close()


def test_choose_the_custom_field_columns_of_a_type(page, live_server, world, sign_in):
    sign_in(page, world.viewer)
    page.goto(f"{live_server.url}/assets/?organization_id={world.org.pk}&type_id={world.truck.pk}")
    header = page.locator("table thead")
    expect(header).to_contain_text("License Plate")
    expect(header).to_contain_text("Fuel Capacity (L)")
    page.get_by_text("Columns", exact=True).click()
    page.get_by_role("checkbox", name="Fuel Capacity (L)").uncheck()
    page.get_by_role("button", name="Show these columns").click()
    expect(page).to_have_url(re.compile(f"type_id={world.truck.pk}"))
    expect(header).to_contain_text("License Plate")
    expect(header).not_to_contain_text("Fuel Capacity (L)")
    # remembered: a later visit of the same type shows the same columns
    page.goto(f"{live_server.url}/assets/?type_id={world.truck.pk}")
    expect(page.locator("table thead")).not_to_contain_text("Fuel Capacity (L)")
    expect(page.locator("table thead")).to_contain_text("License Plate")
