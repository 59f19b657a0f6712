"""One id parser (assets/core/inputs.py): odd ids from text, JSON and query strings are a 400
problem on the field that held them (or find nothing), never a 500 or a silently widened list."""

from __future__ import annotations

import pytest

from assets.core.errors import ValidationFailed
from assets.core.inputs import MAX_ID, id_from_text, require_id

ODD_TEXT = ["", " ", "0", "-1", "+1", "1.0", "1e3", "²", "١٢", "0x1F", str(MAX_ID + 1), "9" * 5000, "1,2", "a"]


@pytest.mark.parametrize("raw", ODD_TEXT)
def test_text_that_is_not_an_id_reads_as_none(raw):
    assert id_from_text(raw) is None


def test_text_ids_are_positive_64_bit_integers():
    assert id_from_text("7") == 7
    assert id_from_text(" 7 ") == 7
    assert id_from_text(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize("value", [None, 0, -1, True, 1.0, "1", MAX_ID + 1, [1]])
def test_require_id_refuses_what_is_not_an_id(value):
    with pytest.raises(ValidationFailed) as refused:
        require_id(value, "owner_id")
    assert refused.value.as_problem()["errors"][0]["field"] == "owner_id"


def _is_problem(response, status=400, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    if field is not None:
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(name == field or name.startswith(f"{field}.") for name in fields), fields


@pytest.mark.parametrize("value", ["0", "-3", "²", "1.5", str(MAX_ID + 1), "9" * 5000])
def test_odd_ids_in_asset_filters_are_400(admin_api, truck_type, value):
    _is_problem(admin_api.get("/assets", {"type_id": value}), field="type_id")
    _is_problem(admin_api.get("/assets", {"cf_tracker": value}), field="cf_tracker")


@pytest.mark.parametrize("value", [0, -1, 1.5, MAX_ID + 1])
def test_odd_ids_in_bodies_are_400(admin_api, org, truck_type, value):
    body = {"organization_id": org.pk, "type_id": truck_type.pk, "title": "T1",
            "custom_fields": {"license_plate": "HH 1"}}
    _is_problem(admin_api.post("/assets", {**body, "organization_id": value}), field="organization_id")
    _is_problem(admin_api.post("/assets", {**body, "type_id": value}), field="type_id")
    team = admin_api.post("/teams", {"name": "night shift"}).json()
    _is_problem(admin_api.post(f"/teams/{team['id']}/members", {"user_ids": [value]}), field="user_ids")


@pytest.mark.parametrize("value", ["0", str(MAX_ID + 1), "-1"])
def test_odd_ids_in_list_filters_are_400(admin_api, value):
    _is_problem(admin_api.get("/devices", {"organization_id": value}), field="organization_id")
    _is_problem(admin_api.get("/permissions", {"user_id": value}), field="user_id")


@pytest.mark.parametrize("name", ["organization_id", "object_id"])
@pytest.mark.parametrize("value", ["0", "-1", str(MAX_ID + 1)])
def test_odd_ids_in_change_log_filters_are_400(admin_api, name, value):
    _is_problem(admin_api.get("/changes", {name: value}), field=name)


@pytest.mark.parametrize("value", ["0", str(MAX_ID + 1)])
def test_an_odd_organization_for_an_asset_type_is_400(admin_api, truck_type, value):
    _is_problem(admin_api.get(f"/asset-types/{truck_type.pk}", {"organization_id": value}), field="organization_id")
