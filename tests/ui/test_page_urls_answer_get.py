"""Every staff-page URL answers a browser GET with a page or a redirect, never a blank 405 (a
bookmarked or reloaded form action, a link opened in a new tab)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from assets.events.services import create_rule
from assets.models import ChangeLogEntry
from links.models import Link, LinkType
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db

# The mounts of the staff pages; the API, GraphQL, dialects and admin answer in their own shapes.
PAGE_PREFIXES = ("", "groups/", "links/", "files/")


def _page_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if prefix + route in PAGE_PREFIXES:
                yield from _page_patterns(entry, prefix + route)
        elif isinstance(entry, URLPattern) and (prefix or route not in ("admin/", "api/v1/")):
            yield prefix + route


def _path(route: str, ids: dict) -> str:
    for name, value in ids.items():
        route = route.replace(f"<int:{name}>", str(value)).replace(f"<slug:{name}>", str(value))
    assert "<" not in route, route
    return "/" + route


def test_every_page_url_answers_get_with_a_page_or_a_redirect(client_for, world):
    group = make_group(world.root, world.org, "Fleet")
    link_type = LinkType.objects.filter(organization__isnull=True).first()
    link = Link.objects.create(link_type=link_type, source=world.truck_a, target=world.truck_b, kind=link_type.kind)
    rule = create_rule(world.root, organization_id=world.org.pk, name="hook", object_types=["asset"],
                       actions=["update"], url="https://example.com/hook", secret="a-long-enough-secret")
    ids = {
        "asset_id": world.truck_a.pk, "type_id": world.truck.pk, "code": "license_plate",
        "device_id": world.spare_device.pk, "group_id": group.pk, "link_id": link.pk,
        "object_type": "asset", "object_id": world.truck_a.pk, "kind": "original",
        "change_id": ChangeLogEntry.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        "rule_id": rule.pk, "delivery_id": 1,
        "job_id": 1,  # an import (assets/views/imports.py): someone else's or none is a 404
    }
    client = client_for(world.root)
    answers = {}
    for route in _page_patterns():
        if "logout" in route:
            continue
        answers[route] = client.get(_path(route, ids)).status_code
    assert len(answers) > 30
    assert sorted(route for route, status in answers.items() if status == 405 or status >= 500) == []


def test_get_of_a_form_action_leads_to_the_page_of_the_form(client_for, world):
    client = client_for(world.root)
    assert client.get("/devices/new/").url == "/devices/"
    assert client.get(f"/devices/{world.spare_device.pk}/delete/").url == f"/devices/{world.spare_device.pk}/"
    assert client.get(f"/devices/{world.spare_device.pk}/edit/").url == f"/devices/{world.spare_device.pk}/"
    assert client.get(f"/types/{world.truck.pk}/delete/").url == f"/types/{world.truck.pk}/"
    assert client.get(f"/files/assets/{world.truck_a.pk}/delete/").url == f"/assets/{world.truck_a.pk}/"
    assert client.get(f"/assets/{world.truck_a.pk}/delete/").status_code == 200  # its confirmation page


def test_get_of_a_hidden_links_form_action_is_a_404(client_for, world):
    from links.models import Link, LinkType
    from tests.factories import make_asset

    link_type = LinkType.objects.filter(organization__isnull=True).first()
    other_secret = make_asset(world.other_org, world.secret_type, "Secret sibling", key="secret-2")
    link = Link.objects.create(link_type=link_type, source=world.secret, target=other_secret, kind=link_type.kind)
    assert client_for(world.dispatcher).get(f"/links/link/{link.pk}/edit/").status_code == 404
