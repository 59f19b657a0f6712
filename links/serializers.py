"""Link types and links to the API's response shapes. Reads only what the querysets selected."""

from __future__ import annotations

from assets.models import Asset, Organization
from assets.serializers import catalogue_entry_data

from .models import Link, LinkType


def link_type_data(link_type: LinkType, organization: Organization | None = None) -> dict:
    return catalogue_entry_data(
        link_type, organization, getattr(link_type, "in_use", None),
        ("code", "name", "kind", "source_label", "target_label", "description", "allow_alias",
         "source_type_codes", "target_type_codes"),
    )


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
