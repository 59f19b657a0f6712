"""The data the API fuzz tests run against: one of every kind of object, so that generated
requests reach the services' rules instead of stopping at 404, and the hostile-request tests
know real ids to aim at."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as Team

from assets.access.tokens import issue_token
from assets.events.models import Delivery
from assets.events.services import create_rule
from assets.models import ChangeLogEntry
from assets.services.assets import create_asset
from groups.services import create_group
from links.models import LinkType
from links.services import create_link, create_link_type

from .factories import make_asset, make_device, make_org, make_type

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


@dataclass
class FuzzWorld:
    token: str
    user_id: int
    ids: dict[str, list[int]] = field(default_factory=dict)
    field_codes: list[str] = field(default_factory=list)

    def pick(self, kind: str, index: int) -> int | None:
        ids = self.ids.get(kind)
        return ids[index % len(ids)] if ids else None


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

    world = FuzzWorld(token=token, user_id=root.pk, field_codes=[spec["code"] for spec in FIELDS])
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
        "change": [ChangeLogEntry.objects.filter(object_type="asset", object_id=first.pk).values_list("pk", flat=True).first()],
        "delivery": list(Delivery.objects.filter(rule=rule).values_list("pk", flat=True)[:1]),
    }
    return world
