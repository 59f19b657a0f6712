"""NotFound carries which object is missing as data, so surfaces never parse its message."""

from __future__ import annotations

from assets.core.errors import NotFound


def test_not_found_of_names_the_object_as_data_and_keeps_it_out_of_the_problem_body():
    exc = NotFound.of("asset", 42)
    assert (exc.entity_type, exc.entity_id) == ("asset", 42)
    assert exc.detail == "asset 42 does not exist"
    body = exc.as_problem()
    assert body["status"] == 404 and "entity_id" not in body and "entity_type" not in body
    plain = NotFound("gone")
    assert plain.entity_type is None and plain.entity_id is None
