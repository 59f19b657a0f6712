"""Fixtures of the foundation tests: users holding the usual grants on TransLog, a tracker
device, and an assertion for problem+json answers."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import grant, make_device, make_user


@pytest.fixture
def viewer(org):
    user = make_user("viewer")
    grant(user, "view_org_assets", org)
    return user


@pytest.fixture
def editor(org):
    user = make_user("editor")
    grant(user, "change_org_assets", org)
    return user


@pytest.fixture
def manager(org):
    user = make_user("manager")
    grant(user, "manage_org", org)
    return user


@pytest.fixture
def outsider(db):
    return make_user("outsider")


@pytest.fixture
def viewer_api(viewer):
    return ApiClient(viewer)


@pytest.fixture
def editor_api(editor):
    return ApiClient(editor)


@pytest.fixture
def manager_api(manager):
    return ApiClient(manager)


@pytest.fixture
def outsider_api(outsider):
    return ApiClient(outsider)


@pytest.fixture
def tracker(org):
    return make_device(org, "GPS Unit #117", "356938035643809")


@pytest.fixture
def spare_tracker(org):
    return make_device(org, "GPS Unit #118", "356938035643810")
