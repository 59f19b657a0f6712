"""The dark theme: it follows prefers-color-scheme, and the header's toggle overrides it and is
remembered across pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_theme_follows_the_system_and_the_toggle_is_remembered(browser, live_server, world, sign_in):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    try:
        sign_in(page, world.viewer)
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        dark = _background(page)
        toggle = page.get_by_role("button", name="Dark theme")
        expect(toggle).to_have_attribute("aria-pressed", "true")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "false")
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        assert _background(page) != dark
        page.goto(f"{live_server.url}/assets/")  # remembered on the next page, against the system's dark
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        page.get_by_role("button", name="Dark theme").click()
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert _background(page) == dark
    finally:
        context.close()
