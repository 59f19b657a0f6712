"""Link types and links to the API's response shapes. Reads only what the querysets selected."""

from __future__ import annotations

from assets.core.catalogue import ORGANIZATION, origin
from assets.models import Asset, Organization

from .models import Link, LinkType


def link_type_data(link_type: LinkType, organization: Organization | None = None) -> dict:
    seen_from = origin(link_type, organization)
    in_use = getattr(link_type, "in_use", None)
    return {
        "id": link_type.pk,
        "organization_id": link_type.organization_id,
        "code": link_type.code,
        "name": link_type.name,
        "kind": link_type.kind,
        "source_label": link_type.source_label,
        "target_label": link_type.target_label,
        "description": link_type.description,
        "allow_alias": link_type.allow_alias,
        "source_type_codes": link_type.source_type_codes,
        "target_type_codes": link_type.target_type_codes,
        "origin": seen_from,
        "can_be_deleted": seen_from == ORGANIZATION and in_use is False,
        "version": link_type.version,
        "created_at": link_type.created_at,
        "updated_at": link_type.updated_at,
    }


def asset_ref(asset: Asset) -> dict:
    return {"id": asset.pk, "key": asset.key, "title": asset.title, "organization_id": asset.organization_id}


def link_data(link: Link) -> dict:
    link_type = link.link_type
    return {
        "id": link.pk,
        "link_type": {
            "id": link_type.pk, "code": link_type.code, "name": link_type.name, "kind": link_type.kind,
            "source_label": link_type.source_label, "target_label": link_type.target_label,
        },
        "source": asset_ref(link.source),
        "target": asset_ref(link.target),
        "alias": link.alias,
        "tags": link.tags,
        "properties": link.properties,
        "sequence": link.sequence,
        "description": link.description,
        "version": link.version,
        "created_at": link.created_at,
        "updated_at": link.updated_at,
    }
