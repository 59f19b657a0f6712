"""The field editor in Chromium: "Add a field" shows only the chosen type's params, and a wrong
param is reported beside its input."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_add_field_shows_only_the_params_of_the_chosen_type_and_errors_beside_them(page, live_server, world, sign_in):
    sign_in(page, world.manager)
    page.goto(f"{live_server.url}/types/{world.truck.pk}/")
    form = page.locator("#add-field form")
    form.get_by_label("Field type").select_option("NUMBER")
    expect(form.get_by_label("Minimum")).to_be_visible()
    expect(form.get_by_label("Max length")).to_be_hidden()
    expect(form.get_by_label("Pattern")).to_be_hidden()
    expect(form.get_by_label("Options")).to_be_hidden()
    form.get_by_label("Field type").select_option("STRING")
    expect(form.get_by_label("Pattern")).to_be_visible()
    expect(form.get_by_label("Minimum")).to_be_hidden()

    form.get_by_label("Code").fill("vin")
    form.get_by_label("Title").fill("VIN")
    form.get_by_label("Pattern").fill("([A-Z")
    form.get_by_role("button", name="Add field").click()
    pattern_field = page.locator("#add-field #field-pattern")
    expect(pattern_field.locator(".errorlist")).to_be_visible()
    expect(page.locator("#add-field .errorlist.nonfield")).to_have_count(0)
    # The page came back with STRING chosen: still only its params.
    expect(page.locator("#add-field").get_by_label("Minimum")).to_be_hidden()
