"""Deletes racing writes on PostgreSQL, with real threads and connections (SQLite serializes every
writer, so these races only exist on PostgreSQL).

A versioned DELETE is one conditional statement: racing `DELETE ?version=1` against
`PATCH {version: 1}` has exactly one winner, and the change log's "before" of a winning delete is
the row it removed. A write that references an asset (a link, a group membership, a device link)
racing the delete of what it references ends in 404/409, never in a 500."""

from __future__ import annotations

import pytest
from django.db import connection

from assets.models import Asset, AssetDeviceLink, ChangeLogEntry, Device
from groups.models import AssetGroup, GroupMembership
from links.models import Link
from tests.assets.helpers import race
from tests.conftest import ApiClient
from tests.factories import make_asset, make_device, make_org, make_type, make_user

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the races need PostgreSQL's concurrency"),
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 20


@pytest.fixture
def world():
    org = make_org("racers")
    asset_type = make_type(org, "truck", [{"code": "tracker", "field_type": "DEVICE"}])
    user = make_user("root", superuser=True)
    return org, asset_type, user


def _one_winner(delete, patch) -> str:
    """Exactly one of the two succeeded; the other was told why. Returns the winner."""
    statuses = (delete.status_code, patch.status_code)
    assert statuses in {(204, 404), (204, 409), (409, 200)}, (statuses, delete.content, patch.content)
    return "delete" if delete.status_code == 204 else "patch"


def _deleted_before(object_type: str, object_id: int) -> dict:
    entry = ChangeLogEntry.objects.get(object_type=object_type, object_id=object_id, action="delete")
    return entry.before


