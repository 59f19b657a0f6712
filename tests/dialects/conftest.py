"""Fixtures of the dialect tests: a JSON client for /compat/ paths, and the links tests' VAMS
architecture database (a building with floors, an editor) plus a viewer of it."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import grant, make_user
from tests.links.conftest import arch, building, building_type, editor, floor_type, floors

__all__ = ["arch", "building", "building_type", "editor", "floor_type", "floors"]


class CompatClient(ApiClient):
    """ApiClient for a vendor dialect: paths are relative to the dialect's base URL."""

    def __init__(self, base: str, user=None, token=None):
        super().__init__(user, token)
        self.base = base

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"{self.base}{path}"


@pytest.fixture
def viewer(arch):
    user = make_user("viewer")
    grant(user, "view_org_assets", arch)
    return user


@pytest.fixture
def compat(db):
    """compat(base, user) -> CompatClient."""
    return CompatClient
