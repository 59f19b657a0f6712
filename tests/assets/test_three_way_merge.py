"""The merge rule every stale form uses (assets.core.versioning.three_way_merge)."""

from assets.core.versioning import three_way_merge


def test_each_side_keeps_what_only_it_changed_and_both_changes_are_conflicts():
    base = {"title": "T", "plate": "A", "fuel": 1, "color": "red", "same": "x"}
    mine = {"title": "T", "plate": "B", "fuel": 2, "color": "red", "same": "y"}
    theirs = {"title": "T2", "plate": "A", "fuel": 3, "color": None, "same": "y"}
    merge = three_way_merge(base, mine, theirs)
    assert merge.values == {"title": "T2", "plate": "B", "fuel": 2, "color": None, "same": "y"}
    assert merge.conflicts == ("fuel",)


def test_without_a_base_every_difference_is_a_conflict():
    merge = three_way_merge({}, {"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert merge.values == {"a": 1, "b": 2}
    assert merge.conflicts == ("b",)
