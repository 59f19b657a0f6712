"""Where rules may send events (public addresses unless EVENTS_ALLOW_PRIVATE_TARGETS), checked when
a rule is saved and again at delivery; and the object's version in every payload."""

import json

import pytest

from assets.events.models import Delivery, EventRule
from assets.services import assets as asset_service

from .test_webhooks import make_rule, rule_body

PRIVATE_TARGETS = [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/hook", "http://169.254.169.254/latest",
    "http://10.0.0.5/hook", "http://192.168.1.1/hook", "https://user:pw@hooks.example.com/x",
]


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_private_and_credential_bearing_targets_are_refused_by_default(fleet, api_for, settings, url):
    settings.EVENTS_ALLOW_PRIVATE_TARGETS = False
    org, _, root = fleet
    api = api_for(root)
    response = api.post("/event-rules", rule_body(org, url))
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "url"
    assert not EventRule.objects.exists()


def test_an_update_to_a_private_target_is_refused(fleet, api_for, settings):
    org, _, root = fleet
    api = api_for(root)
    rule = make_rule(api, org, "https://93.184.215.14/hook")  # a public address: no DNS needed
    settings.EVENTS_ALLOW_PRIVATE_TARGETS = False
    response = api.patch(f"/event-rules/{rule['id']}", {"url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 400, response.content
    assert EventRule.objects.get().url == "https://93.184.215.14/hook"


def test_credentials_are_refused_even_when_private_targets_are_allowed(fleet, api_for):
    org, _, root = fleet
    response = api_for(root).post("/event-rules", rule_body(org, "http://u:p@127.0.0.1:9/hook"))
    assert response.status_code == 400


def test_a_target_that_turned_private_is_not_called_at_delivery(fleet, api_for, receiver_factory, task_worker,
                                                                 fast_retries):
    org, truck, root = fleet
    receiver = receiver_factory()
    make_rule(api_for(root), org, receiver.url)
    # The rule was saved while private targets were allowed (or its name resolved elsewhere then).
    fast_retries.EVENTS_ALLOW_PRIVATE_TARGETS = False
    fast_retries.EVENTS_MAX_ATTEMPTS = 1
    asset_service.create_asset(root, organization_id=org.pk, type_id=truck.pk, key="t1", title="T1", custom_fields={})
    task_worker.drain()
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "private address" in delivery.last_error


def test_payload_version_is_the_objects_version_after_the_change(fleet, api_for, receiver_factory, task_worker,
                                                                  fast_retries):
    org, truck, root = fleet
    api = api_for(root)
    receiver = receiver_factory()
    make_rule(api, org, receiver.url)
    created = api.post("/assets", {"organization_id": org.pk, "type_id": truck.pk, "key": "v1", "title": "V1"})
    assert created.status_code == 201, created.content
    asset_id = created.json()["id"]
    patched = api.patch(f"/assets/{asset_id}", {"title": "V2"}).json()
    api.patch(f"/assets/{asset_id}", {"title": "V3"})
    task_worker.drain()
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [(b["event"], b["version"]) for b in sorted(bodies, key=lambda b: b["version"])] == [
        ("create", 1), ("update", 2), ("update", 3)]
    assert patched["version"] == 2


def test_a_deletes_payload_carries_the_version_the_object_had(fleet, api_for, receiver_factory, task_worker,
                                                               fast_retries):
    org, truck, root = fleet
    api = api_for(root)
    receiver = receiver_factory()
    make_rule(api, org, receiver.url, object_types=["asset", "device", "group", "link"], actions=["delete"])

    def created(path, body):
        response = api.post(path, body)
        assert response.status_code == 201, response.content
        return response.json()

    one, two, three = (created("/assets", {"organization_id": org.pk, "type_id": truck.pk, "key": f"d{n}",
                                            "title": f"D{n}"}) for n in range(3))
    assert api.patch(f"/assets/{one['id']}", {"title": "D0 again"}).status_code == 200
    link = created("/links", {"link_type": "related", "source_id": two["id"], "target_id": three["id"]})
    assert api.patch(f"/links/{link['id']}", {"tags": ["a"]}).status_code == 200
    device = created("/devices", {"organization_id": org.pk, "title": "GPS", "identifier": "1"})
    group = created("/groups", {"organization_id": org.pk, "title": "Depot"})
    assert api.patch(f"/groups/{group['id']}", {"title": "Depot 2"}).status_code == 200
    for path in (f"/links/{link['id']}", f"/devices/{device['id']}", f"/groups/{group['id']}",
                 f"/assets/{one['id']}"):
        assert api.delete(path).status_code == 204, path
    # The bulk delete of the other two (and the link they'd have cascaded is gone already).
    assert api.patch(f"/assets/{three['id']}", {"title": "D2 again"}).status_code == 200
    response = api._send("delete", "/assets", [{"id": two["id"]}, {"id": three["id"]}])
    assert response.status_code == 204, response.content
    task_worker.drain()

    got = sorted((b["object_type"], b["object_id"], b["version"]) for b in
                 (json.loads(r["body"]) for r in receiver.requests))
    assert got == sorted([("link", link["id"], 2), ("device", device["id"], 1), ("group", group["id"], 2),
                          ("asset", one["id"], 2), ("asset", two["id"], 1), ("asset", three["id"], 2)])
