"""Per-asset permission rules of SPEC §3: invisible is 404, visible but not changeable is 403,
change and delete imply view, and each source of a grant counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as Team

from assets.models import Asset
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .helpers import assert_problem


@pytest.fixture
def truck(org, truck_type):
    return make_asset(org, truck_type, "Truck B-44", custom_fields={"license_plate": "HH-TL 4421"})


def _can(api, truck) -> dict:
    """What the client may do with the truck, by status code."""
    return {
        "view": api.get(f"/assets/{truck.pk}").status_code,
        "change": api.patch(f"/assets/{truck.pk}", {"title": "Renamed"}).status_code,
    }


def test_no_grant_means_not_found(truck, outsider_api):
    assert_problem(outsider_api.get(f"/assets/{truck.pk}"), 404, "NOT_FOUND")
    assert_problem(outsider_api.patch(f"/assets/{truck.pk}", {"title": "x"}), 404, "NOT_FOUND")
    assert_problem(outsider_api.delete(f"/assets/{truck.pk}"), 404, "NOT_FOUND")
    # Exactly like an asset that doesn't exist.
    missing = outsider_api.get("/assets/987654").json()
    invisible = outsider_api.get(f"/assets/{truck.pk}").json()
    assert {k: v for k, v in missing.items() if k not in ("detail", "trace_id")} == {
        k: v for k, v in invisible.items() if k not in ("detail", "trace_id")
    }


def test_view_only_gets_403_on_change_and_delete(truck, viewer_api):
    assert viewer_api.get(f"/assets/{truck.pk}").status_code == 200
    assert_problem(viewer_api.patch(f"/assets/{truck.pk}", {"title": "x"}), 403, "FORBIDDEN")
    assert_problem(viewer_api.delete(f"/assets/{truck.pk}"), 403, "FORBIDDEN")
    truck.refresh_from_db()
    assert truck.title == "Truck B-44" and truck.version == 1


@pytest.mark.parametrize("codename", ["change_asset", "delete_asset"])
def test_change_and_delete_grants_imply_view(truck, codename):
    user = make_user()
    grant(user, codename, truck)
    assert ApiClient(user).get(f"/assets/{truck.pk}").status_code == 200


@pytest.mark.parametrize("codename", ["change_org_assets", "delete_org_assets"])
def test_organization_change_and_delete_imply_view(truck, org, codename):
    user = make_user()
    grant(user, codename, org)
    assert ApiClient(user).get(f"/assets/{truck.pk}").status_code == 200


def test_object_change_grant_allows_patch_but_not_delete(truck):
    user = make_user()
    grant(user, "change_asset", truck)
    api = ApiClient(user)
    assert api.patch(f"/assets/{truck.pk}", {"title": "Renamed"}).status_code == 200
    assert_problem(api.delete(f"/assets/{truck.pk}"), 403, "FORBIDDEN")


def test_object_delete_grant_allows_delete(truck):
    user = make_user()
    grant(user, "delete_asset", truck)
    api = ApiClient(user)
    assert_problem(api.patch(f"/assets/{truck.pk}", {"title": "Renamed"}), 403, "FORBIDDEN")
    assert api.delete(f"/assets/{truck.pk}").status_code == 204


def test_team_grants_count(truck):
    user = make_user()
    team = Team.objects.create(name="Hamburg depot")
    team.user_set.add(user)
    grant(team, "change_asset", truck)
    assert _can(ApiClient(user), truck) == {"view": 200, "change": 200}


def test_team_organization_grants_count(truck, org):
    user = make_user()
    team = Team.objects.create(name="dispatch")
    team.user_set.add(user)
    grant(team, "change_org_assets", org)
    assert _can(ApiClient(user), truck) == {"view": 200, "change": 200}


def test_global_model_permissions_count(truck):
    user = make_user()
    grant(user, "assets.change_asset")
    assert _can(ApiClient(user), truck) == {"view": 200, "change": 200}


def test_grants_on_another_asset_or_organization_dont_leak(truck, org, truck_type):
    neighbour = make_asset(org, truck_type, "Truck B-45")
    user = make_user()
    grant(user, "change_asset", neighbour)
    grant(user, "change_org_assets", make_org("elsewhere"))
    assert _can(ApiClient(user), truck) == {"view": 404, "change": 404}


def test_editor_of_the_organization_changes_and_cannot_delete(truck, editor_api):
    assert _can(editor_api, truck) == {"view": 200, "change": 200}
    assert_problem(editor_api.delete(f"/assets/{truck.pk}"), 403, "FORBIDDEN")


def test_superuser_does_everything(truck, admin_api):
    assert _can(admin_api, truck) == {"view": 200, "change": 200}
    assert admin_api.delete(f"/assets/{truck.pk}").status_code == 204


def test_asset_reference_fields_only_accept_visible_assets(org):
    room_type = make_type(org, "room", [{"code": "building", "field_type": "ASSET"}])
    hidden = make_asset(org, room_type, "Hidden building")
    user = make_user()
    grant(user, "assets.add_asset")
    mine = make_asset(org, room_type, "Mine")
    grant(user, "change_asset", mine)
    body = assert_problem(
        ApiClient(user).patch(f"/assets/{mine.pk}", {"custom_fields": {"set": {"building": hidden.pk}}}), 400
    )
    assert "no asset" in body["errors"][0]["message"]


def test_devices_of_invisible_assets_are_not_named(org, truck_type, tracker, spare_tracker, admin_api):
    hidden = admin_api.post("/assets", {
        "organization_id": org.pk, "type_id": truck_type.pk, "title": "Hidden truck",
        "custom_fields": {"license_plate": "X", "tracker": tracker.pk},
    }).json()
    visible = admin_api.post("/assets", {
        "organization_id": org.pk, "type_id": truck_type.pk, "title": "Visible truck",
        "custom_fields": {"license_plate": "Y", "tracker": spare_tracker.pk},
    }).json()
    manager = make_user("device-manager")
    grant(manager, "manage_org", org)
    grant(manager, "view_asset", Asset.objects.get(pk=visible["id"]))
    devices = {d["identifier"]: d for d in ApiClient(manager).get("/devices").json()["items"]}
    assert devices[tracker.identifier]["asset"] is None and devices[tracker.identifier]["linked"] is True
    assert devices[spare_tracker.identifier]["asset"] == {"id": visible["id"], "title": "Visible truck"}
    assert hidden["title"] not in str(devices)
