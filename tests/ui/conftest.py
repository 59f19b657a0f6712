"""Fixtures of the staff-page tests: a TransLog-like organization with users of every kind, a
Django client per user, and (for the browser tests) headless Chromium against live_server."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from tests.factories import PASSWORD, grant, make_asset, make_device, make_org, make_type, make_user

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

TRUCK_FIELDS = [
    {"code": "license_plate", "title": "License Plate", "field_type": "STRING", "params": {"required": True}},
    {"code": "fuel_capacity_l", "title": "Fuel Capacity (L)", "field_type": "NUMBER"},
    {"code": "tracker", "title": "Tracker", "field_type": "DEVICE"},
    {"code": "color", "title": "Color", "field_type": "OPTIONS",
     "params": {"options": [{"code": "red", "title": "Red"}, {"code": "white", "title": "White"}]}},
    {"code": "manual", "title": "Manual", "field_type": "URL"},
    {"code": "name_i18n", "title": "Name", "field_type": "LOCALIZED_STRING"},
    {"code": "trailer", "title": "Trailer", "field_type": "ASSET"},
]


class World:
    """The data most page tests share; attributes are model instances."""


@pytest.fixture
def world(db):
    w = World()
    w.dealer = make_org("dealer", title="Navixy Dealer")
    w.org = make_org("translog", title="TransLog GmbH", parent=w.dealer)
    w.other_org = make_org("elsewhere", title="Elsewhere Ltd")
    w.vehicle = make_type(w.dealer, "vehicle", [{"code": "vin", "title": "VIN", "field_type": "STRING"}], title="Vehicle")
    w.truck = make_type(w.org, "delivery_truck", TRUCK_FIELDS, title="Delivery Truck")
    w.boat = make_type(w.org, "boat", [{"code": "hull_id", "title": "Hull ID", "field_type": "STRING"}], title="Boat")
    w.secret_type = make_type(w.other_org, "secret", [], title="Secret thing")
    w.device = make_device(w.org, "GPS Unit #117", "356938035643809")
    w.spare_device = make_device(w.org, "GPS Unit #119", "356938035643811")
    w.trailer = make_asset(w.org, w.boat, "Trailer T-1", key="trailer-t-1", custom_fields={"hull_id": "H-1"})
    w.truck_a = make_asset(
        w.org, w.truck, "Truck B-44", key="truck-b-44",
        custom_fields={
            "license_plate": "HH-TL 4421", "fuel_capacity_l": 400, "tracker": w.device.pk, "color": "red",
            "manual": "https://example.com/manual.pdf", "name_i18n": {"fr_FR": "Camion", "en_US": "Truck"},
            "trailer": w.trailer.pk,
        },
    )
    from assets.models import AssetDeviceLink

    AssetDeviceLink.objects.create(asset=w.truck_a, device=w.device, field_code="tracker", is_primary=True)
    w.truck_b = make_asset(w.org, w.truck, "Truck B-12", key="truck-b-12",
                           custom_fields={"license_plate": "B-TL 1212", "fuel_capacity_l": 250})
    w.truck_c = make_asset(w.org, w.truck, "Truck M-07", key="truck-m-07",
                           custom_fields={"license_plate": "M-TL 107", "fuel_capacity_l": 120})
    w.secret = make_asset(w.other_org, w.secret_type, "Secret prototype", key="secret-1")

    w.root = make_user("root", superuser=True)
    w.dispatcher = make_user("dispatcher")
    grant(w.dispatcher, "change_org_assets", w.org)
    w.viewer = make_user("viewer")
    grant(w.viewer, "view_org_assets", w.org)
    w.manager = make_user("manager")
    grant(w.manager, "manage_org", w.org)
    grant(w.manager, "change_org_assets", w.org)
    w.outsider = make_user("outsider")
    return w


@pytest.fixture
def client_for(db):
    """client_for(user) -> a Django test client signed in as user."""

    def build(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return build


# --- browser ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    # Module-wide, not session-wide: the sync API's event loop runs while the browser is open,
    # and the browser tests of other apps start Playwright themselves afterwards.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    # Every browser test also checks that the Content-Security-Policy refused nothing the pages do.
    refused = []
    tab.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert not refused, refused


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, user) signs in through the login form and lands on the dashboard."""

    def do(tab, user):
        tab.goto(f"{live_server.url}/login/")
        tab.get_by_label("Username").fill(user.username)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(f"{live_server.url}/")
        return tab

    return do
