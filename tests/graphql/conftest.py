"""A GraphQL client over real HTTP (Django's test client, `Authorization: Bearer`), and the
TransLog world the seed's scenario runs in."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from assets.access.tokens import issue_token
from tests.factories import grant, make_org, make_user

from .seed_documents import SEED_IDS


class GraphQLClient:
    def __init__(self, user=None):
        self.client = Client(HTTP_HOST="localhost")
        self.headers = {}
        if user is not None:
            _, token = issue_token(user)
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def post(self, body, content_type="application/json", **extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post("/graphql", data, content_type=content_type, **self.headers, **extra)

    def execute(self, query: str, variables=None, ids: dict | None = None, **extra) -> dict:
        """Runs a document (the seed's ids replaced by `ids`); asserts a JSON answer with 200."""
        for name, value in (ids or {}).items():
            query = query.replace(SEED_IDS[name], str(value))
        response = self.post({"query": query, "variables": variables}, **extra)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("application/json")
        return response.json()

    def data(self, query: str, variables=None, ids: dict | None = None) -> dict:
        body = self.execute(query, variables, ids)
        assert "errors" not in body, body
        return body["data"]


def fill(query: str, **values) -> str:
    """`<name>` placeholders of a document replaced by values (documents are full of braces)."""
    for name, value in values.items():
        query = query.replace(f"<{name}>", str(value))
    return query


def only_error(body: dict) -> dict:
    assert len(body.get("errors", [])) == 1, body
    return body["errors"][0]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def gql_for(db):
    return GraphQLClient


@pytest.fixture
def translog(db):
    return make_org("translog", title="TransLog GmbH")


@pytest.fixture
def fleet_manager(translog):
    """Holds what the seed's scenario needs: manage_org (types, devices) and change_org_assets."""
    user = make_user("fleet")
    grant(user, "manage_org", translog)
    grant(user, "change_org_assets", translog)
    grant(user, "delete_org_assets", translog)
    return user


# The browser test drives GraphiQL with the staff pages' Chromium fixtures.
from tests.ui.conftest import browser, page, sign_in  # noqa: E402, F401
