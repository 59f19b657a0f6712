"""Event rules, the transactional outbox and signed webhook deliveries, against a real receiver
and the real worker."""

import hashlib
import hmac
import json

import pytest
from django.db import transaction

from assets.events.models import Delivery
from assets.models import Asset
from assets.services import assets as asset_service
from tests.factories import grant, make_asset, make_org, make_type, make_user

SECRET = "s3cret-value"


def rule_body(org, url, **extra):
    body = {"organization_id": org.pk, "name": "to erp", "object_types": ["asset"],
            "actions": ["create", "update", "delete"], "url": url, "secret": SECRET, "headers": {"X-Team": "erp"}}
    return {**body, **extra}


def make_rule(api, org, url, **extra):
    response = api.post("/event-rules", rule_body(org, url, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def test_a_change_delivers_exactly_one_signed_post(fleet, api_for, receiver_factory, task_worker, fast_retries):
    org, truck, root = fleet
    api = api_for(root)
    receiver = receiver_factory()
    rule = make_rule(api, org, receiver.url)
    assert "secret" not in rule
    asset = make_asset(org, truck, "Truck 1", key="truck-1")
    response = api.patch(f"/assets/{asset.pk}", {"title": "Truck one"}, HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 200, response.content
    assert receiver.requests == []  # nothing is sent inside the request

    task_worker.drain()

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), sent["body"], hashlib.sha256).hexdigest()
    assert sent["headers"]["X-Signature-256"] == expected
    assert sent["headers"]["X-Team"] == "erp"
    body = json.loads(sent["body"])
    assert set(body) == {"event", "object_type", "object_id", "organization_id", "version", "at", "request_id",
                         "data", "before"}
    assert (body["event"], body["object_type"], body["object_id"], body["organization_id"]) == (
        "update", "asset", asset.pk, org.pk)
    assert body["data"]["title"] == "Truck one" and body["before"]["title"] == "Truck 1"

    log = api.get(f"/event-rules/{rule['id']}/deliveries").json()["items"]
    assert [(d["status"], d["attempts"], d["response_status"], d["object_id"]) for d in log] == [
        ("delivered", 1, 200, asset.pk)]


def test_a_rolled_back_change_delivers_nothing(fleet, api_for, receiver_factory, task_worker, fast_retries):
    org, truck, root = fleet
    receiver = receiver_factory()
    make_rule(api_for(root), org, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        asset_service.create_asset(root, organization_id=org.pk, type_id=truck.pk, key="gone", title="Gone",
                                   custom_fields={})
        assert Delivery.objects.count() == 1  # written with the change ...
        raise RuntimeError("the change fails after its log is written")
    assert Delivery.objects.count() == 0  # ... and gone with it
    task_worker.drain()
    assert receiver.requests == []


def test_a_receiver_failing_twice_gets_three_attempts_logged(fleet, api_for, receiver_factory, task_worker,
                                                             fast_retries):
    org, truck, root = fleet
    api = api_for(root)
    receiver = receiver_factory([500, 503])
    rule = make_rule(api, org, receiver.url)
    make_asset(org, truck)  # factories write no change log: this one sends nothing
    asset_service.create_asset(root, organization_id=org.pk, type_id=truck.pk, key="t2", title="T2",
                               custom_fields={})
    task_worker.drain()
    assert len(receiver.requests) == 3
    [delivery] = api.get(f"/event-rules/{rule['id']}/deliveries").json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["response_status"], delivery["event"]) == (
        "delivered", 3, 200, "create")
    # The same body, signed the same way, every time.
    assert len({r["body"] for r in receiver.requests}) == 1


def test_a_receiver_that_never_answers_ends_failed_without_blocking_the_request(
        fleet, api_for, receiver_factory, task_worker, fast_retries):
    org, truck, root = fleet
    fast_retries.EVENTS_TIMEOUT_S = 0.2
    fast_retries.EVENTS_MAX_ATTEMPTS = 2
    api = api_for(root)
    receiver = receiver_factory(hang_s=3)
    rule = make_rule(api, org, receiver.url)
    asset = make_asset(org, truck)
    response = api.patch(f"/assets/{asset.pk}", {"title": "Renamed"})
    assert response.status_code == 200
    assert receiver.requests == []
    task_worker.drain()
    [delivery] = api.get(f"/event-rules/{rule['id']}/deliveries").json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("failed", 2, None)
    assert "timed out" in delivery["last_error"].lower() or "timeout" in delivery["last_error"].lower()

    # Redeliver: another round, to a receiver that now answers.
    receiver.hang_s = 0
    response = api.post(f"/event-rules/{rule['id']}/deliveries/{delivery['id']}/redeliver")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    task_worker.drain()
    [delivery] = api.get(f"/event-rules/{rule['id']}/deliveries").json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("delivered", 1, 200)


def test_rules_never_see_another_organizations_objects(fleet, api_for, receiver_factory, task_worker, fast_retries):
    org, truck, root = fleet
    other = make_org("other")
    other_type = make_type(other, "crane")
    receiver = receiver_factory()
    rule = make_rule(api_for(root), org, receiver.url, object_types=["asset", "asset_type", "device", "group", "link"])
    asset_service.create_asset(root, organization_id=other.pk, type_id=other_type.pk, key="c1", title="Crane",
                               custom_fields={})
    task_worker.drain()
    assert receiver.requests == []

    # A manager of the other organization can neither see nor create rules of this one.
    manager = make_user("manager")
    grant(manager, "manage_org", other)
    api = api_for(manager)
    assert api.get(f"/event-rules/{rule['id']}").status_code == 404
    assert api.get("/event-rules").json()["items"] == []
    assert api.post("/event-rules", rule_body(org, receiver.url)).status_code == 403
    assert api.get(f"/event-rules/{rule['id']}/deliveries").status_code == 404
    # Viewing the organization's assets is not enough to manage its rules.
    viewer = make_user("viewer")
    grant(viewer, "change_org_assets", org)
    assert api_for(viewer).post("/event-rules", rule_body(org, receiver.url)).status_code == 403
    assert api_for(viewer).get(f"/event-rules/{rule['id']}").status_code == 404


def test_conditions_filter_by_action_and_asset_type(fleet, api_for, receiver_factory, task_worker, fast_retries):
    org, truck, root = fleet
    crane = make_type(org, "crane")
    receiver = receiver_factory()
    make_rule(api_for(root), org, receiver.url, actions=["create"], asset_type_codes=["crane"])
    asset_service.create_asset(root, organization_id=org.pk, type_id=truck.pk, key="t", title="T", custom_fields={})
    created = asset_service.create_asset(root, organization_id=org.pk, type_id=crane.pk, key="c", title="C",
                                         custom_fields={})
    asset_service.update_asset(root, created.pk, title="C2")
    task_worker.drain()
    assert [json.loads(r["body"])["object_id"] for r in receiver.requests] == [created.pk]


def test_bad_rules_are_refused_with_400(fleet, api_for):
    org, _, root = fleet
    api = api_for(root)
    for bad in ({"object_types": ["spaceship"]}, {"actions": []}, {"url": "ftp://x"}, {"secret": "short"},
                {"headers": {"X-A": "b\r\nX-Injected: 1"}}):
        response = api.post("/event-rules", {**rule_body(org, "http://127.0.0.1:9/"), **bad})
        assert response.status_code == 400, (bad, response.content)


def test_an_import_of_1000_assets_makes_1000_events_and_no_http_call_in_the_import(
        fleet, api_for, receiver_factory, task_worker, fast_retries, tmp_path):
    import io

    from django.core.management import call_command

    org, truck, root = fleet
    receiver = receiver_factory()
    rule = make_rule(api_for(root), org, receiver.url, actions=["create"])
    path = tmp_path / "assets.csv"
    path.write_text("key,title,type,license_plate\n" + "".join(
        f"a-{n},Asset {n},delivery_truck,P-{n}\n" for n in range(1000)), encoding="utf-8")
    call_command("import_assets", str(path), "--organization", "translog", stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert Asset.objects.count() == 1000
    assert receiver.requests == []
    assert Delivery.objects.filter(rule_id=rule["id"]).count() == 1000
    task_worker.drain(timeout=180)
    assert len(receiver.requests) == 1000
    assert sorted(json.loads(r["body"])["object_id"] for r in receiver.requests) == sorted(
        Asset.objects.values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
