"""`seed_demo`'s data through GraphQL, as the README's curl session uses it."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from assets.demo import seed

from .conftest import fill
from .seed_documents import DOCUMENTS


def test_the_fleet_manager_of_the_demo_reaches_translog(gql_for, db):
    seed(stdout=open("/dev/null", "w"))  # noqa: SIM115
    gql = gql_for(get_user_model().objects.get(username="fleet"))
    nodes = gql.data(DOCUMENTS["GetMyOrganization"])["me"]["memberships"]["nodes"]
    assert [node["organization"]["title"] for node in nodes] == ["TransLog GmbH"]
    org = nodes[0]["organization"]["id"]
    types = gql.data(DOCUMENTS["ListAssetTypes"], ids={"organization": org})["assetTypes"]["nodes"]
    assert {"delivery_truck", "forklift", "vehicle", "generic"} <= {t["code"] for t in types}
    trucks = gql.data(fill('{ assets(organizationId: "<org>", filter: {titleContains: "hamburg"}) '
                           '{ nodes { title primaryDevice { title } } } }', org=org))["assets"]["nodes"]
    assert {"title": "Truck B-44 (Hamburg–Berlin)", "primaryDevice": {"title": "GPS Unit #117"}} in trucks
    free = gql.data('{ devices(filter: {linked: false}) { nodes { title } } }')["devices"]["nodes"]
    assert [d["title"] for d in free] == ["GPS Unit #119", "GPS Unit #120"]
