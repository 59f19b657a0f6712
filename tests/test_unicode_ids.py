"""Ids in query strings and forms: a superscript or other non-ASCII digit passes str.isdigit()
but not int(); every page and filter answers it like any other bad id, never with a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_asset
from tests.groups.conftest import make_group

ODD = "\u00b2"  # '²'


@pytest.fixture
def world(superuser, org, truck_type):
    asset = make_asset(org, truck_type, "Truck")
    group = make_group(superuser, org, "Depot")
    client = Client(HTTP_HOST="localhost")
    client.force_login(superuser)
    return client, asset, group


def requests(asset, group):
    return [
        ("get", f"/links/hierarchy/{asset.pk}/children/", {"level": ODD}),
        ("get", f"/links/hierarchy/{asset.pk}/children/", {"shown": ODD}),
        ("get", "/links/picker/", {"asset_id": ODD, "q": "T"}),
        ("get", "/groups/roots/", {"organization": ODD}),
        ("get", "/groups/", {"organization": ODD}),
        ("post", "/groups/create/", {"title": "X", "parent_id": ODD}),
        ("post", f"/groups/{group.pk}/rename/", {"title": "Y", "version": ODD}),
        ("post", f"/groups/{group.pk}/move/", {"parent_id": ODD}),
        ("post", f"/groups/{group.pk}/members/add/", {"asset_id": ODD}),
    ]


def test_pages_answer_a_non_ascii_digit_without_a_server_error(world):
    client, asset, group = world
    for method, path, data in requests(asset, group):
        response = getattr(client, method)(path, data)
        assert response.status_code < 500, (method, path, data, response.status_code)


def test_the_group_filter_of_the_asset_list_refuses_it(admin_api):
    response = admin_api.get("/assets", {"group_id": ODD})
    assert response.status_code == 400


def test_version_and_ids_still_work_in_plain_digits(world):
    client, asset, group = world
    response = client.post(f"/groups/{group.pk}/members/add/", {"asset_id": str(asset.pk)})
    assert response.status_code in (200, 302)
    assert group.memberships.filter(asset=asset).exists()



LONG = "1" * 5000  # past int()'s 4,300-digit limit


@pytest.mark.parametrize("params", [
    {"type_id": LONG}, {"device_id": LONG}, {"organization_id": LONG}, {"linked_to": LONG},
])
def test_an_id_of_thousands_of_digits_is_a_400(admin_api, params):
    assert admin_api.get("/assets", params).status_code == 400


def test_the_change_log_and_link_types_refuse_it_too(admin_api, org):
    assert admin_api.get("/changes", {"user": LONG}).status_code == 400
    response = admin_api.post("/links", {"link_type": LONG, "source_id": 1, "target_id": 2})
    assert 400 <= response.status_code < 500
