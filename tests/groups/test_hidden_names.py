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
