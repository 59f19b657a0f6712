"""The events page and admin: managers see their rules and deliveries and can redeliver."""

import pytest
from django.test import Client

from assets.events.models import Delivery, EventRule
from assets.services import assets as asset_service
from tests.factories import PASSWORD, grant, make_org, make_type, make_user


@pytest.fixture
def fleet(db):
    # No worker here: the test's own transaction is enough.
    org = make_org("translog")
    return org, make_type(org, "delivery_truck"), make_user("root", superuser=True)


@pytest.fixture
def logged_in(fleet):
    def login(user):
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        return client
    return login


def test_the_page_lists_rules_with_their_deliveries_and_redelivers(fleet, logged_in):
    org, truck, root = fleet
    rule = EventRule.objects.create(organization=org, name="erp hook", object_types=["asset"],
                                    actions=["create"], url="http://127.0.0.1:9/hook", secret="s3cret-value")
    asset_service.create_asset(root, organization_id=org.pk, type_id=truck.pk, key="t", title="T", custom_fields={})
    delivery = Delivery.objects.get(rule=rule)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8, last_error="ConnectionRefusedError")
    client = logged_in(root)
    page = client.get("/events/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "erp hook" in html and "ConnectionRefusedError" in html and "s3cret-value" not in html

    response = client.post(f"/events/{rule.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_the_page_costs_the_same_for_more_rules(fleet, logged_in):
    org, _, root = fleet
    client = logged_in(root)
    client.get("/events/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (1, 5):
        for i in range(n):
            EventRule.objects.create(organization=org, name=f"r{n}-{i}", object_types=["asset"], actions=["create"],
                                     url="http://127.0.0.1:9/", secret="s3cret-value")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/events/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_page_shows_no_rule_of_an_organization_the_user_does_not_manage(fleet, logged_in):
    org, _, _ = fleet
    EventRule.objects.create(organization=org, name="hidden hook", object_types=["asset"], actions=["create"],
                             url="http://127.0.0.1:9/", secret="s3cret-value")
    other = make_org("other")
    manager = make_user("manager")
    grant(manager, "manage_org", other)
    client = logged_in(manager)
    assert "hidden hook" not in client.get("/events/").content.decode()
    rule = EventRule.objects.get()
    assert client.post(f"/events/{rule.pk}/delete/").status_code == 404
    assert EventRule.objects.filter(pk=rule.pk).exists()
    response = client.post("/events/new/", {"organization_id": org.pk, "name": "x", "url": "http://127.0.0.1:9/",
                                             "secret": "s3cret-value", "object_types": ["asset"],
                                             "actions": ["create"]})
    assert response.status_code == 302
    assert EventRule.objects.count() == 1


def test_the_admin_keeps_the_secret_write_only(fleet, logged_in):
    org, _, root = fleet
    rule = EventRule.objects.create(organization=org, name="hook", object_types=["asset"], actions=["create"],
                                    url="http://127.0.0.1:9/", secret="s3cret-value")
    client = logged_in(root)
    page = client.get(f"/admin/events/eventrule/{rule.pk}/change/")
    assert page.status_code == 200
    assert "s3cret-value" not in page.content.decode()
