"""Issue 13's findings through the REST API: what a user may not view is never named, hinted at
or attached."""

from __future__ import annotations

from assets.models import AssetDeviceLink
from tests.assets.helpers import assert_problem
from tests.factories import grant, make_asset, make_device, make_user


# --- 6: devices one may not view can't be attached ------------------------------------------------
def test_a_device_field_accepts_only_devices_the_user_may_view(api_for, org, truck_type):
    mine = make_asset(org, truck_type, custom_fields={"license_plate": "A"})
    hidden_owner = make_asset(org, truck_type, custom_fields={"license_plate": "B"})
    linked = make_device(org)
    AssetDeviceLink.objects.create(asset=hidden_owner, device=linked, field_code="tracker")
    unlinked = make_device(org)
    user = make_user("one-asset")
    grant(user, "change_asset", mine)
    api = api_for(user)
    answers = {}
    for name, device_id in (("linked", linked.pk), ("unlinked", unlinked.pk), ("missing", 987654)):
        response = api.patch(f"/assets/{mine.pk}", {"custom_fields": {"set": {"tracker": device_id}}})
        body = assert_problem(response, 400, "VALIDATION_ERROR")
        answers[name] = (body["detail"], body["errors"][0]["message"].replace(str(device_id), "<id>"))
        assert api.get(f"/devices/{device_id}").status_code == 404
    assert answers["linked"] == answers["unlinked"] == answers["missing"], answers
    # The shared wording of a missing reference (as for ASSET fields): hidden reads as missing.
    assert answers["missing"][1] == "no device <id> in this organization"
    assert not AssetDeviceLink.objects.filter(asset=mine).exists()


def test_a_device_the_user_may_view_is_still_attached(api_for, org, truck_type):
    asset = make_asset(org, truck_type, custom_fields={"license_plate": "A"})
    device = make_device(org)
    user = make_user("dispatcher")
    grant(user, "change_org_assets", org)
    response = api_for(user).patch(f"/assets/{asset.pk}", {"custom_fields": {"set": {"tracker": device.pk}}})
    assert response.status_code == 200, response.content
    assert AssetDeviceLink.objects.filter(asset=asset, device=device).exists()


# --- 14: Django's password validators ---------------------------------------------------------
def test_common_numeric_and_username_like_passwords_are_refused(admin_api):
    for username, password in (("alice", "password"), ("bob", "12345678"), ("carol-smith", "carol-smith1")):
        body = assert_problem(admin_api.post("/users", {"username": username, "password": password}), 400)
        assert body["errors"] and all(e["field"] == "password" for e in body["errors"]), body
    assert admin_api.post("/users", {"username": "dave", "password": "lorry-route-9341"}).status_code == 201


def test_the_admin_user_form_refuses_a_common_password(superuser):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/auth/user/add/", {"username": "erin", "password1": "password", "password2": "password", "usable_password": "true"}
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not get_user_model().objects.filter(username="erin").exists()


# --- 11: existence oracles --------------------------------------------------------------------
def test_a_key_conflict_does_not_name_an_asset_the_user_cannot_see(api_for, org, truck_type):
    make_asset(org, truck_type, key="hidden-key", custom_fields={"license_plate": "H"})
    mine = make_asset(org, truck_type, key="mine", custom_fields={"license_plate": "M"})
    user = make_user("one-asset")
    grant(user, "change_asset", mine)
    body = assert_problem(api_for(user).patch(f"/assets/{mine.pk}", {"key": "hidden-key"}), 409, "DUPLICATE")
    assert "hidden-key" not in str(body)
    visible_one = make_asset(org, truck_type, key="seen-key", custom_fields={"license_plate": "S"})
    grant(user, "view_asset", visible_one)
    body = assert_problem(api_for(user).patch(f"/assets/{mine.pk}", {"key": "seen-key"}), 409, "DUPLICATE")
    assert "seen-key" in body["detail"]


def test_a_cf_filter_on_a_code_only_an_invisible_organization_defines_answers_like_an_unknown_code(api_for, org):
    from tests.factories import make_org, make_type

    hidden_org = make_org("hidden")
    make_type(hidden_org, "vault", [{"code": "secret_number", "field_type": "NUMBER"}])
    user = make_user("viewer")
    grant(user, "view_org_assets", org)
    api = api_for(user)
    for params in ({"cf_{}__gte": "5"}, {"cf_{}__contains": "x"}, {"cf_{}__in": "1,2"}, {"ordering": "cf_{}"}):
        answers = []
        for code in ("secret_number", "no_such_code"):
            response = api.get("/assets", {k.format(code): v.format(code) for k, v in params.items()})
            answers.append((response.status_code, response.content.decode().replace(code, "<code>")))
        assert answers[0] == answers[1], (params, answers)
