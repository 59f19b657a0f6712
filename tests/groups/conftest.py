"""Fixtures of the groups tests: TransLog with trucks and boats, and helpers that build trees
through the services (so tree fields, roots and memberships are what production writes)."""

from __future__ import annotations

import pytest

from groups import services
from groups.models import AssetGroup
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user


@pytest.fixture
def vehicle_type(org):
    return make_type(org, "vehicle", title="Vehicle")


@pytest.fixture
def trucks(org, vehicle_type):
    return [make_asset(org, vehicle_type, f"Truck {n}", key=f"truck-{n}") for n in range(1, 7)]


@pytest.fixture
def other_org(db):
    return make_org("architecture-db", title="Architecture DB")


@pytest.fixture
def dispatcher(org):
    """Edits every asset of TransLog (so may file them) but doesn't manage the tree."""
    user = make_user("dispatcher")
    grant(user, "view_org_assets", org)
    grant(user, "change_org_assets", org)
    return user


@pytest.fixture
def viewer(org):
    user = make_user("viewer")
    grant(user, "view_org_assets", org)
    return user


@pytest.fixture
def manager(org):
    user = make_user("manager")
    grant(user, "manage_org", org)
    grant(user, "change_org_assets", org)
    return user


@pytest.fixture
def outsider(other_org):
    user = make_user("outsider")
    grant(user, "manage_org", other_org)
    return user


def make_group(user, org, title, parent=None, *, exclusive=None, asset_ids=None) -> AssetGroup:
    return services.create_group(
        user, organization_id=org.pk, title=title, parent_id=parent.pk if parent else None,
        exclusive=exclusive, asset_ids=asset_ids,
    )


@pytest.fixture
def germany(superuser, org, trucks):
    """The demo's exclusive tree: Germany -> North -> Hamburg (trucks 1, 2), Berlin (truck 3);
    South -> Munich (truck 4)."""
    root = make_group(superuser, org, "Germany", exclusive=True)
    north = make_group(superuser, org, "North", root)
    south = make_group(superuser, org, "South", root)
    hamburg = make_group(superuser, org, "Hamburg depot", north, asset_ids=[trucks[0].pk, trucks[1].pk])
    berlin = make_group(superuser, org, "Berlin depot", north, asset_ids=[trucks[2].pk])
    munich = make_group(superuser, org, "Munich depot", south, asset_ids=[trucks[3].pk])
    return {"root": root, "north": north, "south": south, "hamburg": hamburg, "berlin": berlin, "munich": munich}


@pytest.fixture
def api(api_for):
    return api_for


__all__ = ["ApiClient", "make_group"]
