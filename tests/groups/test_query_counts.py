"""Lists and tree expansion cost the same number of queries for 5 children as for 50: counts
and paths come from the page's own queries, never one per row."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import grant, make_asset, make_user

from .conftest import make_group

# The token with the permission snapshot, the page (counts and the group-scoped EXISTS inside
# it), paths.
LIST_QUERIES = 3
# Session, user with the snapshot, the node with its counts, the children page.
EXPAND_QUERIES = 4


def build(superuser, org, vehicle_type, children: int):
    parent = make_group(superuser, org, "Depots")
    for n in range(children):
        child = make_group(superuser, org, f"Depot {n:03}", parent)
        asset = make_asset(org, vehicle_type, f"Truck {children}-{n}")
        make_group(superuser, org, f"Bay {n:03}", child, asset_ids=[asset.pk])
    return parent


@pytest.fixture
def reader(org):
    """Reaches the groups through a group grant, so the permission SQL is in every query."""
    return make_user("reader")


@pytest.mark.parametrize("children", [5, 50])
def test_list_children_query_count_does_not_grow(api_for, superuser, reader, org, vehicle_type, children,
                                                 django_assert_max_num_queries):
    parent = build(superuser, org, vehicle_type, children)
    grant(reader, "view_group_assets", parent)
    for user in (superuser, reader):
        client = api_for(user)
        client.get("/groups", {"parent_id": parent.pk})  # warm the token and content types
        with django_assert_max_num_queries(LIST_QUERIES):
            response = client.get("/groups", {"parent_id": parent.pk, "limit": 100})
        items = response.json()["items"]
        assert len(items) == children
        assert items[0]["children_count"] == 1 and items[0]["asset_count"] == 0
        assert items[0]["path"] == ["Depots", "Depot 000"]


@pytest.mark.parametrize("children", [5, 50])
def test_expanding_a_node_query_count_does_not_grow(superuser, reader, org, vehicle_type, children,
                                                    django_assert_max_num_queries):
    parent = build(superuser, org, vehicle_type, children)
    grant(reader, "view_group", parent)
    for user in (superuser, reader):
        client = Client()
        client.force_login(user)
        client.get(f"/groups/{parent.pk}/children/", HTTP_HX_REQUEST="true")
        with django_assert_max_num_queries(EXPAND_QUERIES):
            response = client.get(f"/groups/{parent.pk}/children/", HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert response.content.count(b'class="tree-node') == children


@pytest.mark.parametrize("children", [5, 50])
def test_tree_endpoint_query_count_does_not_grow(admin_api, superuser, org, vehicle_type, children,
                                                 django_assert_max_num_queries):
    parent = build(superuser, org, vehicle_type, children)
    admin_api.get(f"/groups/{parent.pk}/tree")
    with django_assert_max_num_queries(4):
        response = admin_api.get(f"/groups/{parent.pk}/tree")
    assert len(response.json()["children"]) == children


@pytest.mark.parametrize("children", [5, 50])
def test_group_assets_and_asset_list_query_counts_do_not_grow(admin_api, superuser, org, vehicle_type, children,
                                                              django_assert_max_num_queries):
    assets = [make_asset(org, vehicle_type, f"Boat {n}") for n in range(children)]
    group = make_group(superuser, org, "Boston boats", asset_ids=[a.pk for a in assets])
    make_group(superuser, org, "Harbour", asset_ids=[a.pk for a in assets])
    admin_api.get(f"/groups/{group.pk}/assets")
    # The token, the group, the page (each asset's groups in its row).
    with django_assert_max_num_queries(3):
        response = admin_api.get(f"/groups/{group.pk}/assets", {"limit": 100})
    assert len(response.json()["items"]) == children
    assert len(response.json()["items"][0]["groups"]) == 2
    with django_assert_max_num_queries(2):
        listed = admin_api.get("/assets", {"group_id": group.pk, "limit": 100})
    assert len(listed.json()["items"]) == children


@pytest.mark.parametrize("children", [5, 50])
def test_group_page_query_count_does_not_grow(superuser, org, vehicle_type, children, django_assert_max_num_queries):
    parent = build(superuser, org, vehicle_type, children)
    client = Client()
    client.force_login(superuser)
    client.get(f"/groups/{parent.pk}/")
    with django_assert_max_num_queries(11):
        response = client.get(f"/groups/{parent.pk}/")
    assert response.status_code == 200
