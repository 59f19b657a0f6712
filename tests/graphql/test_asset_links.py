"""An asset's links through GraphQL: the visible ones by category, the hidden ones only counted."""

from __future__ import annotations

import json

from links import services as link_services
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .conftest import fill

LINKS = """
{ asset(id: "<id>") { title links {
    children { assetId assetTitle linkType direction alias tags sequence }
    parents { assetId } related { assetId } other { assetId }
    unauthorizedCounts { parents children related other } } } }
"""


def test_links_show_visible_ends_and_count_hidden_ones(gql_for, translog):
    other_org = make_org("elsewhere")
    kind = make_type(translog, "panel")
    hidden_kind = make_type(other_org, "secret")
    panel = make_asset(translog, kind, "Panel")
    screw = make_asset(translog, kind, "Screw")
    secret = make_asset(other_org, hidden_kind, "Secret part", key="secret-part")
    root = make_user("root", superuser=True)
    link_services.create_link(root, link_type="parent_child", source_id=panel.pk, target_id=screw.pk,
                              alias="top-left", tags=["m4"])
    link_services.create_link(root, link_type="parent_child", source_id=panel.pk, target_id=secret.pk)
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", translog)
    body = gql_for(viewer).data(fill(LINKS, id=panel.pk))
    links = body["asset"]["links"]
    assert links["children"] == [{"assetId": str(screw.pk), "assetTitle": "Screw", "linkType": "parent_child",
                                  "direction": "outgoing", "alias": "top-left", "tags": ["m4"],
                                  "sequence": links["children"][0]["sequence"]}]
    assert links["unauthorizedCounts"] == {"parents": 0, "children": 1, "related": 0, "other": 0}
    assert "Secret" not in json.dumps(body) and str(secret.pk) not in [c["assetId"] for c in links["children"]]
