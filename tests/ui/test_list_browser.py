"""The asset list in Chromium: search by key, the total with Previous/Next above and below, focus
kept on the control that changed the results, the count announced, one line per row."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_asset

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("UI_SCREENSHOTS", "/tmp/ui-shots")


def _titles(page) -> list[str]:
    return page.locator("#asset-results tbody td.cell-title").all_inner_texts()


def test_search_finds_an_asset_by_its_key(page, live_server, world, sign_in):
    sign_in(page, world.viewer)
    page.goto(f"{live_server.url}/assets/")
    page.get_by_label("Title or key contains").fill("trailer-t")
    expect(page.locator("#asset-results tbody tr")).to_have_count(1)
    assert _titles(page) == ["Trailer T-1"]
    expect(page.locator("#results-announcement")).to_have_text(re.compile(r"Showing 1 to 1 of 1 assets"))
    expect(page.get_by_label("Title or key contains")).to_be_focused()


def test_previous_next_and_the_total_with_focus_kept(page, live_server, world, sign_in):
    for n in range(56):
        make_asset(world.org, world.boat, f"Boat with a rather long name that would wrap {n:02}", key=f"boat-{n:02}",
                   custom_fields={"hull_id": f"H{n}"})
    sign_in(page, world.viewer)
    page.goto(f"{live_server.url}/assets/?organization_id={world.org.pk}")
    expect(page.locator(".pager-top .pager-range")).to_have_text("1–50 of 60")
    expect(page.locator(".pager-bottom .pager-range")).to_have_text("1–50 of 60")
    # One line per row: 50 rows fit in far less than the 5,590 px the list once took.
    row_heights = page.locator("#asset-results tbody tr").evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(row_heights) < 48, max(row_heights)
    title = page.locator("#asset-results tbody td.cell-title a").first
    assert title.get_attribute("title") == title.inner_text()

    page.evaluate("window.__stayed = true")
    page.locator(".pager-bottom").get_by_role("link", name="Next →").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".pager-top .pager-range")).to_have_text("51–60 of 60")
    expect(page.locator("#results-announcement")).to_have_text(re.compile(r"Showing 51 to 60 of 60 assets"))
    # Next is gone on the last page; focus lands on its partner, Previous, in the same pager.
    expect(page.locator(".pager-bottom").get_by_role("link", name="← Previous")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".pager-top .pager-range")).to_have_text("1–50 of 60")
    expect(page.locator(".pager-bottom").get_by_role("link", name="Next →")).to_be_focused()
    page.locator(".pager-top").get_by_role("link", name="Next →").click()
    expect(page.locator(".pager-top .pager-range")).to_have_text("51–60 of 60")
    page.locator(".pager-top").get_by_role("link", name="← Previous").click()
    expect(page.locator(".pager-top .pager-range")).to_have_text("1–50 of 60")
    assert page.evaluate("window.__stayed") is True


def test_focus_stays_on_the_sort_header(page, live_server, world, sign_in):
    sign_in(page, world.viewer)
    page.goto(f"{live_server.url}/assets/?organization_id={world.org.pk}")
    key_header = page.locator("#asset-results thead").get_by_role("link", name=re.compile("^Key"))
    key_header.focus()
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Key")
    expect(page.locator("#asset-results thead").get_by_role("link", name=re.compile("^Key"))).to_be_focused()
    assert _titles(page) == ["Trailer T-1", "Truck B-12", "Truck B-44", "Truck M-07"]
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Key")
    expect(page.locator("#asset-results thead").get_by_role("link", name=re.compile("^Key"))).to_be_focused()
    assert _titles(page) == ["Truck M-07", "Truck B-44", "Truck B-12", "Trailer T-1"]
    page.locator("#asset-results thead").get_by_role("link", name=re.compile("^Type")).click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Type")
    assert _titles(page)[0] == "Trailer T-1"  # Boat before Delivery Truck
