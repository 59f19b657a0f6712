"""groups.demo.seed: Boston boats and TransLog's exclusive Germany tree, idempotent."""

from __future__ import annotations

import io

from groups import demo
from groups.models import AssetGroup, GroupMembership
from groups.queries import tree_problems
from tests.factories import make_asset

KEYS = ["boat-1", "boat-2", "boat-3", "truck-b-44", "truck-b-45", "truck-b-12", "truck-m-07"]


def test_seed_builds_the_demo_groups_once(superuser, org, vehicle_type):
    assets = {key: make_asset(org, vehicle_type, key.title(), key=key) for key in KEYS}
    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed()
    assert "Hamburg depot" in out.getvalue()
    assert AssetGroup.objects.count() == 7
    boats = AssetGroup.objects.get(title="Boston boats")
    assert not boats.exclusive
    assert set(GroupMembership.objects.filter(group=boats).values_list("asset_id", flat=True)) == {
        assets["boat-1"].pk, assets["boat-2"].pk,
    }
    hamburg = AssetGroup.objects.get(title="Hamburg depot")
    assert hamburg.exclusive and [a.title for a in hamburg.get_ancestors()] == ["Germany", "North"]
    assert set(GroupMembership.objects.filter(group=hamburg).values_list("asset__key", flat=True)) == {
        "truck-b-44", "truck-b-45",
    }
    assert GroupMembership.objects.get(asset=assets["truck-m-07"]).group.title == "Munich depot"
    assert tree_problems() == []


def test_seed_without_the_foundation_data_says_so(db):
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "run assets.demo first" in out.getvalue()
    assert not AssetGroup.objects.exists()
