"""The groups an exclusive tree takes assets from are each versioned and logged."""

from __future__ import annotations

from assets.models import ChangeLogEntry
from groups.models import AssetGroup


def test_filing_into_an_exclusive_tree_bumps_every_group_it_took_from(admin_api, germany, trucks):
    hamburg, munich, berlin = germany["hamburg"], germany["munich"], germany["berlin"]
    response = admin_api.post(f"/groups/{berlin.pk}/assets", {"asset_ids": [trucks[0].pk, trucks[3].pk]})
    assert response.status_code == 200, response.content
    for left, asset in ((hamburg, trucks[0]), (munich, trucks[3])):
        assert AssetGroup.objects.get(pk=left.pk).version == left.version + 1
        entry = ChangeLogEntry.objects.filter(object_type="group", object_id=left.pk).order_by("-id").first()
        assert entry.after == {"removed_asset_ids": [asset.pk], "moved_to_group_id": berlin.pk}
