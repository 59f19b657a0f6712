"""The tree browser in a real headless Chromium: nodes expand lazily with htmx, the picker
searches as one types, and adding an asset reports the exclusive move."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls between browser steps
# are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium"),
]


@pytest.fixture
def tab(live_server):
    # Requested after the data fixtures: ORM calls made while Playwright's loop runs get a
    # connection of their own (asgiref's context-local), which nobody would close.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


def test_expanding_the_tree_and_filing_an_asset(live_server, superuser, org, germany, trucks, tab):
    from playwright.sync_api import expect

    tab.goto(f"{live_server.url}/login/?next=/groups/")
    tab.get_by_label("Username").fill(superuser.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{live_server.url}/groups/")

    tree = tab.locator("#group-tree")
    expect(tree.get_by_role("link", name="Germany")).to_be_visible()
    expect(tree.get_by_role("link", name="North")).to_have_count(0)
    tab.evaluate("window.__stayed = true")
    germany_toggle = tree.get_by_role("button", name="Subgroups of Germany")
    expect(germany_toggle).to_have_attribute("aria-expanded", "false")
    germany_toggle.click()
    expect(germany_toggle).to_have_attribute("aria-expanded", "true")
    expect(tree.get_by_role("link", name="North")).to_be_visible()
    north_toggle = tree.get_by_role("button", name="Subgroups of North")
    north_toggle.click()
    expect(tree.get_by_role("link", name="Hamburg depot")).to_be_visible()
    # Collapsing hides the level (and turns the ▸ back); opening again doesn't load it twice.
    north_toggle.click()
    expect(north_toggle).to_have_attribute("aria-expanded", "false")
    expect(tree.get_by_role("link", name="Hamburg depot")).to_be_hidden()
    north_toggle.click()
    expect(tree.get_by_role("link", name="Hamburg depot")).to_have_count(1)
    expect(tree.get_by_role("link", name="Hamburg depot")).to_be_visible()
    assert tab.evaluate("window.__stayed") is True

    tree.get_by_role("link", name="Berlin depot").click()
    tab.wait_for_url(f"{live_server.url}/groups/{germany['berlin'].pk}/")
    expect(tab.locator("#group-members")).to_contain_text("Truck 3")
    tab.get_by_label("Add assets").fill("Truck 1")
    add = tab.get_by_role("button", name="Add Truck 1 to Berlin depot")
    expect(add).to_be_visible()
    tab.screenshot(path=os.environ.get("GROUPS_SCREENSHOT", "/tmp/groups-tree.png"), full_page=True)
    add.click()
    expect(tab.locator(".messages")).to_contain_text("moved here from another group of this exclusive tree")
    expect(tab.locator("#group-members")).to_contain_text("Truck 1")
