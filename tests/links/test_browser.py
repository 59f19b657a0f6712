"""The links panel on the asset page and the hierarchy browser in a real headless Chromium:
adding a link through the type-ahead picker, editing tags inline and removing it, all without
leaving the page; expanding hierarchy rows lazily."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections

from links.models import Link
from tests.factories import PASSWORD

from .conftest import make_link

# Playwright's sync API runs an event loop in this thread; the ORM calls between browser steps
# are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium"),
]


@pytest.fixture
def tab():
    from playwright.sync_api import sync_playwright

    # The ORM calls of the test run inside Playwright's event loop, which gets connections of
    # its own: close them on both sides so that none outlives the test database.
    connections.close_all()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()
        connections.close_all()


def sign_in(tab, live_server, user, next_path: str):
    tab.goto(f"{live_server.url}/login/?next={next_path}")
    tab.get_by_label("Username").fill(user.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{live_server.url}{next_path}")


def test_adding_editing_and_removing_a_link_in_the_panel(tab, live_server, superuser, building, floors):
    from playwright.sync_api import expect

    make_link("parent_child", building, floors[0], alias="floor-1")
    sign_in(tab, live_server, superuser, f"/assets/{building.pk}/")
    panel = tab.locator(f"#links-panel-{building.pk}")
    expect(panel.get_by_role("heading", name="Add a link")).to_be_visible()
    tab.evaluate("window.__stayed = true")

    add = panel.locator("form.link-add")
    add.get_by_label("Add a").select_option(label="Child (Parent / child)")
    add.get_by_label("Asset", exact=True).fill("Floor 3")
    option = add.get_by_role("radio", name="Floor 3")
    expect(option).to_be_visible()
    option.check()
    add.get_by_label("Alias").fill("third")
    add.get_by_role("button", name="Add link").click()
    row = tab.locator("tr", has_text="Floor 3")
    expect(row).to_contain_text("third")
    link = Link.objects.get(source=building, target=floors[2])
    assert link.alias == "third"

    row.get_by_text("Edit").click()
    row.get_by_label("Tags").fill("structural, active")
    row.get_by_role("button", name="Save").click()
    expect(tab.locator("tr", has_text="Floor 3")).to_contain_text("structural")
    link.refresh_from_db()
    assert link.tags == ["structural", "active"]

    tab.on("dialog", lambda dialog: dialog.accept())
    tab.locator("tr", has_text="Floor 3").get_by_role("button", name="Remove").click()
    expect(tab.locator("tr", has_text="Floor 3")).to_have_count(0)
    assert not Link.objects.filter(pk=link.pk).exists()
    assert tab.evaluate("window.__stayed") is True


def test_hierarchy_rows_expand_lazily(tab, live_server, superuser, arch, building, floors, floor_type):
    from playwright.sync_api import expect

    from tests.factories import make_asset

    room = make_asset(arch, floor_type, "Conference Room A", key="room-101")
    make_link("parent_child", building, floors[0])
    make_link("parent_child", building, floors[1])
    make_link("parent_child", floors[0], room)
    sign_in(tab, live_server, superuser, f"/links/hierarchy/{building.pk}/")
    table = tab.locator("table.tree-table")
    expect(table).to_contain_text("Floor 1")
    expect(table.get_by_text("Conference Room A")).to_have_count(0)
    tab.evaluate("window.__stayed = true")
    toggle = table.get_by_role("button", name="Children of Floor 1")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(table.get_by_text("Conference Room A")).to_be_visible()
    rows = table.locator("tbody tr").all_inner_texts()
    assert [i for i, text in enumerate(rows) if "Floor 1" in text][0] + 1 == [
        i for i, text in enumerate(rows) if "Conference Room A" in text
    ][0]
    # The row collapses again (its ▸ turns back) and reopens without loading twice.
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(table.get_by_text("Conference Room A")).to_be_hidden()
    toggle.click()
    expect(table.get_by_text("Conference Room A")).to_have_count(1)
    expect(table.get_by_text("Conference Room A")).to_be_visible()
    assert tab.evaluate("window.__stayed") is True


def test_refining_the_picker_twice_then_linking_the_third_result(tab, live_server, superuser, arch, building, floors, floor_type):
    """The results box answers every search, not only the first (it once inherited the form's
    outerHTML swap, replaced itself and left later searches without a target)."""
    from playwright.sync_api import expect

    from tests.factories import make_asset

    for n in range(1, 5):
        make_asset(arch, floor_type, f"Room 10{n}", key=f"room-10{n}")
    sign_in(tab, live_server, superuser, f"/assets/{building.pk}/")
    tab.on("console", lambda message: errors.append(message.text) if "targetError" in message.text else None)
    errors: list[str] = []
    add = tab.locator(f"#links-panel-{building.pk} form.link-add")
    add.get_by_label("Add a").select_option(label="Child (Parent / child)")
    search = add.get_by_label("Asset", exact=True)
    search.fill("o")
    expect(add.get_by_role("radio", name="Floor 1")).to_be_visible()
    search.fill("room")
    expect(add.get_by_role("radio")).to_have_count(4)
    search.fill("room-10")
    # The box holds the same four results before and after this search: wait for its answer, or
    # the choice is made in the list the answer then replaces.
    with tab.expect_response(lambda response: response.request.method == "GET" and "room-10" in response.url):
        add.get_by_role("button", name="Search").click()
    # The field also searches as one types (debounced): let that answer land too before choosing.
    tab.wait_for_timeout(1000)
    expect(add.get_by_role("radio")).to_have_count(4)
    add.get_by_role("radio", name="Room 103").check()
    expect(add.get_by_role("radio", name="Room 103")).to_be_checked()
    add.get_by_role("button", name="Add link").click()
    expect(tab.locator(f"#links-panel-{building.pk} tr", has_text="Room 103")).to_be_visible()
    assert Link.objects.filter(source=building, target__key="room-103").exists()
    assert errors == []


def test_a_rejected_link_keeps_the_chosen_asset_and_speaks_in_titles(tab, live_server, superuser, building, floors):
    from playwright.sync_api import expect

    make_link("parent_child", building, floors[1])
    sign_in(tab, live_server, superuser, f"/assets/{building.pk}/")
    add = tab.locator(f"#links-panel-{building.pk} form.link-add")
    add.get_by_label("Add a").select_option(label="Child (Parent / child)")
    add.get_by_label("Asset", exact=True).fill("Floor")
    add.get_by_role("radio", name="Floor 2").check()
    add.get_by_role("button", name="Add link").click()
    add = tab.locator(f"#links-panel-{building.pk} form.link-add")
    expect(add.get_by_role("alert")).to_contain_text("“Main Building model” and “Floor 2” are already linked")
    expect(add.get_by_role("alert")).not_to_contain_text("floor-2")
    expect(add.get_by_role("radio", name="Floor 2")).to_be_checked()
    expect(add.get_by_label("Asset", exact=True)).to_have_value("Floor")
