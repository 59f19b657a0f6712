"""config.url_groups groups ninja's patterns by their first path segment (by_first_segment): every API
route still resolves to the view ninja's own pattern list gives it, with the same name, route and
arguments, and reverses to the same path."""

from __future__ import annotations

import re

from django.urls import Resolver404, resolve, reverse
from ninja.main import NinjaAPI

from config.api import api
from config.url_groups import by_first_segment


def _sample(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "7" if m.group(1).endswith("id") else "abc", route)


def test_every_api_route_resolves_and_reverses_as_ninja_lists_it():
    patterns, _, _ = api.urls
    first_of_route = {}
    for pattern in patterns:
        first_of_route.setdefault(str(pattern.pattern), pattern)
    for pattern in patterns:
        route = str(pattern.pattern)
        match = resolve(f"/api/v1/{_sample(route)}")
        owner = first_of_route[route]
        assert (match.url_name, match.route, match.namespaces) == (owner.name, f"api/v1/{route}", ["api"])
        assert reverse(f"api:{pattern.name}", kwargs=match.kwargs) == f"/api/v1/{_sample(route)}"


def test_paths_outside_every_group_still_fail_to_resolve():
    for path in ("/api/v1/nothing-here", "/api/v1/assets/7/nothing-here", "/api/v1"):
        try:
            resolve(path)
        except Resolver404:
            continue
        raise AssertionError(f"{path} resolved")


def test_routes_after_one_starting_with_a_converter_keep_their_place():
    demo = NinjaAPI(urls_namespace="segment-demo")
    for route, view in (
        ("things", lambda request: None),
        ("things/{thing_id}", lambda request, thing_id: None),
        ("{anything}/x", lambda request, anything: None),
        ("things/{thing_id}/x", lambda request, thing_id: None),
    ):
        demo.get(f"/{route}", url_name=route.replace("/", "-"))(view)
    grouped, _, _ = by_first_segment(demo.urls)
    # The converter-led route could match a "things/..." path: what follows it is not moved before
    # it (ninja's root pattern comes last).
    assert [str(p.pattern) for p in grouped[1:]] == ["<anything>/x", "things/<thing_id>/x", ""]


def test_an_unknown_api_path_is_still_a_problem_404(db, client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
