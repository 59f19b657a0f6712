"""The staff pages in a real headless Chromium (Playwright) against live_server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assets.models import Asset, CustomFieldDefinition
from assets.services.assets import update_asset
from tests.factories import make_asset

pytestmark = pytest.mark.django_db(transaction=True)


def _result_titles(page) -> list[str]:
    return page.locator("#asset-results tbody td.cell-title").all_inner_texts()


def test_login_rejects_a_wrong_password_then_signs_in(page, live_server, world):
    page.goto(f"{live_server.url}/assets/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/assets/"))
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    page.get_by_label("Password").fill("test-pass-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/assets/")
    expect(page.get_by_role("heading", name="Assets", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_filtering_by_a_custom_field_and_sorting_update_the_table_in_place(page, live_server, world, sign_in):
    sign_in(page, world.viewer)
    page.goto(f"{live_server.url}/assets/")
    # A marker on the page object survives only if the table is swapped in place, not reloaded.
    page.evaluate("window.__stayed = true")
    page.get_by_label("Organization", exact=True).select_option(label="TransLog GmbH")
    page.locator("#filter-type").select_option(label="Delivery Truck")
    fuel_from = page.get_by_label("from")
    expect(fuel_from).to_be_visible()  # the type's field filters arrived with htmx
    fuel_from.fill("200")
    expect(page.locator("#asset-results tbody tr")).to_have_count(2)
    assert sorted(_result_titles(page)) == ["Truck B-12", "Truck B-44"]
    expect(page).to_have_url(re.compile(r"cf_fuel_capacity_l__gte=200"))

    page.get_by_role("link", name=re.compile("Fuel Capacity")).click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Fuel Capacity")
    assert _result_titles(page) == ["Truck B-12", "Truck B-44"]
    page.get_by_role("link", name=re.compile("Fuel Capacity")).click()
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Fuel Capacity")
    assert _result_titles(page) == ["Truck B-44", "Truck B-12"]
    expect(page).to_have_url(re.compile(r"ordering=-cf_fuel_capacity_l"))
    assert page.evaluate("window.__stayed") is True

    # The URL holds the whole state: loading it afresh shows the same table.
    page.reload()
    assert _result_titles(page) == ["Truck B-44", "Truck B-12"]
    expect(page.get_by_label("from")).to_have_value("200")


def test_creating_an_asset_shows_required_field_errors_then_succeeds(page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    page.goto(f"{live_server.url}/assets/new/")
    page.locator("section", has_text="TransLog GmbH").get_by_role("link", name="Delivery Truck").click()
    expect(page.get_by_role("heading", name="New Delivery Truck")).to_be_visible()
    page.get_by_label("Fuel Capacity (L)").fill("310")
    page.get_by_role("button", name="Create asset").click()

    expect(page.locator("#field-title .errorlist")).to_have_text("must not be empty")
    expect(page.locator("#field-cf_license_plate .errorlist")).to_have_text("is required")
    expect(page.get_by_label("Fuel Capacity (L)")).to_have_value("310")  # input kept
    assert not Asset.objects.filter(type=world.truck, custom_fields__fuel_capacity_l=310).exists()

    page.get_by_label("Title").fill("Truck N-01")
    page.get_by_label("License Plate").fill("N-TL 0001")
    page.get_by_label("Tracker").select_option(label="GPS Unit #119 (356938035643811)")
    page.get_by_role("button", name="Create asset").click()
    expect(page.get_by_role("heading", name="Truck N-01")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Created Truck N-01")
    expect(page.locator("dd", has_text="N-TL 0001")).to_be_visible()
    asset = Asset.objects.get(title="Truck N-01")
    assert asset.custom_fields["license_plate"] == "N-TL 0001" and asset.custom_fields["fuel_capacity_l"] == 310


def test_editing_with_a_stale_version_shows_the_conflict_and_loses_nothing(page, live_server, world, sign_in):
    sign_in(page, world.dispatcher)
    page.goto(f"{live_server.url}/assets/{world.truck_b.pk}/edit/")
    page.get_by_label("Title").fill("Truck B-12 (my rename)")
    page.get_by_label("Fuel Capacity (L)").fill("275")
    # Someone else saves first.
    update_asset(world.manager, world.truck_b.pk, title="Truck B-12 (their rename)")
    page.get_by_role("button", name="Save changes").click()

    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Someone else saved this asset")
    expect(conflict).to_contain_text("Truck B-12 (my rename)")
    expect(conflict).to_contain_text("Truck B-12 (their rename)")
    expect(page.get_by_label("Title")).to_have_value("Truck B-12 (my rename)")
    expect(page.get_by_label("Fuel Capacity (L)")).to_have_value("275")
    world.truck_b.refresh_from_db()
    assert world.truck_b.title == "Truck B-12 (their rename)"
    assert world.truck_b.custom_fields["fuel_capacity_l"] == 250

    # Having seen both, saving again is a deliberate choice.
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Truck B-12 (my rename)")).to_be_visible()
    world.truck_b.refresh_from_db()
    assert world.truck_b.custom_fields["fuel_capacity_l"] == 275 and world.truck_b.version == 3


def _two_edit_tabs(page, live_server, world, sign_in):
    """Opens the edit form of Truck B-12 in `page` and in a second tab, which it returns."""
    sign_in(page, world.dispatcher)
    edit_url = f"{live_server.url}/assets/{world.truck_b.pk}/edit/"
    other = page.context.new_page()
    page.goto(edit_url)
    other.goto(edit_url)
    return other


def test_two_tabs_editing_different_fields_keep_both_changes(page, live_server, world, sign_in):
    """The three-way merge: a field only the other tab changed is neither flagged nor put back."""
    other = _two_edit_tabs(page, live_server, world, sign_in)
    other.get_by_label("License Plate").fill("HH-TL 9999")
    other.get_by_role("button", name="Save changes").click()
    expect(other.get_by_role("heading", name="Truck B-12")).to_be_visible()

    page.get_by_label("Fuel Capacity (L)").fill("275")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Truck B-12")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("changes someone else saved meanwhile were kept")
    world.truck_b.refresh_from_db()
    assert world.truck_b.custom_fields["license_plate"] == "HH-TL 9999"
    assert world.truck_b.custom_fields["fuel_capacity_l"] == 275
    assert world.truck_b.version == 3


def test_two_tabs_editing_the_same_field_ask_the_second_to_choose(page, live_server, world, sign_in):
    other = _two_edit_tabs(page, live_server, world, sign_in)
    other.get_by_label("License Plate").fill("HH-TL 9999")
    other.get_by_label("Title").fill("Truck B-12 (theirs)")
    other.get_by_role("button", name="Save changes").click()
    expect(other.get_by_role("heading", name="Truck B-12 (theirs)")).to_be_visible()

    page.get_by_label("License Plate").fill("HH-TL 4422")
    page.get_by_label("Fuel Capacity (L)").fill("275")
    page.get_by_role("button", name="Save changes").click()
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("You both changed")
    expect(conflict.locator("tbody tr")).to_have_count(1)  # only the plate: the title was theirs alone
    expect(conflict).to_contain_text("HH-TL 4422")
    expect(conflict).to_contain_text("HH-TL 9999")
    expect(page.get_by_label("Title")).to_have_value("Truck B-12 (theirs)")
    expect(page.get_by_label("Fuel Capacity (L)")).to_have_value("275")
    world.truck_b.refresh_from_db()
    assert world.truck_b.custom_fields["license_plate"] == "HH-TL 9999" and world.truck_b.version == 2

    conflict.get_by_label("Keep theirs:").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Truck B-12 (theirs)")).to_be_visible()
    world.truck_b.refresh_from_db()
    assert world.truck_b.custom_fields["license_plate"] == "HH-TL 9999"
    assert world.truck_b.custom_fields["fuel_capacity_l"] == 275
    assert world.truck_b.title == "Truck B-12 (theirs)"


def test_type_editor_adds_a_field_that_the_asset_form_then_offers(page, live_server, world, sign_in):
    sign_in(page, world.manager)
    page.goto(f"{live_server.url}/types/")
    page.get_by_role("link", name="Delivery Truck").first.click()
    add = page.locator("#add-field")
    add.get_by_label("Code").fill("axles")
    add.get_by_label("Title").fill("Axles")
    add.get_by_label("Field type").select_option("INTEGER")
    add.get_by_label("Minimum").fill("2")
    add.get_by_role("button", name="Add field").click()
    expect(page.get_by_role("status")).to_contain_text("Added field Axles")
    row = page.locator("#field-axles")
    expect(row).to_contain_text("Axles")
    expect(row).to_contain_text("min 2")
    assert CustomFieldDefinition.objects.get(asset_type=world.truck, code="axles").params["min"] == 2

    # Inline edit through htmx, then the field is part of the asset form.
    row.get_by_role("link", name="Edit Axles").click()
    editing = page.locator("tr.editing")
    editing.get_by_label("Title").fill("Number of axles")
    editing.get_by_role("button", name="Save field").click()
    expect(page.locator("#field-axles")).to_contain_text("Number of axles")
    page.goto(f"{live_server.url}/assets/{world.truck_c.pk}/edit/")
    expect(page.get_by_label("Number of axles")).to_be_visible()


def test_stored_script_title_is_rendered_as_text(page, live_server, world, sign_in):
    title = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
    asset = make_asset(world.org, world.truck, title, custom_fields={"license_plate": "<b>X</b>"})
    sign_in(page, world.viewer)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    page.goto(f"{live_server.url}/assets/?title_contains=script")
    expect(page.locator("#asset-results td.cell-title")).to_have_text(title)
    page.goto(f"{live_server.url}/assets/{asset.pk}/")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("dd", has_text="<b>X</b>")).to_be_visible()
    page.goto(f"{live_server.url}/")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []


PAGES = ["/", "/assets/", "/assets/new/", "/types/", "/devices/", "/changes/"]


def test_every_input_has_a_label_and_focus_starts_at_the_skip_link(page, live_server, world, sign_in):
    sign_in(page, world.manager)
    urls = [*PAGES, f"/assets/{world.truck_a.pk}/", f"/assets/{world.truck_a.pk}/edit/",
            f"/assets/new/?organization_id={world.org.pk}&type_id={world.truck.pk}", f"/types/{world.truck.pk}/",
            f"/assets/?organization_id={world.org.pk}&type_id={world.truck.pk}"]
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        unlabeled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)""")
        assert unlabeled == [], f"{url}: inputs without a label: {unlabeled}"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link", url


def test_narrow_screen_has_no_horizontal_page_scroll(browser, live_server, world, sign_in):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, world.viewer)
        for url in [*PAGES, f"/assets/{world.truck_a.pk}/", f"/assets/?organization_id={world.org.pk}&type_id={world.truck.pk}"]:
            page.goto(f"{live_server.url}{url}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"
    finally:
        context.close()
