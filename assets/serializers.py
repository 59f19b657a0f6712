"""Model instances to the API's response shapes. Reads only what the querysets prefetched."""

from __future__ import annotations

from . import extensions
from .core.catalogue import ORGANIZATION, origin
from .models import ApiToken, Asset, AssetType, ChangeLogEntry, Device, Organization

_UNSET = object()


def organization_data(organization: Organization) -> dict:
    return {
        "id": organization.pk, "key": organization.key, "title": organization.title,
        "parent_id": organization.parent_id, "level": organization.level, "version": organization.version,
        "created_at": organization.created_at,
    }


def catalogue_entry_data(entry, organization: Organization | None, in_use, fields: tuple[str, ...]) -> dict:
    """The shape shared by catalogue entries (asset types, link types): seen from `organization`,
    deletable only when it is the organization's own and `in_use` is known to be False."""
    seen_from = origin(entry, organization)
    return {
        "id": entry.pk,
        "organization_id": entry.organization_id,
        **{name: getattr(entry, name) for name in fields},
        "origin": seen_from,
        "can_be_deleted": seen_from == ORGANIZATION and in_use is False,
        "version": entry.version,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def asset_type_data(asset_type: AssetType, organization: Organization | None = None) -> dict:
    data = catalogue_entry_data(
        asset_type, organization, getattr(asset_type, "has_assets", None),
        ("code", "title", "order", "description"),
    )
    data["custom_field_definitions"] = [
        {"code": d.code, "title": d.title, "field_type": d.field_type, "params": d.params, "order": d.order,
         "indexed": d.indexed, "index_status": d.index_status or None}
        for d in asset_type.field_definitions.all()
    ]
    return data


def device_data(device: Device) -> dict:
    """Needs `services.devices.with_linked_assets` on the queryset."""
    links = device.visible_links
    asset = links[0].asset if links else None
    return {
        "id": device.pk, "organization_id": device.organization_id, "title": device.title,
        "identifier": device.identifier,
        "asset": {"id": asset.pk, "title": asset.title} if asset is not None else None,
        "linked": bool(device.is_linked),
        "version": device.version, "created_at": device.created_at,
    }


def device_refs(asset: Asset) -> list[dict]:
    """From the `device_rows` annotation (assets.queries.device_rows) when the read has it, else
    from the prefetched links."""
    rows = getattr(asset, "device_rows", _UNSET)
    if rows is _UNSET:
        return [
            {"id": link.device.pk, "title": link.device.title, "identifier": link.device.identifier,
             "field_code": link.field_code, "is_primary": link.is_primary}
            for link in asset.device_links.all()
        ]
    if not rows:
        return []
    # SQLite's json_object writes booleans as 0/1, and its aggregate keeps no order.
    return sorted(
        ({"id": r["id"], "title": r["title"], "identifier": r["identifier"], "field_code": r["field_code"],
          "is_primary": bool(r["is_primary"])} for r in rows or ()),
        key=lambda ref: ref["field_code"],
    )


def type_ref(asset: Asset) -> dict:
    """From the `type_code`/`type_title` annotations (services.assets.TYPE_COLUMNS) when the read
    has them, else from the loaded type."""
    code = getattr(asset, "type_code", _UNSET)
    if code is _UNSET:
        return {"id": asset.type.pk, "code": asset.type.code, "title": asset.type.title}
    return {"id": asset.type_id, "code": code, "title": asset.type_title}


def asset_data(asset: Asset, fields: list[str] | None = None) -> dict:
    devices = device_refs(asset)
    primary = next((device for device in devices if device["is_primary"]), None)
    custom_fields = asset.custom_fields
    if fields is not None:
        custom_fields = {code: value for code, value in custom_fields.items() if code in fields}
    data = {
        "id": asset.pk,
        "organization_id": asset.organization_id,
        "key": asset.key,
        "title": asset.title,
        "type": type_ref(asset),
        "custom_fields": custom_fields,
        "primary_device": {"id": primary["id"], "title": primary["title"]} if primary else None,
        "devices": devices,
        "groups": [],
        "file": None,
        "version": asset.version,
        "created_at": asset.created_at,
        "updated_at": asset.updated_at,
    }
    extensions.shape_asset(asset, data)
    return data


def json_time(value):
    """A datetime as DjangoJSONEncoder writes it (ECMA-262: milliseconds, "Z" for UTC)."""
    if value is None:
        return None
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def asset_json(asset: Asset, fields: list[str] | None = None) -> dict:
    """`asset_data` with its timestamps already as JSON text, for the REST lists: the encoder's
    `default` hook, called for each datetime, took 40 % of encoding a page of 1,000 assets."""
    data = asset_data(asset, fields)
    data["created_at"] = json_time(data["created_at"])
    data["updated_at"] = json_time(data["updated_at"])
    return data


def token_data(token: ApiToken) -> dict:
    return {
        "id": token.pk, "user_id": token.user_id, "name": token.name, "prefix": token.prefix,
        "created_at": token.created_at, "expires_at": token.expires_at, "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at, "read_only": token.read_only,
        "organization_ids": token.organization_ids, "allowed_ips": token.allowed_ips,
    }


def change_data(entry: ChangeLogEntry) -> dict:
    return {
        "id": entry.pk, "time": entry.time, "user_id": entry.user_id, "user": entry.user_name,
        "action": entry.action, "object_type": entry.object_type, "object_id": entry.object_id,
        "object_repr": entry.object_repr, "organization_id": entry.organization_id,
        "before": entry.before, "after": entry.after, "request_id": entry.request_id,
    }
