"""Bulk actions, export and import of the asset list in headless Chromium against live_server
(the import's task run by the real database-backend worker, tests/task_worker.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assets.models import Asset, ImportJob
from groups import services as groups
from groups.models import GroupMembership
from tests import task_worker
from tests.factories import grant, make_asset, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _trucks_url(live_server, world) -> str:
    return f"{live_server.url}/assets/?organization_id={world.org.pk}&type_id={world.truck.pk}"


def test_select_three_assets_and_set_a_field(page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    page.goto(_trucks_url(live_server, world))
    for title in ("Truck B-44", "Truck B-12", "Truck M-07"):
        page.get_by_label(f"Select {title}").check()
    page.get_by_label("With the selected assets").select_option(label="Set a field")
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("status")).to_contain_text("3 assets will be changed")
    page.get_by_label("Field").select_option("fuel_capacity_l")
    page.get_by_label("Value").fill("77")
    page.get_by_role("button", name="Set a field: 3 assets").click()
    expect(page.get_by_role("status")).to_contain_text("Set fuel_capacity_l on 3 assets")
    assert sorted(Asset.objects.filter(type=world.truck).values_list("custom_fields__fuel_capacity_l", flat=True)) == [77] * 3


def test_select_all_matching_over_two_pages_and_move_them_into_a_group(page, live_server, world, sign_in):
    for i in range(30):
        make_asset(world.org, world.boat, f"Boat {i:02}", key=f"boat-{i:02}", custom_fields={"hull_id": f"H{i}"})
    fleet = groups.create_group(world.root, organization_id=world.org.pk, title="Fleet")
    harbour = groups.create_group(world.root, organization_id=world.org.pk, title="Harbour", parent_id=fleet.pk)
    sign_in(page, world.dispatcher)
    page.goto(f"{live_server.url}/assets/?organization_id={world.org.pk}&type_id={world.boat.pk}&limit=25")
    expect(page.locator("#asset-results tbody tr")).to_have_count(25)
    expect(page.get_by_role("link", name="Next →").first).to_be_visible()  # more than one page
    page.get_by_label("Select all 31 assets matching this filter").check()
    page.get_by_label("With the selected assets").select_option(label="Move into a group")
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("status")).to_contain_text("31 assets will be changed")
    page.get_by_label("Group", exact=True).select_option(label="Harbour — TransLog GmbH")
    page.get_by_role("button", name="Move into a group: 31 assets").click()
    expect(page.get_by_role("status")).to_contain_text("Moved 31 assets into the group")
    assert GroupMembership.objects.filter(group=harbour).count() == 31


def test_bulk_delete_with_one_asset_the_user_may_not_delete_deletes_nothing(page, live_server, world, sign_in):
    deleter = make_user("deleter")
    grant(deleter, "view_org_assets", world.org)
    for asset in (world.truck_a, world.truck_b):
        grant(deleter, "delete_asset", asset)
    sign_in(page, deleter)
    page.goto(_trucks_url(live_server, world))
    for title in ("Truck B-44", "Truck B-12", "Truck M-07"):
        page.get_by_label(f"Select {title}").check()
    page.get_by_label("With the selected assets").select_option(label="Delete")
    page.get_by_role("button", name="Continue…").click()
    counts = page.get_by_role("status")
    expect(counts).to_contain_text("2 assets will be deleted")
    expect(counts).to_contain_text("1 asset you may not delete")
    expect(page.get_by_role("button", name="Delete: 2 assets")).to_be_disabled()
    expect(page.locator("main")).not_to_contain_text("Truck M-07")
    assert Asset.objects.filter(type=world.truck).count() == 3


BAD_CSV = b"""key,title,type,hull_id
boat-1,Boat one,boat,H-1
,No key,boat,H-2
boat-3,Boat three,spaceship,H-3
"""


def _upload(page, live_server, *, name, content, upsert=False):
    page.goto(f"{live_server.url}/assets/import/")
    page.get_by_label("Organization", exact=True).select_option(label="TransLog GmbH")
    if upsert:
        page.get_by_label("Create or update").check()
    page.get_by_label("File", exact=True).set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Preview").click()


def _preview(page, live_server, world, *, name, content, upsert=False):
    _upload(page, live_server, name=name, content=content, upsert=upsert)
    expect(page.get_by_role("heading", name="Preview of the import")).to_be_visible()


def test_a_large_file_is_checked_in_the_background_then_previewed(page, live_server, world, sign_in, settings):
    rows = b"".join(f"ship-{i},Ship {i},boat,S-{i}\n".encode() for i in range(500))
    content = BAD_CSV + rows
    settings.IMPORT_PREVIEW_INLINE_BYTES = 1024  # the 17 KB file goes to a task
    sign_in(page, world.dispatcher)
    before = Asset.objects.count()
    _upload(page, live_server, name="boats.csv", content=content)
    expect(page.get_by_role("heading", name="Checking the file…")).to_be_visible()
    expect(page.locator("#import-progress")).to_be_attached()
    task_worker.drain()
    # The polled status partial sends the browser on to the preview once the check is done.
    expect(page.get_by_role("heading", name="Preview of the import")).to_be_visible(timeout=15_000)
    bad = page.locator("table.import-errors tbody tr")
    expect(bad).to_have_count(2)
    expect(bad.nth(1)).to_contain_text("unknown type 'spaceship'")
    expect(page.locator("[data-total=new]")).to_have_text("501")
    expect(page.locator("[data-total=bad]")).to_have_text("2")
    expect(page.locator(".import-preview tbody tr")).to_have_count(10)
    assert Asset.objects.count() == before


def test_uploading_a_csv_with_two_bad_rows_previews_both_and_writes_nothing(page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    before = Asset.objects.count()
    _preview(page, live_server, world, name="boats.csv", content=BAD_CSV)
    rows = page.locator("table.import-errors tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(0)).to_contain_text("key")
    expect(rows.nth(1)).to_contain_text("unknown type 'spaceship'")
    expect(page.locator("[data-total=bad]")).to_have_text("2")
    expect(page.locator("[data-total=new]")).to_have_text("1")
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    assert Asset.objects.count() == before


def _run_and_watch(page):
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-progress")).to_be_attached()
    task_worker.drain()
    expect(page.get_by_role("heading", name="Import done")).to_be_visible(timeout=15_000)


def test_importing_a_good_file_shows_progress_then_the_result(page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    good = b"key,title,type,hull_id\n" + b"".join(f"boat-{i},Boat {i},boat,H-{i}\n".encode() for i in range(40))
    _preview(page, live_server, world, name="boats.csv", content=good)
    expect(page.locator("[data-total=new]")).to_have_text("40")
    _run_and_watch(page)
    expect(page.locator("[data-total=new]")).to_have_text("40")
    assert Asset.objects.filter(key__startswith="boat-").count() == 40
    job = ImportJob.objects.get()
    assert job.status == "done" and job.done == job.total == 40
    # The link lists exactly the 40 imported assets, not the organization's trucks beside them.
    page.get_by_role("link", name="See the imported assets").click()
    expect(page.get_by_label("Only assets written by request")).to_be_checked()
    rows = page.locator("#asset-results tbody tr")
    expect(rows).to_have_count(40)
    assert set(rows.locator("td code").all_inner_texts()) == {f"boat-{i}" for i in range(40)}
    assert Asset.objects.filter(organization=world.org).exclude(key__startswith="boat-").exists()
    page.go_back()
    page.get_by_role("link", name="Their change-log entries").click()
    expect(page.locator("article.change")).to_have_count(40)


def test_exporting_the_filtered_list_and_reimporting_it_changes_nothing(page, live_server, world, sign_in, tmp_path):
    sign_in(page, world.root)
    page.goto(_trucks_url(live_server, world))
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    path = Path(tmp_path) / "trucks.csv"
    download.value.save_as(path)
    content = path.read_bytes()
    assert content.count(b"\n") == 4 and b"truck-b-44" in content and b"trailer-t-1" in content
    versions = dict(Asset.objects.values_list("pk", "version"))
    _preview(page, live_server, world, name="trucks.csv", content=content, upsert=True)
    for total, expected in (("new", "0"), ("changed", "0"), ("unchanged", "3"), ("bad", "0")):
        expect(page.locator(f"[data-total={total}]")).to_have_text(expected)
    _run_and_watch(page)
    expect(page.locator("[data-total=unchanged]")).to_have_text("3")
    assert dict(Asset.objects.values_list("pk", "version")) == versions


def test_bulk_pages_do_not_scroll_sideways_on_a_phone(browser, live_server, world, sign_in):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, world.dispatcher)
        page.goto(_trucks_url(live_server, world))
        page.get_by_label("Select Truck B-44").check()
        page.get_by_role("button", name="Continue…").click()
        expect(page.get_by_role("heading", name="Set a field")).to_be_visible()
        for where in ("confirm", "import"):
            if where == "import":
                page.goto(f"{live_server.url}/assets/import/")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{where} scrolls sideways by {overflow}px"
        assert re.search("import", page.url)
    finally:
        context.close()


def test_a_bulk_action_by_keyboard_alone(page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    page.goto(_trucks_url(live_server, world))
    box = page.get_by_label("Select Truck M-07")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.get_by_label("With the selected assets").focus()
    page.keyboard.press("Tab")  # to Continue…
    assert page.evaluate("document.activeElement.textContent") == "Continue…"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("1 asset will be changed")
    page.get_by_label("Field").focus()
    page.keyboard.press("Tab")
    page.keyboard.type("55")
    page.keyboard.press("Enter")  # submits the form from its text input
    expect(page.get_by_role("status")).to_contain_text("Set license_plate on 1 asset")
    world.truck_c.refresh_from_db()
    assert world.truck_c.custom_fields["license_plate"] == "55"
