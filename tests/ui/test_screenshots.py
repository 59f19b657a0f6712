"""Screenshots of the asset list, an asset, the group tree and the change log at 1280 and 390 px
(UI_SCREENSHOTS=dir, default /tmp/ui-shots), taken while checking that none scrolls sideways."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assets.services.assets import update_asset
from tests.factories import make_asset
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("UI_SCREENSHOTS", "/tmp/ui-shots"))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_main_pages(browser, live_server, world, sign_in, width, theme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for n in range(55):
        make_asset(world.org, world.truck, f"Delivery truck {n:02} — Hamburg harbour night shift, refrigerated",
                   key=f"dt-{n:02}", custom_fields={"license_plate": f"HH-TL {1000 + n}", "fuel_capacity_l": 300 + n})
    germany = make_group(world.root, world.org, "Germany", exclusive=True)
    north = make_group(world.root, world.org, "North", germany)
    make_group(world.root, world.org, "Hamburg depot", north, asset_ids=[world.truck_a.pk, world.truck_b.pk])
    update_asset(world.root, world.truck_a.pk, title="Truck B-44 (refrigerated)")
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=theme)
    page = context.new_page()
    try:
        sign_in(page, world.manager)
        pages = {
            "asset-list": f"/assets/?organization_id={world.org.pk}&type_id={world.truck.pk}",
            "asset-detail": f"/assets/{world.truck_a.pk}/",
            "group-tree": f"/groups/{north.pk}/",
            "change-log": "/changes/",
        }
        for name, url in pages.items():
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{theme}.png"), full_page=name != "asset-list")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}"
    finally:
        context.close()
