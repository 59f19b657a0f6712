"""Hidden groups are never named (issue 13 #10): not in a 403 message."""

from __future__ import annotations

from tests.factories import grant, make_user


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
