"""Zero serious or critical axe-core violations on every staff page at 1280 and 390 px."""

from __future__ import annotations

import json
import os

import pytest
from playwright.sync_api import expect

from assets.events.services import create_rule
from assets.models import ChangeLogEntry
from assets.services.assets import update_asset
from tests.groups.conftest import make_group

from .axe import EVERY_IMPACT, axe_violations
from .test_bulk_browser import BAD_CSV, _preview

WIDTHS = {"wide": 1280, "narrow": 390}

# name -> path template over the ids the world fixture below provides.
PAGES = {
    "login": "/login/",
    "dashboard": "/",
    "asset_list": "/assets/",
    "asset_list_filtered": "/assets/?organization_id={org}&type_id={truck}",
    "asset_detail": "/assets/{asset}/",
    "asset_new_choose": "/assets/new/",
    "asset_new": "/assets/new/?organization_id={org}&type_id={truck}",
    "asset_edit": "/assets/{asset}/edit/",
    "asset_delete": "/assets/{asset}/delete/",
    "deleted_assets": "/assets/deleted/",
    "asset_links": "/links/panel/{asset}/",
    "hierarchy": "/links/hierarchy/{asset}/",
    "types": "/types/",
    "type_new": "/types/new/",
    "fields_editor": "/types/{truck}/",
    "field_edit": "/types/{truck}/fields/license_plate/",
    "field_delete": "/types/{truck}/fields/color/delete/",
    "devices": "/devices/",
    "device_detail": "/devices/{device}/",
    "changes": "/changes/",
    "object_changes": "/changes/asset/{asset}/",
    "event_rules": "/events/",
    "groups_tree": "/groups/",
    "group_detail": "/groups/{group}/",
    "device_new": "/devices/new/",
    "device_edit": "/devices/{device}/edit/",
    "event_rule_new": "/events/new/",
    "search": "/search/?q=truck",
    "asset_import": "/assets/import/",
    "group_import": "/assets/import/?kind=groups",
    "type_delete": "/types/{truck}/delete/",
    "group_delete": "/groups/{group}/delete/",
    "not_found": "/assets/999999/",
}


@pytest.fixture
def ids(world):
    root = make_group(world.root, world.org, "Germany", exclusive=True)
    make_group(world.root, world.org, "Hamburg depot", root, asset_ids=[world.truck_a.pk, world.truck_b.pk])
    create_rule(world.root, organization_id=world.org.pk, name="hook", object_types=["asset"],
                actions=["update"], url="https://example.com/hook", secret="a-long-enough-secret")
    update_asset(world.root, world.truck_a.pk, title="Truck B-44 (renamed)")
    assert ChangeLogEntry.objects.exists()
    return {"org": world.org.pk, "truck": world.truck.pk, "asset": world.truck_a.pk, "group": root.pk,
            "device": world.device.pk}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_has_no_serious_axe_violations(browser, live_server, world, ids, sign_in, width, theme):
    # The dark theme follows prefers-color-scheme (static/js/theme.js) when no choice is stored.
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=theme)
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{live_server.url}/login/")
        found["login"] = axe_violations(page)
        sign_in(page, world.root)
        for name, template in PAGES.items():
            if name == "login":
                continue
            page.goto(live_server.url + template.format(**ids))
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.dataset.theme") == theme, name
            found[name] = axe_violations(page, impacts=EVERY_IMPACT)
        # Pages in their error states: the error lists beside the inputs.
        page.goto(live_server.url + PAGES["asset_new"].format(**ids))
        page.get_by_role("button", name="Create asset").click()
        page.wait_for_load_state("networkidle")
        found["asset_new_errors"] = axe_violations(page, impacts=EVERY_IMPACT)
        page.goto(live_server.url + PAGES["fields_editor"].format(**ids))
        page.get_by_role("button", name="Add field").click()
        page.wait_for_load_state("networkidle")
        found["field_add_errors"] = axe_violations(page, impacts=EVERY_IMPACT)
        page.get_by_role("button", name="Delete Color").click()
        page.wait_for_load_state("networkidle")
        found["field_delete_confirm"] = axe_violations(page, impacts=EVERY_IMPACT)
        page.goto(live_server.url + PAGES["asset_list_filtered"].format(**ids))
        page.get_by_label("Select Truck B-12").check()
        page.get_by_label("With the selected assets").select_option(label="Set a field")
        page.get_by_role("button", name="Continue…").click()
        expect(page.get_by_role("status")).to_contain_text("will be changed")
        found["bulk_confirm"] = axe_violations(page, impacts=EVERY_IMPACT)
        _preview(page, live_server, world, name="boats.csv", content=BAD_CSV)
        found["import_preview_errors"] = axe_violations(page, impacts=EVERY_IMPACT)
    finally:
        context.close()
    _record(f"{width} {theme}", found)
    found = {name: [v for v in violations if v["impact"] in ("serious", "critical")] for name, violations in found.items()}
    failing = [f"{name}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes) {v['nodes'][:2]}"
               for name, violations in found.items() for v in violations]
    assert not failing, f"{len(failing)} violations at {width}px, {theme}:\n" + "\n".join(failing)


def _record(width, found):
    """With AXE_REPORT=path, append the counts by impact (all impacts) for the closing note."""
    path = os.environ.get("AXE_REPORT")
    if not path:
        return
    counts = {}
    for violations in found.values():
        for v in violations:
            key = f"{v['impact']} {v['id']}"
            counts[key] = counts.get(key, 0) + len(v["nodes"])
    with open(path, "a") as out:
        out.write(json.dumps({"width": width, "pages": len(found), "counts": counts,
                              "where": {n: [v["id"] for v in vs] for n, vs in found.items() if vs}}) + "\n")
