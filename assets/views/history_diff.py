"""An asset's change-log entries spelled for people: custom fields by their titles, the type,
organization, devices, referenced assets and groups by name where the user may view them (an
invisible one is named as such, not by id). One query per kind of name, for the whole page."""

from __future__ import annotations

from groups.permissions import visible_groups

from ..models import CustomFieldDefinition
from ..services.asset_types import visible_types
from ..services.assets import visible_assets
from ..services.devices import visible_devices
from ..services.organizations import visible_organizations
from .presenters import json_text

FIXED = {"title": "Title", "key": "Key", "type_id": "Type", "organization_id": "Organization",
         "primary_device_field": "Primary device", "group_ids": "Groups"}
HIDDEN = {"device": "a device you can't see", "asset": "an asset you can't see", "group": "a group you can't see",
          "type": "a type you can't see", "organization": "an organization you can't see"}


def _ids(value) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def label_asset_diffs(user, rows: list[dict]) -> None:
    """Adds `label`, `before_text` and `after_text` to the diff rows of asset entries in place."""
    asset_rows = [row for row in rows if row["entry"].object_type == "asset" and row["diff"]]
    if not asset_rows:
        return
    type_ids = set()
    for row in asset_rows:
        for snapshot in (row["entry"].before, row["entry"].after):
            if isinstance(snapshot, dict):
                type_ids.update(_ids(snapshot.get("type_id")))
    definitions = {(d.asset_type_id, d.code): d for d in
                   CustomFieldDefinition.objects.filter(asset_type_id__in=type_ids)}
    wanted = {"device": set(), "asset": set(), "group": set(), "type": set(type_ids), "organization": set()}
    plan = []
    for row in asset_rows:
        entry = row["entry"]
        type_id = (entry.after or entry.before or {}).get("type_id")
        for diff in row["diff"]:
            kind = None
            if diff.key.startswith("custom_fields."):
                definition = definitions.get((type_id, diff.key.split(".", 1)[1]))
                if definition is not None:
                    diff.label = definition.title
                    kind = {"DEVICE": "device", "ASSET": "asset"}.get(definition.field_type)
            elif diff.key in FIXED:
                diff.label = FIXED[diff.key]
                kind = {"type_id": "type", "organization_id": "organization", "group_ids": "group"}.get(diff.key)
            if kind is not None:
                values = [_value(entry.before, diff.key), _value(entry.after, diff.key)]
                for value in values:
                    wanted[kind].update(_ids(value))
                plan.append((diff, kind, values))
    names = _names(user, wanted)
    for diff, kind, (before, after) in plan:
        diff.before_text = _spell(before, kind, names) if diff.before is not None else None
        diff.after_text = _spell(after, kind, names) if diff.after is not None else None


def _value(snapshot, key: str):
    if not isinstance(snapshot, dict):
        return None
    if key.startswith("custom_fields."):
        return (snapshot.get("custom_fields") or {}).get(key.split(".", 1)[1])
    return snapshot.get(key)


def _names(user, wanted: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    sources = {
        "device": lambda: visible_devices(user),
        "asset": lambda: visible_assets(user),
        "group": lambda: visible_groups(user),
        "type": lambda: visible_types(user)[0],
        "organization": lambda: visible_organizations(user),
    }
    return {kind: dict(sources[kind]().filter(pk__in=ids).values_list("pk", "title")) if ids else {}
            for kind, ids in wanted.items()}


def _spell(value, kind: str, names) -> str:
    if value is None:
        return "—"
    ids = _ids(value)
    if not ids:
        return json_text(value, indent=None)
    return ", ".join(names[kind].get(pk, HIDDEN[kind]) for pk in ids)
