"""Values the link API used to read loosely: a boolean sequence and ids beyond 64 bits in filters."""

from __future__ import annotations

import pytest

from .conftest import make_link


def test_a_boolean_sequence_is_refused(editor_api, building, floors):
    link = make_link("parent_child", building, floors[0], sequence=3)
    for value in (True, False):
        response = editor_api.patch(f"/links/{link.pk}", {"sequence": value})
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"].startswith("sequence")
    assert editor_api.get(f"/links/{link.pk}").json()["sequence"] == 3


@pytest.mark.parametrize("name", ["source_id", "target_id", "asset_id"])
@pytest.mark.parametrize("value", ["0", "-1", str(2**63)])
def test_ids_that_name_nothing_are_400_in_link_filters(editor_api, name, value):
    response = editor_api.get("/links", {name: value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