def test_versioned_asset_delete_racing_a_patch_has_one_winner(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for round_ in range(ROUNDS):
        asset = make_asset(org, asset_type, f"Truck {round_}")
        delete, patch = race(
            lambda asset=asset: clients[0].delete(f"/assets/{asset.pk}?version=1"),
            lambda asset=asset: clients[1].patch(f"/assets/{asset.pk}", {"version": 1, "title": "renamed"}),
        )
        winner = _one_winner(delete, patch)
        if winner == "delete":
            assert not Asset.objects.filter(pk=asset.pk).exists()
            assert _deleted_before("asset", asset.pk)["title"] == f"Truck {round_}"
        else:
            assert Asset.objects.get(pk=asset.pk).version == 2
            assert not ChangeLogEntry.objects.filter(object_type="asset", object_id=asset.pk, action="delete").exists()


def test_versioned_link_delete_racing_a_patch_has_one_winner(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for round_ in range(ROUNDS):
        source, target = make_asset(org, asset_type), make_asset(org, asset_type)
        created = clients[0].post("/links", {"link_type": "related", "source_id": source.pk, "target_id": target.pk})
        assert created.status_code == 201, created.content
        link_id = created.json()["id"]
        delete, patch = race(
            lambda link_id=link_id: clients[0].delete(f"/links/{link_id}?version=1"),
            lambda link_id=link_id, tag=f"round-{round_}": clients[1].patch(
                f"/links/{link_id}", {"version": 1, "tags": [tag]}
            ),
        )
        if _one_winner(delete, patch) == "delete":
            assert not Link.objects.filter(pk=link_id).exists()
            assert _deleted_before("link", link_id)["tags"] == []
        else:
            assert Link.objects.get(pk=link_id).version == 2


def test_versioned_device_delete_racing_a_patch_has_one_winner(world):
    org, _, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for round_ in range(ROUNDS):
        device = make_device(org, f"Tracker {round_}")
        delete, patch = race(
            lambda device=device: clients[0].delete(f"/devices/{device.pk}?version=1"),
            lambda device=device: clients[1].patch(f"/devices/{device.pk}", {"version": 1, "title": "renamed"}),
        )
        if _one_winner(delete, patch) == "delete":
            assert not Device.objects.filter(pk=device.pk).exists()
            assert _deleted_before("device", device.pk)["title"] == f"Tracker {round_}"
        else:
            assert Device.objects.get(pk=device.pk).version == 2


# --- writes that reference an asset, racing its delete ---------------------------------------
def _no_server_error(*responses, allowed=(200, 201, 204, 404, 409)):
    for response in responses:
        assert response.status_code in allowed, (response.status_code, response.content)


def test_putting_links_to_an_asset_being_deleted_never_fails_with_500(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for _ in range(ROUNDS):
        source, target = make_asset(org, asset_type), make_asset(org, asset_type)
        delete, put = race(
            lambda target=target: clients[0].delete(f"/assets/{target.pk}"),
            lambda source=source, target=target: clients[1].put(
                f"/assets/{source.pk}/links", {"links": [{"link_type": "related", "target_id": target.pk}]}
            ),
        )
        _no_server_error(delete, put)
        assert delete.status_code == 204
        assert not Link.objects.filter(target_id=target.pk).exists()


def test_posting_a_link_to_an_asset_being_deleted_never_fails_with_500(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for _ in range(ROUNDS):
        source, target = make_asset(org, asset_type), make_asset(org, asset_type)
        delete, post = race(
            lambda source=source: clients[0].delete(f"/assets/{source.pk}"),
            lambda source=source, target=target: clients[1].post(
                "/links", {"link_type": "related", "source_id": source.pk, "target_id": target.pk}
            ),
        )
        _no_server_error(delete, post)
        assert delete.status_code == 204
        assert not Link.objects.filter(source_id=source.pk).exists()


def test_filing_an_asset_being_deleted_never_fails_with_500(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    group = clients[0].post("/groups", {"organization_id": org.pk, "title": "Depot"}).json()
    for _ in range(ROUNDS):
        asset = make_asset(org, asset_type)
        delete, post = race(
            lambda asset=asset: clients[0].delete(f"/assets/{asset.pk}"),
            lambda asset=asset: clients[1].post(f"/groups/{group['id']}/assets", {"asset_ids": [asset.pk]}),
        )
        _no_server_error(delete, post, allowed=(200, 204, 400, 404, 409))
        assert delete.status_code == 204
        assert not GroupMembership.objects.filter(asset_id=asset.pk).exists()
    assert AssetGroup.objects.filter(pk=group["id"]).exists()


def test_linking_a_device_being_deleted_never_fails_with_500(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for _ in range(ROUNDS):
        asset, device = make_asset(org, asset_type), make_device(org)
        delete, patch = race(
            lambda device=device: clients[0].delete(f"/devices/{device.pk}"),
            lambda asset=asset, device=device: clients[1].patch(
                f"/assets/{asset.pk}", {"custom_fields": {"tracker": device.pk}}
            ),
        )
        _no_server_error(delete, patch, allowed=(200, 204, 400, 404, 409))
        assert (delete.status_code == 204) != (patch.status_code == 200), (delete.content, patch.content)
        linked = AssetDeviceLink.objects.filter(device_id=device.pk).exists()
        assert linked == (patch.status_code == 200)
        asset.refresh_from_db()
        assert ("tracker" in asset.custom_fields) == linked


def test_deleting_an_asset_while_its_device_is_linked_never_fails_with_500(world):
    org, asset_type, user = world
    clients = [ApiClient(user), ApiClient(user)]
    for _ in range(ROUNDS):
        asset, device = make_asset(org, asset_type), make_device(org)
        delete, patch = race(
            lambda asset=asset: clients[0].delete(f"/assets/{asset.pk}"),
            lambda asset=asset, device=device: clients[1].patch(
                f"/assets/{asset.pk}", {"custom_fields": {"tracker": device.pk}}
            ),
        )
        _no_server_error(delete, patch)
        assert delete.status_code == 204
        assert not AssetDeviceLink.objects.filter(device_id=device.pk).exists()
