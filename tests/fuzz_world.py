"""The data the API fuzz tests run against: one of every kind of object, so that generated
requests reach the services' rules instead of stopping at 404, and the hostile-request tests
know real ids to aim at."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Team

from assets.access.tokens import issue_token
from assets.events.models import Delivery
from assets.events.services import create_rule
from assets.files.services import set_remote_url
from assets.models import ChangeLogEntry
from assets.services.assets import create_asset, delete_asset
from assets.services.saved_views import save_view
from groups.services import create_group
from links.models import LinkType
from links.services import create_link, create_link_type

from .factories import make_asset, make_device, make_org, make_type
from .fuzz_aim import FuzzWorld

# One field of every kind the validators treat differently; none is required, so that the
# fuzzer's half-random bodies still get past "missing field" to the value checks.
FIELDS = [
    {"code": "plate", "field_type": "STRING", "params": {"max_length": 20, "pattern": "^[A-Z0-9 -]+$"}},
    {"code": "notes", "field_type": "TEXT"},
    {"code": "axles", "field_type": "INTEGER", "params": {"min": 2, "max": 12}},
    {"code": "fuel_l", "field_type": "NUMBER", "params": {"min": 0}},
    {"code": "active", "field_type": "BOOLEAN"},
    {"code": "built_on", "field_type": "DATE"},
    {"code": "seen_at", "field_type": "DATETIME"},
    {"code": "manual", "field_type": "URL"},
    {"code": "colour", "field_type": "OPTIONS",
     "params": {"options": [{"code": "red", "title": "Red"}, {"code": "blue", "title": "Blue"}]}},
    {"code": "extras", "field_type": "MULTI_OPTIONS",
     "params": {"options": [{"code": "crane", "title": "Crane"}, {"code": "cooler", "title": "Cooler"}]}},
    {"code": "label", "field_type": "LOCALIZED_STRING"},
    {"code": "specs", "field_type": "JSON"},
    {"code": "depot", "field_type": "GEOJSON"},
    {"code": "trailer", "field_type": "ASSET"},
    {"code": "tracker", "field_type": "DEVICE"},
]


def build_world() -> FuzzWorld:
    User = get_user_model()
    # No password: hashing one costs more than the rest of the world together.
    root = User.objects.create(username="fuzz-root", is_superuser=True, is_staff=True)
    other = User.objects.create(username="fuzz-other", email="other@example.com")
    _, token = issue_token(root)
    other_token_row, _ = issue_token(other)
    team = Team.objects.create(name="fuzz-team")
    team.user_set.add(other)

    parent_org = make_org("fuzz-dealer", title="Fuzz Dealer")
    org = make_org("fuzz-org", title="Fuzz Org", parent=parent_org)
    # Before the assets: the outbox then holds deliveries of their creation for the delivery paths.
    rule = create_rule(root, organization_id=org.pk, name="fuzz hook", object_types=["asset"],
                       actions=["create", "update", "delete"], url="https://example.com/hook",
                       secret="fuzz-secret-0123456789")
    truck = make_type(org, "truck", FIELDS, title="Truck")
    system_type = make_type(None, "fuzz_system", [{"code": "serial", "field_type": "STRING"}], title="System")
    device = make_device(org, identifier="IMEI-FUZZ-1")
    spare_device = make_device(org, identifier="IMEI-FUZZ-2")
    second = make_asset(org, truck, "Truck two", key="truck-two", custom_fields={"fuel_l": 120.5})
    third = make_asset(org, system_type, "Plain", key="plain")
    # Through the service, so that the device link row exists too.
    first = create_asset(root, organization_id=org.pk, type_id=truck.pk, title="Truck one", key="truck-one",
                         custom_fields={"plate": "HH 4421", "axles": 3, "colour": "red", "tracker": device.pk,
                                        "trailer": second.pk, "label": {"en_US": "Truck"}})
    group = create_group(root, organization_id=org.pk, title="Depot", asset_ids=[first.pk])
    child_group = create_group(root, organization_id=org.pk, title="Bay 1", parent_id=group.pk,
                               asset_ids=[second.pk])
    link = create_link(root, link_type="parent_child", source_id=first.pk, target_id=second.pk, alias="front",
                       tags=["fuzz"], properties={"slot": 1})
    link_type = create_link_type(root, organization_id=org.pk, code="tows", name="Tows", kind="directed")
    view = save_view(root, name="Fuzz view", query={}, columns=None, organization_id=org.pk)

    # Deleted through the service, so that its delete entry can be restored (without a key, each
    # restore makes a new asset instead of a 409).
    # Deleted through the service, so that their delete entries can be restored; a restore brings
    # the key back, so a second restore of one is a 409.
    scrapped = [create_asset(root, organization_id=org.pk, type_id=system_type.pk, title=f"Scrapped {n}").pk
                for n in (1, 2)]
    for asset_id in scrapped:
        delete_asset(root, asset_id)
    restorable = ChangeLogEntry.objects.filter(object_type="asset", object_id__in=scrapped, action="delete")

    world = FuzzWorld(token=token, user_id=root.pk, field_codes=[spec["code"] for spec in FIELDS])
    world.operation_ids = {
        **_expendables(root, org, system_type, second, third, sorted(restorable.values_list("pk", flat=True))),
        # Replacing an asset's outgoing links would remove the world's links (those of `first`
        # and `second`), which the link operations address.
        "PUT /api/v1/assets/{asset_id}/links": {"asset_id": [third.pk]},
        # Distinct assets for the items of one bulk edit (an item may not repeat another's).
        "PATCH /api/v1/assets": {"id": [first.pk, second.pk, third.pk]},
        "PATCH /api/v1/asset-types/{type_id}/fields/{code}": {"type_id": [truck.pk]},
        # The world's own link type (system ones are read-only); its code and kind may be
        # repeated but not changed.
        "PATCH /api/v1/link-types/{link_type_id}": {"link_type_id": [link_type.pk], "code": [link_type.code],
                                                    "kind": [link_type.kind]},
    }
    world.ids = {
        "organization": [org.pk, parent_org.pk],
        "type": [truck.pk, system_type.pk],
        "device": [device.pk, spare_device.pk],
        "asset": [first.pk, second.pk, third.pk],
        "group": [group.pk, child_group.pk],
        "link": [link.pk],
        "link_type": [link_type.pk, *LinkType.objects.filter(organization=None).values_list("pk", flat=True)[:2]],
        "user": [root.pk, other.pk],
        "team": [team.pk],
        # Not the token the fuzzer authenticates with: deleting it would turn the rest into 401s.
        "token": [other_token_row.pk],
        "rule": [rule.pk],
        "view": [view.pk],
        "type_code": [truck.code, system_type.code],
        "link_type_code": [link_type.code, "parent_child", "related"],
        "change": [ChangeLogEntry.objects.filter(object_type="asset", object_id=first.pk).values_list("pk", flat=True).first()],
        "delivery": list(Delivery.objects.filter(rule=rule).values_list("pk", flat=True)[:1]),
    }
    return world


def _expendables(root, org, system_type, second, third, restorable: list[int]) -> dict[str, dict[str, list]]:
    """Objects made to be removed, per destructive operation (FuzzWorld.operation_ids)."""
    def assets(title: str) -> list[int]:
        return [make_asset(org, system_type, f"{title} {n}").pk for n in (1, 2)]

    with_files = assets("Filed")
    for asset_id in with_files:
        set_remote_url(root, asset_id, "https://example.com/manual.pdf")
    members = assets("Member")
    bay = create_group(root, organization_id=org.pk, title="Spare bay", asset_ids=members)
    fields_type = make_type(org, "fuzz_fields", FIELDS, title="Fields")
    return {
        "DELETE /api/v1/assets/{asset_id}": {"asset_id": assets("Spare")},
        "DELETE /api/v1/assets/{asset_id}/file": {"asset_id": with_files},
        "DELETE /api/v1/groups/{group_id}/assets/{asset_id}": {"group_id": [bay.pk], "asset_id": members},
        "DELETE /api/v1/groups/{group_id}": {"group_id": [
            create_group(root, organization_id=org.pk, title=f"Spare {n}").pk for n in (1, 2)]},
        "DELETE /api/v1/organizations/{organization_id}": {"organization_id": [
            make_org(f"fuzz-spare-{n}", parent=org).pk for n in (1, 2)]},
        "DELETE /api/v1/asset-types/{type_id}": {"type_id": [
            make_type(org, f"fuzz_spare_{n}", title=f"Spare {n}").pk for n in (1, 2)]},
        "DELETE /api/v1/asset-types/{type_id}/fields/{code}": {"type_id": [fields_type.pk],
                                                             "code": [spec["code"] for spec in FIELDS]},
        # Bulk: the items' ids.
        "DELETE /api/v1/assets": {"id": assets("Bulk spare")},
        "DELETE /api/v1/devices/{device_id}": {"device_id": [
            make_device(org, identifier=f"IMEI-SPARE-{n}").pk for n in (1, 2)]},
        "DELETE /api/v1/links/{link_id}": {"link_id": [
            create_link(root, link_type="related", source_id=second.pk, target_id=third.pk).pk]},
        "DELETE /api/v1/link-types/{link_type_id}": {"link_type_id": [
            create_link_type(root, organization_id=org.pk, code=f"spare-{n}", name=f"Spare {n}", kind="peer").pk
            for n in (1, 2)]},
        "DELETE /api/v1/event-rules/{rule_id}": {"rule_id": [
            create_rule(root, organization_id=org.pk, name=f"spare hook {n}", object_types=["asset"], actions=["create"],
                        url="https://example.com/spare", secret="fuzz-secret-0123456789").pk for n in (1, 2)]},
        "DELETE /api/v1/views/{view_id}": {"view_id": [
            save_view(root, name=f"Spare view {n}", query={}, columns=None, organization_id=None).pk for n in (1, 2)]},
        "POST /api/v1/changes/{change_id}/restore": {"change_id": restorable},
    }
