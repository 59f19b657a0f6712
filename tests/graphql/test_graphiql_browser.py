"""GraphiQL at GET /graphql in a real headless Chromium: served from our own static files (no
CDN), signed in with the session, it runs a query and shows the answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_graphiql_runs_a_query_with_the_session(page, live_server, fleet_manager, translog):
    import config.graphql_http  # noqa: F401 - the schema is built before the browser's first request waits for it

    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/login/?next=/graphql")
    page.get_by_label("Username").fill(fleet_manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/graphql")

    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("GetMyOrganization")
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    expect(result).to_contain_text('"title": "TransLog GmbH"')
    expect(result).to_contain_text(f'"id": "{translog.pk}"')
    assert requested_hosts == {live_server.url.split("/")[2]}
