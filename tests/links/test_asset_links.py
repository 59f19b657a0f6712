"""GET /assets/{id}/links: flat and tree views, hidden assets counted once and never revealed,
depth and node caps reported, and a constant number of queries."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from assets.models import Asset
from links import queries
from links.models import Link, LinkKind
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_user

from .conftest import chain_assets, make_link, system_type

pytestmark = pytest.mark.django_db


def values_of(node, found=None) -> dict[str, set]:
    """Every asset_id and link_id anywhere in a JSON answer."""
    found = found if found is not None else {"asset_id": set(), "link_id": set()}
    if isinstance(node, dict):
        for name, value in node.items():
            if name in found:
                found[name].add(value)
            values_of(value, found)
    elif isinstance(node, list):
        for value in node:
            values_of(value, found)
    return found


def keys(items):
    return [item["asset_key"] for item in items]


def test_flat_view_groups_links_by_kind(editor_api, arch, building, floors, floor_type):
    campus = make_asset(arch, floor_type, "Campus", key="campus")
    model = make_asset(arch, floor_type, "Related Model", key="related-asset-1")
    sheet = make_asset(arch, floor_type, "Plan sheet", key="plan-sheet")
    newer = make_asset(arch, floor_type, "Building v2", key="building-v2")
    make_link("parent_child", campus, building, alias="wing-a")
    make_link("parent_child", building, floors[0], alias="floor-1", sequence=2)
    make_link("parent_child", building, floors[1], sequence=1)
    make_link("related", model, building)
    make_link("attachment", building, sheet)
    make_link("supersedes", newer, building)

    body = editor_api.get(f"/assets/{building.pk}/links").json()
    assert keys(body["parents"]) == ["campus"] and body["parents"][0]["alias"] == "wing-a"
    assert keys(body["children"]) == ["floor-2", "floor-1"]
    assert keys(body["related"]) == ["related-asset-1"]
    assert [(i["asset_key"], i["link_type"], i["direction"], i["label"]) for i in body["other"]] == [
        ("building-v2", "supersedes", "incoming", "Supersedes"),
        ("plan-sheet", "attachment", "outgoing", "Attachment"),
    ]
    assert "tree_truncated" not in body and "children" not in body["children"][0]
    item = body["children"][1]
    assert set(item) >= {"asset_id", "asset_key", "asset_title", "organization_id", "link_id", "link_type",
                         "direction", "alias", "tags", "sequence"}


def test_missing_or_invisible_asset_is_404(editor_api, api_for, building):
    assert editor_api.get("/assets/999999/links").status_code == 404
    stranger = api_for(make_user("stranger"))
    assert stranger.get(f"/assets/{building.pk}/links").status_code == 404


def test_tree_nests_children_and_computes_a_shared_subtree_once(editor, editor_api, arch, building, floors, floor_type):
    room = make_asset(arch, floor_type, "Conference Room A", key="room-101")
    component = make_asset(arch, floor_type, "HVAC System", key="hvac-system")
    make_link("parent_child", building, floors[0])
    make_link("parent_child", building, floors[1])
    make_link("parent_child", floors[0], room)
    make_link("parent_child", floors[1], room)
    make_link("parent_child", room, component, alias="hvac")

    body = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true"}).json()
    assert body["tree_truncated"] is False
    assert keys(body["children"]) == ["floor-1", "floor-2"]
    for floor in body["children"]:
        assert keys(floor["children"]) == ["room-101"]
        assert keys(floor["children"][0]["children"]) == ["hvac-system"]
        assert floor["children"][0]["children"][0]["alias"] == "hvac"
        assert floor["children"][0]["children"][0]["children"] == []

    # The room's subtree is built once and shared by both floors.
    children, hidden, truncated = queries.child_tree(editor, building.pk, 10)
    assert children[0]["children"][0]["children"] is children[1]["children"][0]["children"]
    assert (hidden, truncated) == (0, False)


def test_depth_cut_is_reported(editor_api, arch, building, floor_type):
    chain = [building, *chain_assets(arch, floor_type, 5)]
    for parent, child in zip(chain, chain[1:], strict=False):
        make_link("parent_child", parent, child)

    def depth_of(tree):
        level = 0
        while tree:
            level += 1
            tree = tree[0]["children"]
        return level

    cut = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 2}).json()
    assert depth_of(cut["children"]) == 2 and cut["tree_truncated"] is True
    whole = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 5}).json()
    assert depth_of(whole["children"]) == 5 and whole["tree_truncated"] is False
    default = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true"}).json()
    assert depth_of(default["children"]) == 5 and default["tree_truncated"] is False


def test_shared_subtree_deeper_on_one_path_is_cut_there_only(editor_api, arch, building, floors, floor_type):
    """floor-3 hangs under the building directly and under floor-1 -> floor-2: with depth 2 its
    child shows on the short path and the long path says the tree was cut."""
    leaf = make_asset(arch, floor_type, "Leaf", key="leaf")
    make_link("parent_child", building, floors[0])
    make_link("parent_child", floors[0], floors[1])
    make_link("parent_child", floors[1], floors[2])
    make_link("parent_child", building, floors[2])
    make_link("parent_child", floors[2], leaf)
    body = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 2}).json()
    by_key = {item["asset_key"]: item for item in body["children"]}
    assert keys(by_key["floor-3"]["children"]) == ["leaf"]
    assert keys(by_key["floor-1"]["children"]) == ["floor-2"]
    assert by_key["floor-1"]["children"][0]["children"] == []
    assert body["tree_truncated"] is True


@pytest.mark.parametrize("depth", ["0", "51", "-1", "deep"])
def test_bad_depth_is_400(editor_api, building, depth):
    response = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": depth})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_max_depth_50_is_accepted(editor_api, building):
    response = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 50})
    assert response.status_code == 200 and response.json()["tree_truncated"] is False


def test_node_cap_cuts_the_tree_and_says_so(editor_api, arch, building, floor_type):
    cap = queries.TREE_NODE_CAP
    children = Asset.objects.bulk_create(
        [Asset(organization=arch, type=floor_type, key=f"bolt-{i}", title=f"Bolt {i:05d}") for i in range(cap + 1)]
    )
    parent_child = system_type("parent_child")
    Link.objects.bulk_create(
        [Link(link_type=parent_child, kind=LinkKind.HIERARCHICAL, source=building, target=child) for child in children]
    )
    body = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 1}).json()
    assert body["tree_truncated"] is True
    assert len(body["children"]) == cap


def test_a_lattice_of_shared_subtrees_stays_within_the_cap(editor_api, arch, building, floor_type):
    """Every level links both nodes to both nodes below: 2^depth paths. The answer stays bounded
    by the node cap instead of growing with the number of paths."""
    levels = [[building]] + [chain_assets(arch, floor_type, 2, prefix=f"l{i}") for i in range(20)]
    for upper, lower in zip(levels, levels[1:], strict=False):
        for parent in upper:
            for child in lower:
                make_link("parent_child", parent, child)
    response = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 20})
    assert response.status_code == 200
    body = response.json()
    assert body["tree_truncated"] is True

    def count(items):
        return sum(1 + count(item["children"]) for item in items)

    assert count(body["children"]) == queries.TREE_NODE_CAP


def test_hidden_assets_are_counted_once_and_never_revealed(arch, building, floors, floor_type):
    viewer = make_user("viewer")
    secret_parent = make_asset(arch, floor_type, "Secret Campus", key="secret-campus")
    secret_child = make_asset(arch, floor_type, "Secret Vault", key="secret-vault")
    secret_peer = make_asset(arch, floor_type, "Secret Twin", key="secret-twin")
    secret_doc = make_asset(arch, floor_type, "Secret Memo", key="secret-memo")
    for asset in (building, *floors):
        grant(viewer, "view_asset", asset)
    make_link("parent_child", secret_parent, building)
    make_link("parent_child", building, floors[0])
    # The vault hangs twice under the building (two aliases) and once more under floor-1.
    make_link("parent_child", building, secret_child, alias="north")
    make_link("parent_child", building, secret_child, alias="south")
    make_link("parent_child", floors[0], secret_child)
    # Below the hidden vault a visible floor: not reachable through it.
    make_link("parent_child", secret_child, floors[2])
    make_link("related", building, secret_peer)
    make_link("attachment", building, secret_doc)
    make_link("supersedes", secret_doc, building)
    api = ApiClient(viewer)

    flat = api.get(f"/assets/{building.pk}/links")
    assert flat.json()["unauthorized_counts"] == {"parents": 1, "children": 1, "related": 1, "other": 1}
    assert keys(flat.json()["children"]) == ["floor-1"]
    tree = api.get(f"/assets/{building.pk}/links", {"tree": "true"})
    assert tree.json()["unauthorized_counts"] == {"parents": 1, "children": 1, "related": 1, "other": 1}
    assert keys(tree.json()["children"]) == ["floor-1"]
    assert tree.json()["children"][0]["children"] == []
    hidden_ids = {secret_parent.pk, secret_child.pk, secret_peer.pk, secret_doc.pk}
    hidden_links = set(
        Link.objects.filter(Q(source_id__in=hidden_ids) | Q(target_id__in=hidden_ids)).values_list("pk", flat=True)
    )
    for response in (flat, tree):
        text = response.content.decode()
        for secret in (secret_parent, secret_child, secret_peer, secret_doc):
            assert secret.title not in text and secret.key not in text
        shown = values_of(json.loads(text))
        assert not shown["asset_id"] & hidden_ids
        assert not shown["link_id"] & hidden_links
    # Links to hidden assets are invisible in the list and by id as well.
    listed = {item["id"] for item in api.get("/links").json()["items"]}
    assert not listed & hidden_links
    hidden_link = Link.objects.get(target=secret_peer)
    assert api.get(f"/links/{hidden_link.pk}").status_code == 404


def _tree_of(arch, floor_type, root, size: int):
    nodes = [root, *chain_assets(arch, floor_type, size - 1, prefix=f"t{size}")]
    parent_child = system_type("parent_child")
    # A tree where node i hangs under node (i - 1) // 3.
    Link.objects.bulk_create([
        Link(link_type=parent_child, kind=LinkKind.HIERARCHICAL, source=nodes[(i - 1) // 3], target=nodes[i])
        for i in range(1, size)
    ])


def test_tree_query_count_is_constant(arch, building, floor_type, django_assert_max_num_queries):
    user = make_user("counter")
    grant(user, "view_org_assets", arch)
    other_root = make_asset(arch, floor_type, "Other root", key="other-root")
    _tree_of(arch, floor_type, building, 10)
    _tree_of(arch, floor_type, other_root, 1000)
    api = ApiClient(user)
    api.get(f"/assets/{building.pk}/links")  # the token's first use stamps last_used_at
    counts = []
    for root in (building, other_root):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/assets/{root.pk}/links", {"tree": "true", "depth": 50})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 4
    with django_assert_max_num_queries(4):
        api.get(f"/assets/{other_root.pk}/links")


def test_links_on_both_sides_of_a_cross_type_loop_stay_bounded(editor_api, arch, building, floors):
    """Two hierarchical types may together form a loop (each is acyclic on its own): the depth
    cap ends the walk and says so."""
    from links.models import LinkType

    contains = LinkType.objects.create(organization=arch, code="contains", name="Contains", kind=LinkKind.HIERARCHICAL)
    make_link("parent_child", building, floors[0])
    make_link(contains, floors[0], building)
    body = editor_api.get(f"/assets/{building.pk}/links", {"tree": "true", "depth": 6}).json()
    assert body["tree_truncated"] is True
    assert keys(body["children"]) == ["floor-1"]
