"""Fixtures of the dialect tests: a JSON client for /compat/ paths, and the VAMS architecture
database of the links tests (a building with floors) with users of different grants."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user


class CompatClient(ApiClient):
    """ApiClient for a vendor dialect: paths are relative to the dialect's base URL."""

    def __init__(self, base: str, user=None, token=None):
        super().__init__(user, token)
        self.base = base

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"{self.base}{path}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def arch(db):
    return make_org("architecture-db", title="Architecture DB")


@pytest.fixture
def model_type(arch):
    return make_type(arch, "model", title="Model")


@pytest.fixture
def building(arch, model_type):
    return make_asset(arch, model_type, "Main Building", key="building-model")


@pytest.fixture
def floors(arch, model_type):
    return [make_asset(arch, model_type, f"Floor {n}", key=f"floor-plan-{n}") for n in range(1, 4)]


@pytest.fixture
def editor(arch):
    user = make_user("editor")
    grant(user, "change_org_assets", arch)
    return user


@pytest.fixture
def viewer(arch):
    user = make_user("viewer")
    grant(user, "view_org_assets", arch)
    return user


@pytest.fixture
def compat(db):
    """compat(base, user) -> CompatClient."""
    return CompatClient
