"""Fixtures of the links tests: the VAMS architecture database (a building with floors and rooms)
and users with different grants on it."""

from __future__ import annotations

import pytest

from links.models import Link, LinkType
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user


@pytest.fixture
def arch(db):
    return make_org("architecture-db", title="Architecture DB")


@pytest.fixture
def building_type(arch):
    return make_type(arch, "building", title="Building")


@pytest.fixture
def floor_type(arch):
    return make_type(arch, "floor", title="Floor")


@pytest.fixture
def building(arch, building_type):
    return make_asset(arch, building_type, "Main Building model", key="building-model")


@pytest.fixture
def floors(arch, floor_type):
    return [make_asset(arch, floor_type, f"Floor {n}", key=f"floor-{n}") for n in range(1, 4)]


@pytest.fixture
def editor(arch):
    """May view and change every asset of the architecture database."""
    user = make_user("editor")
    grant(user, "change_org_assets", arch)
    return user


@pytest.fixture
def editor_api(editor):
    return ApiClient(editor)


def system_type(code: str) -> LinkType:
    return LinkType.objects.get(organization__isnull=True, code=code)


def make_link(link_type: str | LinkType, source, target, **values) -> Link:
    """A link written straight to the table (no rules): for setting the scene of read tests."""
    if isinstance(link_type, str):
        link_type = system_type(link_type)
    return Link.objects.create(link_type=link_type, source=source, target=target, kind=link_type.kind, **values)


def chain_assets(organization, asset_type, n: int, prefix: str = "node"):
    return [make_asset(organization, asset_type, f"{prefix} {i}", key=f"{prefix}-{i}") for i in range(n)]
