"""Demo links from the vendor seeds (notes/DEMO.md): the VAMS building model with its floors,
rooms and HVAC system, the Laserfiche email and its attachment, and the Quable product sheet with
its visuals (an organization link type with labels, sequence and link attributes).

`seed()` is idempotent: a link that exists already (same type, ends and alias) is left as it is.
New links go through the services, which check them and log their creation. Links whose assets
are missing (the assets demo hasn't run) are skipped and reported."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.db import transaction

from assets.models import Asset

from . import services
from .models import Link, LinkType

PRODUCT_VISUAL = {
    "code": "product_visual", "name": "Product visual", "kind": "directed",
    "source_label": "Document", "target_label": "Visual",
    "description": "A product sheet and the images that illustrate it (Quable document -> asset links).",
    "source_type_codes": ["document"], "target_type_codes": ["image"],
}

ARCH, LASERFICHE, QUABLE = "architecture-db", "laserfiche-repo", "quable-demo"
LINKS = [
    # link type, (org, source key), (org, target key), values
    ("parent_child", (ARCH, "building-model"), (ARCH, "floor-1"), {"alias": "floor-1", "tags": ["structural", "active"]}),
    ("parent_child", (ARCH, "building-model"), (ARCH, "floor-2"), {}),
    ("parent_child", (ARCH, "building-model"), (ARCH, "floor-plan-3"), {"alias": "floor-3", "tags": ["structural", "active"]}),
    ("parent_child", (ARCH, "building-model"), (ARCH, "hvac-system"), {"alias": "hvac"}),
    ("parent_child", (ARCH, "floor-1"), (ARCH, "room-101"), {}),
    ("parent_child", (ARCH, "floor-1"), (ARCH, "room-102"), {}),
    ("parent_child", (ARCH, "floor-2"), (ARCH, "room-201"), {}),
    ("related", (ARCH, "building-model"), (ARCH, "related-asset-1"), {}),
    ("attachment", (LASERFICHE, "email-10"), (LASERFICHE, "email-attachment-15"), {}),
    ("product_visual", (QUABLE, "shirt-doc"), (QUABLE, "blueshirt"),
     {"sequence": 1, "properties": {"role": "main_visual", "channel": ["web", "print"]}}),
    ("product_visual", (QUABLE, "shirt-doc"), (QUABLE, "shirt-front"),
     {"sequence": 2, "properties": {"role": "detail", "channel": ["web"]}}),
]


def _seed_user():
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True)
    return superusers.filter(username="admin").first() or superusers.order_by("pk").first()


def _product_visual_type(user, quable_org_id: int | None) -> LinkType | None:
    if quable_org_id is None:
        return None
    existing = LinkType.objects.filter(organization_id=quable_org_id, code=PRODUCT_VISUAL["code"]).first()
    if existing is not None:
        return existing
    return services.create_link_type(user, organization_id=quable_org_id, **PRODUCT_VISUAL)


@transaction.atomic
def seed(stdout=None) -> None:
    out = stdout or sys.stdout
    user = _seed_user()
    if user is None:
        out.write("links: no superuser to write the demo links as (run the assets demo first); skipped\n")
        return
    wanted_keys = {end for _, source, target, _ in LINKS for end in (source, target)}
    assets = {}
    for asset in Asset.objects.filter(organization__key__in={org for org, _ in wanted_keys}).select_related("organization"):
        if (asset.organization.key, asset.key) in wanted_keys:
            assets[(asset.organization.key, asset.key)] = asset
    quable_org_id = next((a.organization_id for (org, _), a in assets.items() if org == QUABLE), None)
    product_visual = _product_visual_type(user, quable_org_id)
    created = existing = skipped = 0
    for type_code, source_key, target_key, values in LINKS:
        source, target = assets.get(source_key), assets.get(target_key)
        link_type = product_visual if type_code == "product_visual" else LinkType.objects.get(
            organization__isnull=True, code=type_code
        )
        if source is None or target is None or link_type is None:
            skipped += 1
            continue
        if Link.objects.filter(link_type=link_type, source=source, target=target, alias=values.get("alias")).exists():
            existing += 1
            continue
        services.create_link(user, link_type=link_type.pk, source_id=source.pk, target_id=target.pk, **values)
        created += 1
    summary = f"links: {created} created, {existing} already there"
    if skipped:
        summary += f", {skipped} skipped (assets missing: run the assets demo first)"
    out.write(summary + "\n")
