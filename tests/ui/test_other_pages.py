"""Dashboard, organization switcher, type editor, devices and change-log pages through the
Django test client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import AssetType, CustomFieldDefinition, Device
from assets.services.assets import update_asset
from tests.factories import grant, make_asset, make_device, make_user

pytestmark = pytest.mark.django_db


# --- dashboard and switcher ---------------------------------------------------------------------
def test_dashboard_shows_visible_organizations_with_counts_per_type(client_for, world):
    response = client_for(world.viewer).get("/")
    assert response.status_code == 200
    cards = {card["organization"].key: card for card in response.context["cards"]}
    assert set(cards) == {"translog"}
    counts = {row["type__title"]: row["n"] for row in cards["translog"]["counts"]}
    assert counts == {"Boat": 1, "Delivery Truck": 3}
    assert b"Elsewhere" not in response.content


def test_dashboard_of_user_without_grants_explains_the_empty_state(client_for, world):
    response = client_for(world.outsider).get("/")
    assert response.status_code == 200
    assert b"You don't have access to any organization yet" in response.content


def test_dashboard_recent_changes_hide_other_organizations(client_for, world):
    update_asset(world.root, world.secret.pk, title="Secret prototype v2")
    update_asset(world.root, world.truck_b.pk, title="Truck B-12 renamed")
    body = client_for(world.viewer).get("/").content.decode()
    assert "Truck B-12 renamed" in body and "Secret prototype" not in body


def test_dashboard_query_count(client_for, world, django_assert_max_num_queries):
    client = client_for(world.viewer)
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200


def test_switcher_remembers_the_organization_and_drops_old_filters(client_for, world):
    client = client_for(world.viewer)
    response = client.post(reverse("switch_organization"), {
        "organization_id": world.org.pk, "next": f"/assets/?type_id={world.truck.pk}",
    })
    assert response.status_code == 302 and response["Location"] == "/assets/"
    assert client.session["current_organization_id"] == world.org.pk
    page = client.get("/")
    assert "selected>\u00a0\u00a0TransLog GmbH</option>" in page.content.decode()


def test_switcher_ignores_organizations_the_user_cannot_see_and_foreign_next(client_for, world):
    client = client_for(world.viewer)
    response = client.post(reverse("switch_organization"), {
        "organization_id": world.other_org.pk, "next": "https://evil.example/steal",
    })
    assert response["Location"] == "/"
    assert "current_organization_id" not in client.session


def test_switcher_changes_only_on_post_and_a_get_goes_to_the_dashboard(client_for, world):
    client = client_for(world.viewer)
    response = client.get(reverse("switch_organization"), {"organization_id": world.org.pk})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "current_organization_id" not in client.session


# --- type editor --------------------------------------------------------------------------------
def test_type_list_shows_origins_relative_to_the_organization(client_for, world):
    client = client_for(world.manager)
    response = client.get(reverse("type_list"), {"organization_id": world.org.pk})
    assert response.status_code == 200
    rows = {row["type"].code: row for row in response.context["rows"]}
    assert rows["vehicle"]["origin"] == "PARENT_ORGANIZATION" and not rows["vehicle"]["editable"]
    assert rows["delivery_truck"]["origin"] == "ORGANIZATION" and rows["delivery_truck"]["editable"]
    assert "secret" not in rows


def test_type_list_counts_only_visible_assets(client_for, world):
    hidden_org_type = world.secret_type
    client = client_for(world.viewer)
    rows = {row["type"].code: row for row in client.get(reverse("type_list")).context["rows"]}
    assert hidden_org_type.code not in rows
    assert rows["delivery_truck"]["asset_count"] == 3


def test_type_detail_of_invisible_type_is_404(client_for, world):
    assert client_for(world.viewer).get(reverse("type_detail", args=[world.secret_type.pk])).status_code == 404


def test_inherited_type_is_read_only(client_for, world):
    response = client_for(world.manager).get(reverse("type_detail", args=[world.vehicle.pk]))
    assert response.status_code == 200
    assert response.context["editable"] is False
    assert reverse("field_add", args=[world.vehicle.pk]).encode() not in response.content
    post = client_for(world.manager).post(reverse("field_add", args=[world.vehicle.pk]), {
        "code": "plate", "title": "Plate", "field_type": "STRING",
    })
    assert post.status_code == 403
    assert not CustomFieldDefinition.objects.filter(asset_type=world.vehicle, code="plate").exists()


def test_adding_a_field_needs_manage_permission(client_for, world):
    response = client_for(world.dispatcher).post(reverse("field_add", args=[world.truck.pk]), {
        "code": "axles", "title": "Axles", "field_type": "INTEGER", "version": world.truck.version,
    })
    assert response.status_code == 403


def test_adding_a_field_with_params(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("field_add", args=[world.truck.pk]), {
        "code": "axles", "title": "Axles", "field_type": "INTEGER", "min": "2", "max": "6",
        "version": world.truck.version,
    })
    assert response.status_code == 302
    definition = CustomFieldDefinition.objects.get(asset_type=world.truck, code="axles")
    assert definition.params == {"required": False, "min": 2, "max": 6}
    body = client.get(reverse("type_detail", args=[world.truck.pk])).content.decode()
    assert "Axles" in body and "min 2 · max 6" in body


def test_adding_a_field_reports_service_errors_on_the_inputs(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("field_add", args=[world.truck.pk]), {
        "code": "Bad Code", "title": "X", "field_type": "INTEGER", "max_length": "5",
    })
    assert response.status_code == 400
    errors = response.context["field_form"].errors
    assert "code" in errors
    duplicate = client.post(reverse("field_add", args=[world.truck.pk]), {
        "code": "license_plate", "title": "Again", "field_type": "STRING",
    })
    assert duplicate.status_code == 400
    assert "already has a field" in duplicate.context["field_form"].errors["code"][0]
    wrong_param = client.post(reverse("field_add", args=[world.truck.pk]), {
        "code": "axles", "title": "Axles", "field_type": "INTEGER", "max_length": "5",
    })
    assert wrong_param.status_code == 400
    assert wrong_param.context["field_form"].errors["max_length"] == ["not allowed for INTEGER fields"]  # beside it


def test_a_pattern_the_server_cannot_run_shows_on_the_pattern_input(client_for, world):
    response = client_for(world.manager).post(reverse("field_add", args=[world.truck.pk]), {
        "code": "serial", "title": "Serial", "field_type": "STRING", "pattern": r"(\w)\1", "version": world.truck.version,
    })
    assert response.status_code == 400
    [message] = response.context["field_form"].errors["pattern"]
    assert "backreferences and lookaround are not supported" in message
    assert not CustomFieldDefinition.objects.filter(asset_type=world.truck, code="serial").exists()


def test_adding_a_required_field_to_a_type_with_assets_is_refused_with_the_count(client_for, world):
    response = client_for(world.manager).post(reverse("field_add", args=[world.truck.pk]), {
        "code": "vin", "title": "VIN", "field_type": "STRING", "required": "on",
    })
    assert response.status_code == 400
    assert "3 assets" in str(response.context["field_form"].errors)


def test_adding_a_field_with_a_stale_version_is_a_conflict(client_for, world):
    client = client_for(world.manager)
    AssetType.objects.filter(pk=world.truck.pk).update(version=5)
    response = client.post(reverse("field_add", args=[world.truck.pk]), {
        "code": "axles", "title": "Axles", "field_type": "INTEGER", "version": "1",
    })
    assert response.status_code == 409
    assert b"Someone changed this type" in response.content
    assert not CustomFieldDefinition.objects.filter(asset_type=world.truck, code="axles").exists()


def test_editing_a_field_updates_title_and_params(client_for, world):
    client = client_for(world.manager)
    url = reverse("field_edit", args=[world.truck.pk, "color"])
    form = client.get(url)
    assert form.status_code == 200 and b"red: Red" in form.content
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<tr class="editing"')
    response = client.post(url, {
        "title": "Paint", "options": "red: Red\nwhite: White\nblue: Blue", "version": world.truck.version,
    })
    assert response.status_code == 302
    definition = CustomFieldDefinition.objects.get(asset_type=world.truck, code="color")
    assert definition.title == "Paint" and [o["code"] for o in definition.params["options"]] == ["red", "white", "blue"]


def test_editing_a_field_refuses_params_that_stored_values_break(client_for, world):
    response = client_for(world.manager).post(reverse("field_edit", args=[world.truck.pk, "color"]), {
        "title": "Color", "options": "white: White",
    })
    assert response.status_code == 400
    assert "1 assets hold values" in str(response.context["form"].errors)


def test_moving_a_field_renumbers_the_order(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("field_move", args=[world.truck.pk, "fuel_capacity_l"]), {
        "direction": "up", "version": world.truck.version,
    })
    assert response.status_code == 302
    codes = list(world.truck.field_definitions.order_by("order", "id").values_list("code", flat=True))
    assert codes[:2] == ["fuel_capacity_l", "license_plate"]
    # A GET moves nothing: it is sent to the type's page.
    assert client.get(reverse("field_move", args=[world.truck.pk, "color"])).url == f"/types/{world.truck.pk}/"
    assert list(world.truck.field_definitions.order_by("order", "id").values_list("code", flat=True)) == codes


def test_deleting_a_field_with_values_asks_before_dropping_them(client_for, world):
    client = client_for(world.manager)
    url = reverse("field_delete", args=[world.truck.pk, "color"])
    first = client.post(url, {"version": world.truck.version})
    assert first.status_code == 409
    assert b"Delete field and its values" in first.content
    text = first.content.decode()
    assert "1 asset of Delivery Truck still holds a value in “Color”" in text
    assert "drop_values" not in text.replace('name="drop_values"', "")  # no API words on the page
    assert CustomFieldDefinition.objects.filter(asset_type=world.truck, code="color").exists()
    confirmed = client.post(url, {"version": first.context["version"], "drop_values": "true"})
    assert confirmed.status_code == 302
    assert not CustomFieldDefinition.objects.filter(asset_type=world.truck, code="color").exists()
    world.truck_a.refresh_from_db()
    assert "color" not in world.truck_a.custom_fields


def test_creating_and_deleting_a_type(client_for, world):
    client = client_for(world.manager)
    assert client.get(reverse("type_create")).status_code == 200
    bad = client.post(reverse("type_create"), {"organization": world.org.pk, "code": "delivery_truck", "title": "Dup"})
    assert bad.status_code == 400
    response = client.post(reverse("type_create"), {"organization": world.org.pk, "code": "trailer", "title": "Trailer"})
    created = AssetType.objects.get(organization=world.org, code="trailer")
    assert response.status_code == 302 and response["Location"] == reverse("type_detail", args=[created.pk])
    deleted = client.post(reverse("type_delete", args=[created.pk]), {"version": created.version})
    assert deleted.status_code == 302 and not AssetType.objects.filter(pk=created.pk).exists()


def test_type_creation_needs_a_managed_organization(client_for, world):
    assert client_for(world.dispatcher).get(reverse("type_create")).status_code == 403
    other = client_for(world.manager).post(
        reverse("type_create"), {"organization": world.other_org.pk, "code": "x", "title": "X"}
    )
    assert other.status_code == 400
    assert not AssetType.objects.filter(code="x").exists()


def test_type_in_use_cannot_be_deleted(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("type_delete", args=[world.truck.pk]), {"version": world.truck.version})
    assert response.status_code == 302
    assert AssetType.objects.filter(pk=world.truck.pk).exists()
    assert b"3 assets use type" in client.get(response["Location"]).content


def test_type_update_saves_title(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("type_update", args=[world.truck.pk]), {
        "title": "Delivery truck (7.5 t)", "description": "Light trucks", "order": "5", "version": world.truck.version,
    })
    assert response.status_code == 302
    world.truck.refresh_from_db()
    assert (world.truck.title, world.truck.order, world.truck.version) == ("Delivery truck (7.5 t)", 5, 2)


def test_type_pages_query_counts(client_for, world, django_assert_max_num_queries):
    client = client_for(world.manager)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("type_list")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("type_detail", args=[world.truck.pk])).status_code == 200


# --- devices ------------------------------------------------------------------------------------
def test_device_list_shows_link_state_and_asset(client_for, world):
    response = client_for(world.viewer).get(reverse("device_list"))
    assert response.status_code == 200
    rows = {row["device"].identifier: row for row in response.context["rows"]}
    assert rows["356938035643809"]["link"].asset_id == world.truck_a.pk and rows["356938035643809"]["asset_visible"]
    assert rows["356938035643811"]["link"] is None
    assert b"Truck B-44" in response.content
    free = client_for(world.viewer).get(reverse("device_list"), {"linked": "free"})
    assert [row["device"].title for row in free.context["rows"]] == ["GPS Unit #119"]


def test_device_list_does_not_name_assets_the_user_cannot_see(client_for, world):
    from assets.models import AssetDeviceLink

    hidden = make_asset(world.org, world.truck, "Hidden truck", custom_fields={"license_plate": "H"})
    device = make_device(world.org, "GPS Unit #200", "200")
    AssetDeviceLink.objects.create(asset=hidden, device=device, field_code="tracker")
    # Sees TransLog's devices (manage_org) but only one asset of it, by an object grant.
    user = make_user("limited")
    grant(user, "view_asset", world.truck_a)
    grant(user, "manage_org", world.org)
    body = client_for(user).get(reverse("device_list")).content.decode()
    assert "GPS Unit #200" in body and "Hidden truck" not in body and "an asset you can't see" in body


def test_device_list_of_outsider_is_empty(client_for, world):
    response = client_for(world.outsider).get(reverse("device_list"))
    assert response.status_code == 200 and response.context["rows"] == []


def test_device_create_and_delete_by_manager(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("device_create"), {
        "organization": world.org.pk, "title": "GPS Unit #121", "identifier": "356938035643813",
    })
    assert response.status_code == 302
    device = Device.objects.get(identifier="356938035643813")
    duplicate = client.post(reverse("device_create"), {
        "organization": world.org.pk, "title": "Again", "identifier": "356938035643813",
    })
    assert duplicate.status_code == 400
    assert "exists" in str(duplicate.context["form"].errors)
    assert client.post(reverse("device_delete", args=[device.pk]), {"version": device.version}).status_code == 302
    assert not Device.objects.filter(pk=device.pk).exists()


def test_device_changes_need_manage_permission(client_for, world):
    client = client_for(world.dispatcher)
    assert client.post(reverse("device_create"), {
        "organization": world.org.pk, "title": "X", "identifier": "X1",
    }).status_code == 400
    assert client.post(reverse("device_delete", args=[world.spare_device.pk])).status_code == 403
    assert client_for(world.outsider).post(reverse("device_delete", args=[world.spare_device.pk])).status_code == 404
    assert Device.objects.filter(pk=world.spare_device.pk).exists()


def test_linked_device_cannot_be_deleted(client_for, world):
    response = client_for(world.manager).post(reverse("device_delete", args=[world.device.pk]))
    assert response.status_code == 302
    assert Device.objects.filter(pk=world.device.pk).exists()


def test_device_list_query_count(client_for, world, django_assert_max_num_queries):
    for n in range(20):
        make_device(world.org, f"Tracker {n}")
    client = client_for(world.manager)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("device_list")).status_code == 200


# --- change log ---------------------------------------------------------------------------------
def test_change_log_lists_visible_entries_with_per_key_diff(client_for, world):
    update_asset(world.dispatcher, world.truck_b.pk, title="Truck B-12 (Berlin)")
    update_asset(world.root, world.secret.pk, title="Secret v2")
    response = client_for(world.viewer).get(reverse("change_list"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["entry"].object_repr for row in rows] == ["Truck B-12 (Berlin)"]
    assert [(d.key, d.before, d.after) for d in rows[0]["diff"]] == [
        ("title", '"Truck B-12"', '"Truck B-12 (Berlin)"'),
    ]


def test_change_log_filters_by_object_type_and_user(client_for, world):
    update_asset(world.dispatcher, world.truck_b.pk, title="By dispatcher")
    update_asset(world.manager, world.truck_c.pk, title="By manager")
    client = client_for(world.root)
    by_user = client.get(reverse("change_list"), {"user": "manager"})
    assert [row["entry"].object_repr for row in by_user.context["rows"]] == ["By manager"]
    devices_only = client.get(reverse("change_list"), {"object_type": "device"})
    assert devices_only.context["rows"] == []


def test_object_history_page(client_for, world):
    update_asset(world.dispatcher, world.truck_b.pk, custom_fields={"set": {"fuel_capacity_l": 260}})
    client = client_for(world.viewer)
    response = client.get(reverse("object_changes", args=["asset", world.truck_b.pk]))
    assert response.status_code == 200
    assert [(d.key, d.before, d.after) for d in response.context["rows"][0]["diff"]] == [
        ("custom_fields.fuel_capacity_l", "250", "260"),
    ]
    assert client.get(reverse("object_changes", args=["asset", world.secret.pk])).status_code == 404
    assert client.get(reverse("object_changes", args=["device", 987654])).status_code == 404


def test_object_history_of_asset_without_entries_is_empty_not_404(client_for, world):
    response = client_for(world.viewer).get(reverse("object_changes", args=["asset", world.truck_a.pk]))
    assert response.status_code == 200 and b"No changes" in response.content


def test_change_log_query_count(client_for, world, django_assert_max_num_queries):
    for n in range(15):
        update_asset(world.dispatcher, world.truck_b.pk, title=f"Rename {n}")
    client = client_for(world.viewer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("change_list")).status_code == 200


# --- error pages --------------------------------------------------------------------------------
def test_403_page_is_in_the_layout(client_for, world):
    response = client_for(world.viewer).get(reverse("asset_edit", args=[world.truck_a.pk]))
    assert response.status_code == 403
    assert b"You can't do that here" in response.content and b'class="topbar"' in response.content


def test_500_page_renders_in_the_layout_and_without_a_database(rf, world, monkeypatch):
    from django.contrib.auth.models import AnonymousUser

    from assets.views import errors

    request = rf.get("/boom/")
    request.user = AnonymousUser()
    request.request_id = "abc123"
    response = errors.server_error(request)
    assert response.status_code == 500 and b"Something went wrong" in response.content
    assert b"abc123" in response.content

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(errors, "render", broken)
    fallback = errors.server_error(request)
    assert fallback.status_code == 500 and b"Something went wrong" in fallback.content


# --- stale versions and bad input on the editor and lists ---------------------------------------
def test_type_update_with_stale_version_changes_nothing(client_for, world):
    client = client_for(world.manager)
    AssetType.objects.filter(pk=world.truck.pk).update(version=3)
    response = client.post(reverse("type_update", args=[world.truck.pk]), {"title": "Renamed", "version": "1"})
    assert response.status_code == 302
    assert b"Someone changed this type" in client.get(response["Location"]).content
    world.truck.refresh_from_db()
    assert world.truck.title == "Delivery Truck"


def test_type_update_reports_an_empty_title(client_for, world):
    response = client_for(world.manager).post(reverse("type_update", args=[world.truck.pk]), {
        "title": "  ", "order": "x", "version": world.truck.version,
    })
    assert response.status_code == 400
    assert response.context["type_form"].errors["order"] == ["must be an integer"]
    response = client_for(world.manager).post(reverse("type_update", args=[world.truck.pk]), {
        "title": "  ", "version": world.truck.version,
    })
    assert response.status_code == 400
    assert response.context["type_form"].errors["title"] == ["must not be empty"]


def test_type_delete_with_stale_version_keeps_the_type(client_for, world):
    spare = AssetType.objects.create(organization=world.org, code="spare", title="Spare", version=2)
    response = client_for(world.manager).post(reverse("type_delete", args=[spare.pk]), {"version": "1"})
    assert response.status_code == 302 and AssetType.objects.filter(pk=spare.pk).exists()


def test_field_edit_move_and_delete_with_stale_version_change_nothing(client_for, world):
    client = client_for(world.manager)
    AssetType.objects.filter(pk=world.truck.pk).update(version=7)
    edit = client.post(reverse("field_edit", args=[world.truck.pk, "manual"]), {"title": "Handbook", "version": "1"})
    move = client.post(reverse("field_move", args=[world.truck.pk, "manual"]), {"direction": "up", "version": "1"})
    delete = client.post(reverse("field_delete", args=[world.truck.pk, "manual"]), {"version": "1"})
    assert edit.status_code == move.status_code == delete.status_code == 302
    manual = CustomFieldDefinition.objects.get(asset_type=world.truck, code="manual")
    assert manual.title == "Manual" and manual.order == 50


def test_field_pages_of_unknown_field_are_404(client_for, world):
    client = client_for(world.manager)
    assert client.get(reverse("field_edit", args=[world.truck.pk, "nope"])).status_code == 404
    assert client.post(reverse("field_move", args=[world.truck.pk, "nope"]), {"direction": "up"}).status_code == 404
    assert client.post(reverse("field_delete", args=[world.truck.pk, "nope"])).status_code == 404


def test_device_and_change_lists_report_a_bad_cursor(client_for, world):
    client = client_for(world.viewer)
    devices = client.get(reverse("device_list"), {"cursor": "bad"})
    changes = client.get(reverse("change_list"), {"cursor": "bad"})
    assert devices.status_code == changes.status_code == 400
    assert b"cursor" in devices.content and b"cursor" in changes.content


def test_switcher_form_carries_a_working_csrf_token(world):
    import re

    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.viewer)
    page = client.get("/").content.decode()
    form = page[page.index('class="org-switcher"'):]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert client.post(reverse("switch_organization"), {"organization_id": world.org.pk}).status_code == 403
    response = client.post(reverse("switch_organization"), {"organization_id": world.org.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and client.session["current_organization_id"] == world.org.pk


@pytest.mark.parametrize("page", ["new_choose", "new_form", "object_history", "field_edit", "delete_confirm"])
def test_remaining_pages_query_counts(client_for, world, page, django_assert_max_num_queries):
    for n in range(10):
        update_asset(world.root, world.truck_a.pk, title=f"Truck B-44 v{n}")
    urls = {
        "new_choose": (world.dispatcher, reverse("asset_create")),
        "new_form": (world.dispatcher, f"{reverse('asset_create')}?organization_id={world.org.pk}&type_id={world.truck.pk}"),
        "object_history": (world.viewer, reverse("object_changes", args=["asset", world.truck_a.pk])),
        "field_edit": (world.manager, reverse("field_edit", args=[world.truck.pk, "color"])),
        "delete_confirm": (world.root, reverse("asset_delete", args=[world.truck_a.pk])),
    }
    user, url = urls[page]
    client = client_for(user)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


# --- the organization switcher drives the dashboard and follows the list's filter --------------
def test_dashboard_follows_the_switcher(client_for, world):
    from assets.services.assets import update_asset as update

    client = client_for(world.root)
    update(world.root, world.secret.pk, title="Secret prototype v2")
    client.post(reverse("switch_organization"), {"organization_id": world.org.pk, "next": "/"})
    response = client.get("/")
    assert [card["organization"].key for card in response.context["cards"]] == ["translog"]
    assert "Secret prototype" not in response.content.decode()
    client.post(reverse("switch_organization"), {"organization_id": world.dealer.pk, "next": "/"})
    assert {c["organization"].key for c in client.get("/").context["cards"]} == {"dealer", "translog"}


def test_view_only_user_is_not_offered_new_asset(client_for, world):
    assert "New asset" not in client_for(world.viewer).get("/").content.decode()
    assert "New asset" not in client_for(world.viewer).get("/assets/").content.decode()
    assert "New asset" in client_for(world.dispatcher).get("/").content.decode()


def test_the_list_filter_moves_the_switcher_along(client_for, world):
    client = client_for(world.root)
    response = client.get("/assets/", {"organization_id": world.org.pk}, HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="http://testserver/assets/")
    assert client.session["current_organization_id"] == world.org.pk
    assert 'id="org-switcher-form" method="post" action="/organization/" hx-swap-oob="true"' in response.content.decode()
    again = client.get("/assets/", {"organization_id": world.org.pk}, HTTP_HX_REQUEST="true")
    assert 'id="org-switcher-form"' not in again.content.decode()  # unchanged: the header is left alone
    client.get("/assets/", {"organization_id": ""})
    assert "current_organization_id" not in client.session
