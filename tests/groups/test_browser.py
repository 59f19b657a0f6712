"""The tree browser in a real headless Chromium: nodes expand lazily with htmx, the picker
searches as one types, and adding an asset reports the exclusive move."""

from __future__ import annotations

import os
import re
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
    add = tab.get_by_role("button", name="Add the chosen assets to Berlin depot")
    expect(add).to_be_visible()
    tab.get_by_label("Truck 1", exact=False).first.check()
    tab.screenshot(path=os.environ.get("GROUPS_SCREENSHOT", "/tmp/groups-tree.png"), full_page=True)
    add.click()
    expect(tab.locator(".messages")).to_contain_text("moved here from another group of this exclusive tree")
    expect(tab.locator("#group-members")).to_contain_text("Truck 1")


def _sign_in(tab, live_server, user, path):
    tab.goto(f"{live_server.url}/login/?next={path}")
    tab.get_by_label("Username").fill(user.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{live_server.url}{path}")


def test_adding_three_members_at_once_and_confirmed_removal(live_server, superuser, org, germany, trucks, tab):
    from playwright.sync_api import expect

    munich = germany["munich"]
    _sign_in(tab, live_server, superuser, f"/groups/{germany['south'].pk}/")
    # Counts include the subgroups: South holds no asset itself, Munich one.
    expect(tab.locator(f"#tree-node-{germany['south'].pk} .tree-meta").first).to_contain_text("1 asset with subgroups (0 here)")
    tab.goto(f"{live_server.url}/groups/{munich.pk}/")
    tab.get_by_label("Add assets").fill("Truck")
    for n in (1, 3, 6):
        tab.get_by_role("checkbox", name=re.compile(f"^Truck {n} ")).check()
    tab.get_by_role("button", name="Add the chosen assets to Munich depot").click()
    expect(tab.locator(".messages")).to_contain_text("Added 3 assets.")
    for n in (1, 3, 4, 6):
        expect(tab.locator("#group-members")).to_contain_text(f"Truck {n}")

    # Removing asks first; dismissing keeps the member.
    tab.once("dialog", lambda dialog: dialog.dismiss())
    tab.get_by_role("button", name="Remove Truck 6 from Munich depot").click()
    expect(tab.locator("#group-members")).to_contain_text("Truck 6")
    asked = []
    tab.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    tab.get_by_role("button", name="Remove Truck 6 from Munich depot").click()
    expect(tab.locator(".messages")).to_contain_text("Removed the asset")
    expect(tab.locator("#group-members")).not_to_contain_text("Truck 6")
    assert asked == ["Remove Truck 6 from Munich depot? The asset itself stays."]


def test_group_page_has_no_sideways_scroll_at_390(live_server, superuser, org, germany, trucks, tab):
    tab.set_viewport_size({"width": 390, "height": 844})
    _sign_in(tab, live_server, superuser, f"/groups/{germany['hamburg'].pk}/")
    overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"scrolls sideways by {overflow}px"
