"""Hidden groups are never named (issue 13 #10): not in a 403 message, `moved_from`, the asset's
`groups` (REST, GraphQL, pages) or the admin."""

from __future__ import annotations

import json

import pytest

from tests.factories import grant, make_user

from .conftest import make_group


def test_a_refusal_does_not_name_the_hidden_parent(api, germany):
    user = make_user("hamburg-lead")
    grant(user, "change_group", germany["hamburg"])
    client = api(user)
    assert client.get(f"/groups/{germany['north'].pk}").status_code == 404  # the parent is hidden
    for response in (
        client.delete(f"/groups/{germany['hamburg'].pk}"),
        client.patch(f"/groups/{germany['hamburg'].pk}", {"parent_id": germany["hamburg"].pk + 1000}),
        client.patch(f"/groups/{germany['hamburg'].pk}", {"parent_id": None}),
    ):
        body = response.content.decode()
        assert response.status_code in (400, 403), body
        assert "North" not in body and "Germany" not in body
    response = client.delete(f"/groups/{germany['hamburg'].pk}")
    assert response.status_code == 403 and "parent group" in response.json()["detail"]


def test_moved_from_names_only_groups_the_user_may_see(api, germany, trucks):
    user = make_user("berlin-lead")
    grant(user, "change_group", germany["berlin"])
    for truck in trucks[:2]:
        grant(user, "change_asset", truck)
    response = api(user).post(f"/groups/{germany['berlin'].pk}/assets", {"asset_ids": [trucks[0].pk]})
    assert response.status_code == 200, response.content
    assert response.json()["moved_from"] == []  # it left Hamburg, which this user can't see
    assert str(germany["hamburg"].pk) not in str(response.json()["moved_from"])
    visible = make_user("north-lead")
    grant(visible, "change_group", germany["north"])
    grant(visible, "change_asset", trucks[1])
    response = api(visible).post(f"/groups/{germany['berlin'].pk}/assets", {"asset_ids": [trucks[1].pk]})
    assert response.json()["moved_from"] == [{"asset_id": trucks[1].pk, "group_id": germany["hamburg"].pk}]


# --- the asset's `groups` and the admin (issue 13 #10) -----------------------------------------

SECRET = "SECRET ROOT GROUP"


@pytest.fixture
def secret_world(superuser, org, germany, trucks):
    """Truck 1 is in Hamburg (under North) and in a second tree the reader may not view; the
    reader sees Hamburg's assets through a group-scoped grant, so sees TransLog and truck 1."""
    secret = make_group(superuser, org, SECRET, asset_ids=[trucks[0].pk])
    reader = make_user("hamburg-reader")
    reader.is_staff = True
    reader.save()
    grant(reader, "change_group_assets", germany["hamburg"])
    return {"secret": secret, "reader": reader, "truck": trucks[0], "hamburg": germany["hamburg"]}


def _hides_secret(world, body: str) -> None:
    assert SECRET not in body
    assert f'"id": {world["secret"].pk},' not in body and f'"id":{world["secret"].pk},' not in body
    assert f'"id": "{world["secret"].pk}"' not in body and f'"id":"{world["secret"].pk}"' not in body


def test_the_asset_shape_lists_only_groups_the_reader_may_view(api, superuser, secret_world):
    world, truck, hamburg = secret_world, secret_world["truck"], secret_world["hamburg"]
    client = api(world["reader"])
    expected = [{"id": hamburg.pk, "title": "Hamburg depot"}]
    detail = client.get(f"/assets/{truck.pk}")
    assert detail.status_code == 200 and detail.json()["groups"] == expected
    _hides_secret(world, detail.content.decode())
    listed = client.get("/assets", {"organization_id": truck.organization_id, "limit": 100})
    assert listed.status_code == 200
    assert [a["groups"] for a in listed.json()["items"] if a["id"] == truck.pk] == [expected]
    _hides_secret(world, listed.content.decode())
    members = client.get(f"/groups/{hamburg.pk}/assets")
    assert members.status_code == 200, members.content
    assert [a["groups"] for a in members.json()["items"] if a["id"] == truck.pk] == [expected]
    _hides_secret(world, members.content.decode())
    for response in (  # the writes answer with the same shape
        client.patch(f"/assets/{truck.pk}", {"title": "Truck one"}),
        client.patch("/assets", [{"id": truck.pk, "title": "Truck 1"}]),
    ):
        assert response.status_code == 200, response.content
        assert SECRET not in response.content.decode()
        shape = response.json()[0] if isinstance(response.json(), list) else response.json()
        assert shape["groups"] == expected
    # Whoever sees every group of the organization sees both.
    both = api(superuser).get(f"/assets/{truck.pk}").json()["groups"]
    assert {g["id"] for g in both} == {hamburg.pk, world["secret"].pk}


def test_graphql_and_the_page_list_only_groups_the_reader_may_view(secret_world):
    from django.test import Client

    from tests.graphql.conftest import GraphQLClient

    world, truck = secret_world, secret_world["truck"]
    gql = GraphQLClient(world["reader"])
    one = gql.data(f'{{ asset(id: "{truck.pk}") {{ groups {{ nodes {{ id title }} }} }} }}')
    assert one["asset"]["groups"]["nodes"] == [{"id": str(world["hamburg"].pk), "title": "Hamburg depot"}]
    page = gql.execute(
        f'{{ assets(organizationId: "{truck.organization_id}") {{ nodes {{ id groups {{ nodes {{ id title }} }} }} }} }}'
    )
    assert "errors" not in page, page
    assert SECRET not in json.dumps(page) and f'"{world["secret"].pk}"' not in json.dumps(page)
    browser = Client()
    browser.force_login(world["reader"])
    for url in (f"/assets/{truck.pk}/", "/assets/", f"/groups/{world['hamburg'].pk}/"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
        assert f"/groups/{world['secret'].pk}/" not in response.content.decode(), url


def test_the_admin_names_no_group_or_organization_the_staff_user_may_not_view(superuser, org, germany, other_org):
    from django.test import Client

    from groups.models import AssetGroup

    make_group(superuser, other_org, "Hidden elsewhere")
    staff = make_user("hamburg-admin")
    staff.is_staff = True
    staff.save()
    grant(staff, "change_group", germany["hamburg"])
    north = germany["north"]
    browser = Client()
    browser.force_login(staff)
    admin_url = "/admin/groups/assetgroup/"
    changelist = browser.get(admin_url).content.decode()
    assert "Hamburg depot" in changelist
    assert "Architecture DB" not in changelist and "Hidden elsewhere" not in changelist  # the org filter
    change = browser.get(f"{admin_url}{germany['hamburg'].pk}/change/")
    assert change.status_code == 200
    html = change.content.decode()
    assert "North" not in html and "Germany" not in html  # the parent's label and the raw-id value
    assert f'value="{north.pk}"' not in html and "a group you may not view" in html
    add = browser.get(f"{admin_url}add/?parent={north.pk}")
    html = add.content.decode()
    assert "Architecture DB" not in html and "North" not in html
    # Saving the group under its hidden parent keeps the parent.
    saved = browser.post(f"{admin_url}{germany['hamburg'].pk}/change/", {
        "title": "Hamburg depot", "code": "", "description": "", "exclusive": "on",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    })
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert AssetGroup.objects.get(pk=germany["hamburg"].pk).parent_id == north.pk
    # The inline lists no member the staff user may not view.
    assert "Truck 1" not in browser.get(f"{admin_url}{germany['hamburg'].pk}/change/").content.decode()
