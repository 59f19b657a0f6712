"""Demo groups for `manage.py seed_demo` (after assets.demo): TransLog's "Boston boats" (Navixy
seed 000) and the exclusive "Germany" tree of regions and depots. Idempotent: groups are found
by organization, parent and title; assets are filed once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from assets.models import Asset, Organization

from . import services
from .models import AssetGroup, GroupMembership

# (title, exclusive, asset keys, children)
TRANSLOG_GROUPS = [
    ("Boston boats", False, ["boat-1", "boat-2"], []),
    (
        "Germany", True, [],
        [
            ("North", None, [], [
                ("Hamburg depot", None, ["truck-b-44", "truck-b-45"], []),
                ("Berlin depot", None, ["truck-b-12"], []),
            ]),
            ("South", None, [], [
                ("Munich depot", None, ["truck-m-07"], []),
            ]),
        ],
    ),
]


# Quable's classification (seed 004): a group found and named by its code.
QUABLE_CLASSIFICATIONS = [("dam_sort", "DAM sort", ["blueshirt", "shirt-front"])]


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _file_missing(user, organization, group, asset_keys) -> None:
    asset_ids = set(Asset.objects.filter(organization=organization, key__in=asset_keys).values_list("pk", flat=True))
    missing = asset_ids - set(GroupMembership.objects.filter(group=group).values_list("asset_id", flat=True))
    if missing:
        services.add_members(user, group.pk, sorted(missing))


def _ensure(user, organization, parent, title, exclusive, asset_keys, children, stdout, depth=1) -> None:
    group = AssetGroup.objects.filter(organization=organization, parent=parent, title=title).first()
    if group is None:
        group = services.create_group(
            user, organization_id=organization.pk, title=title, parent_id=parent.pk if parent else None,
            exclusive=exclusive if parent is None else None,
        )
        _say(stdout, f"{'  ' * depth}group {title}")
    _file_missing(user, organization, group, asset_keys)
    for child in children:
        _ensure(user, organization, group, *child, stdout, depth + 1)


@transaction.atomic
def seed(stdout=None) -> None:
    organization = Organization.objects.filter(key="translog").first()
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True)
    user = superusers.filter(username="admin").first() or superusers.order_by("pk").first()
    if organization is None or user is None:
        _say(stdout, "groups: no 'translog' organization or superuser yet; run assets.demo first")
        return
    _say(stdout, "groups:")
    for spec in TRANSLOG_GROUPS:
        _ensure(user, organization, None, *spec, stdout)
    quable = Organization.objects.filter(key="quable-demo").first()
    for code, title, asset_keys in QUABLE_CLASSIFICATIONS if quable is not None else ():
        group = AssetGroup.objects.filter(organization=quable, code=code).first()
        if group is None:
            group = services.create_group(user, organization_id=quable.pk, title=title, code=code)
            _say(stdout, f"  group {title} ({code})")
        _file_missing(user, quable, group, asset_keys)
