"""The group list skips ninja's response validation (assets.core.api.prebuilt): its body must stay
exactly what GroupPage would have produced, with and without a total and a next page."""

from __future__ import annotations

import json

from ninja.responses import NinjaJSONEncoder

from groups.schemas import GroupPage

from .conftest import make_group


def through_schema(body: dict) -> dict:
    return json.loads(json.dumps(GroupPage.model_validate(body).model_dump(exclude_unset=True), cls=NinjaJSONEncoder))


def test_group_pages_are_what_the_schema_makes(admin_api, superuser, org, trucks):
    depots = make_group(superuser, org, "Depots")
    for n in range(3):
        make_group(superuser, org, f"Depot {n}", depots, asset_ids=[trucks[n].pk])
    make_group(superuser, org, "Bay", make_group(superuser, org, "Depot Ü", depots))
    for params in ({"parent_id": depots.pk}, {"parent_id": depots.pk, "limit": 2, "count": "true"}, {"root": "true"},
                   {}):
        response = admin_api.get("/groups", params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body == through_schema(body)
        assert ("total_count" in body) == ("count" in params)
    first = admin_api.get("/groups", {"parent_id": depots.pk, "limit": 2}).json()
    assert first["page_info"]["has_next_page"] is True
    assert first["items"][0]["path"] == ["Depots", "Depot 0"] and first["items"][0]["asset_count"] == 1
    rest = admin_api.get("/groups", {"parent_id": depots.pk, "cursor": first["page_info"]["end_cursor"]}).json()
    assert [item["title"] for item in rest["items"]] == ["Depot 2", "Depot Ü"]
    assert rest["items"][1]["children_count"] == 1
