"""Concurrent writers on PostgreSQL, with real threads and connections: optimistic locking,
the one-asset-per-device constraint and patches that must not lose each other's updates.
(SQLite serializes every writer, so these races only exist on PostgreSQL.)"""

from __future__ import annotations

import pytest
from django.db import connection

from assets.models import Asset, AssetDeviceLink, ChangeLogEntry
from tests.assets.helpers import race
from tests.conftest import ApiClient
from tests.factories import make_asset, make_device, make_org, make_type, make_user

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the races need PostgreSQL's concurrency"),
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 5


@pytest.fixture
def fleet_setup():
    org = make_org("translog")
    truck_type = make_type(org, "delivery_truck", [
        {"code": "license_plate", "field_type": "STRING"},
        {"code": "fuel_capacity_l", "field_type": "NUMBER"},
        {"code": "driver", "field_type": "STRING"},
        {"code": "tracker", "field_type": "DEVICE"},
    ])
    user = make_user("root", superuser=True)
    return org, truck_type, user


def test_same_version_patch_race_has_exactly_one_winner(fleet_setup):
    org, truck_type, user = fleet_setup
    clients = [ApiClient(user) for _ in range(10)]
    for round_ in range(ROUNDS):
        asset = make_asset(org, truck_type, f"Truck {round_}")
        responses = race(*[
            (lambda c=c, n=n, a=asset: c.patch(f"/assets/{a.pk}", {"version": 1, "title": f"Winner {n}"}))
            for n, c in enumerate(clients)
        ])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * 9, [r.content for r in responses]
        for loser in (r.json() for r in responses if r.status_code == 409):
            assert loser["code"] == "CONFLICT" and loser["expected_version"] == 1 and loser["current_version"] == 2
        winner = next(r for r in responses if r.status_code == 200).json()
        asset.refresh_from_db()
        assert asset.version == 2 and asset.title == winner["title"]
        assert ChangeLogEntry.objects.filter(object_type="asset", object_id=asset.pk, action="update").count() == 1


def test_device_double_assignment_race_has_exactly_one_winner(fleet_setup):
    org, truck_type, user = fleet_setup
    clients = [ApiClient(user), ApiClient(user)]
    for round_ in range(ROUNDS):
        device = make_device(org)
        assets = [make_asset(org, truck_type, f"Truck {round_}-{n}") for n in range(2)]
        responses = race(*[
            (lambda c=c, a=a, d=device: c.patch(f"/assets/{a.pk}", {"custom_fields": {"set": {"tracker": d.pk}}}))
            for c, a in zip(clients, assets, strict=True)
        ])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.content for r in responses]
        assert next(r for r in responses if r.status_code == 409).json()["code"] == "DUPLICATE"
        links = list(AssetDeviceLink.objects.filter(device=device))
        assert len(links) == 1
        holder = Asset.objects.get(pk=links[0].asset_id)
        other = next(a for a in assets if a.pk != holder.pk)
        other.refresh_from_db()
        # The loser's transaction rolled back completely: no value, no new version.
        assert holder.custom_fields["tracker"] == device.pk and holder.version == 2
        assert "tracker" not in other.custom_fields and other.version == 1


def test_device_double_assignment_race_on_create(fleet_setup):
    org, truck_type, user = fleet_setup
    clients = [ApiClient(user), ApiClient(user)]
    device = make_device(org)
    responses = race(*[
        (lambda c=c, n=n: c.post("/assets", {"organization_id": org.pk, "type_id": truck_type.pk, "title": f"T{n}",
                                             "custom_fields": {"tracker": device.pk}}))
        for n, c in enumerate(clients)
    ])
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert Asset.objects.count() == 1 and AssetDeviceLink.objects.count() == 1


def test_concurrent_patches_without_version_keep_both_updates(fleet_setup):
    org, truck_type, user = fleet_setup
    clients = [ApiClient(user), ApiClient(user)]
    for round_ in range(ROUNDS):
        asset = make_asset(org, truck_type, f"Truck {round_}", custom_fields={"license_plate": "HH-TL 4421"})
        path = f"/assets/{asset.pk}"
        responses = race(
            lambda p=path: clients[0].patch(p, {"custom_fields": {"set": {"fuel_capacity_l": 400}}}),
            lambda p=path: clients[1].patch(p, {"custom_fields": {"set": {"driver": "Jonas"}}}),
        )
        assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
        asset.refresh_from_db()
        assert asset.custom_fields == {"license_plate": "HH-TL 4421", "fuel_capacity_l": 400, "driver": "Jonas"}
        assert asset.version == 3



def test_concurrent_organization_inserts_and_moves_keep_the_tree_sound(fleet_setup):
    from assets.models import Organization

    org, _, user = fleet_setup
    clients = [ApiClient(user) for _ in range(4)]
    results = race(*[
        (lambda c=c, n=n: c.post("/organizations", {"key": f"depot-{n}", "title": f"Depot {n}", "parent_id": org.pk}))
        for n, c in enumerate(clients)
    ])
    assert [r.status_code for r in results] == [201] * 4
    ids = [r.json()["id"] for r in results]
    moves = race(*[
        (lambda c=c, child=ids[n], parent=ids[(n + 1) % 4]: c.patch(f"/organizations/{child}", {"parent_id": parent}))
        for n, c in enumerate(clients)
    ])
    # Four moves that together would make a ring: the last one to run sees the cycle.
    assert sorted(r.status_code for r in moves) == [200, 200, 200, 409]
    for node in Organization.objects.all():
        inside = Organization.objects.filter(tree_id=node.tree_id, lft__gt=node.lft, rght__lt=node.rght).count()
        assert node.rght - node.lft - 1 == 2 * inside, node
        if node.parent_id:
            parent = Organization.objects.get(pk=node.parent_id)
            assert parent.tree_id == node.tree_id and parent.lft < node.lft and node.rght < parent.rght
