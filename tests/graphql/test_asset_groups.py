"""An asset's groups through GraphQL: the groups REST's asset shape names, by title, as a
connection that `first` and `after` page like every other."""

from __future__ import annotations

from groups.models import AssetGroup, GroupMembership
from tests.factories import grant, make_asset, make_type, make_user

from .conftest import fill, only_error

GROUPS = """
{ asset(id: "<id>") { groups(<args>) { nodes { title } edges { cursor } totalCount
                                       pageInfo { hasNextPage endCursor } } } }
"""


def filed_asset(translog):
    asset = make_asset(translog, make_type(translog, "truck"), "Truck")
    for title in ("Depot C", "Depot A", "Depot B"):
        group = AssetGroup.objects.create(organization=translog, title=title)
        GroupMembership.objects.create(group=group, asset=asset, root=group, exclusive=False)
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", translog)
    return asset, viewer


def groups(client, asset, args=""):
    return client.data(fill(GROUPS, id=asset.pk, args=args))["asset"]["groups"]


def test_groups_page_with_first_and_after(gql_for, translog):
    asset, viewer = filed_asset(translog)
    client = gql_for(viewer)
    everything = groups(client, asset, "first: 10")
    assert [node["title"] for node in everything["nodes"]] == ["Depot A", "Depot B", "Depot C"]
    assert everything["totalCount"] == 3 and everything["pageInfo"]["hasNextPage"] is False
    first = groups(client, asset, "first: 2")
    assert [node["title"] for node in first["nodes"]] == ["Depot A", "Depot B"]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][1]["cursor"]}
    assert first["totalCount"] == 3
    rest = groups(client, asset, f'first: 2, after: "{first["pageInfo"]["endCursor"]}"')
    assert [node["title"] for node in rest["nodes"]] == ["Depot C"]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_groups_without_arguments_is_the_first_page(gql_for, translog):
    asset, viewer = filed_asset(translog)
    page = gql_for(viewer).data(f'{{ asset(id: "{asset.pk}") {{ groups {{ nodes {{ title }} }} }} }}')
    assert len(page["asset"]["groups"]["nodes"]) == 3


def test_groups_bad_cursor_and_first_are_validation_errors(gql_for, translog):
    asset, viewer = filed_asset(translog)
    client = gql_for(viewer)
    for args, field in (('after: "nope"', "after"), ("first: 0", "first"), ("first: 1001", "first")):
        error = only_error(client.execute(fill(GROUPS, id=asset.pk, args=args)))
        assert error["extensions"]["code"] == "VALIDATION_ERROR"
        assert error["extensions"]["errors"][0]["field"] == field
        assert error["path"] == ["asset", "groups"]
