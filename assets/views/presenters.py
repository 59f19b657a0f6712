"""Custom-field values and change-log entries shaped for templates. Templates escape every
string; nothing here marks text safe."""

from __future__ import annotations

from dataclasses import dataclass

from ..field_types import FieldValue, json_text, kind_of
from ..models import Asset, CustomFieldDefinition


def present_value(definition: CustomFieldDefinition, value, *, device_links=None, assets_by_id=None) -> FieldValue:
    """One value as the detail page and list cells show it. `device_links` are the asset's
    prefetched links by field code; `assets_by_id` the referenced assets the user may see."""
    kind = kind_of(definition.field_type)
    shown = FieldValue(
        definition.code, definition.title, definition.field_type, kind.display,
        present=value is not None and value != "",
    )
    if shown.present:
        kind.present(definition, value, shown, device_links=device_links, assets_by_id=assets_by_id)
    return shown


def referenced_asset_ids(assets, definitions) -> set[int]:
    codes = [d.code for d in definitions if d.kind.reference == "asset"]
    ids = set()
    for asset in assets:
        for code in codes:
            value = asset.custom_fields.get(code)
            if isinstance(value, int) and not isinstance(value, bool):
                ids.add(value)
    return ids


def referenced_assets(user, ids) -> dict[int, Asset]:
    """Titles of referenced assets the user may see (one query); others show as bare ids."""
    if not ids:
        return {}
    rows = Asset.objects.visible_to(user).filter(pk__in=ids).only("pk", "title", "key")
    return {asset.pk: asset for asset in rows}


def asset_field_values(asset, definitions, assets_by_id) -> list[FieldValue]:
    links = {link.field_code: link for link in asset.device_links.all()}
    return [
        present_value(d, asset.custom_fields.get(d.code), device_links=links, assets_by_id=assets_by_id)
        for d in definitions
    ]


def orphan_values(asset, definitions) -> list[tuple[str, str]]:
    """Stored values whose definition is gone (kept by imports or older types)."""
    known = {d.code for d in definitions}
    return [(code, json_text(value, indent=None)) for code, value in sorted(asset.custom_fields.items()) if code not in known]


# --- change log --------------------------------------------------------------------------------
@dataclass
class DiffRow:
    key: str
    before: str | None
    after: str | None
    # Set for asset entries by views.history_diff: the field's title and the values by name.
    label: str | None = None
    before_text: str | None = None
    after_text: str | None = None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def _flatten(data) -> dict[str, object]:
    """One level of nesting becomes dotted keys (custom_fields.license_plate), so a diff names
    the field that changed instead of the whole map."""
    flat: dict[str, object] = {}
    if not isinstance(data, dict):
        return flat
    for key, value in data.items():
        if isinstance(value, dict):
            for inner_key, inner in value.items():
                flat[f"{key}.{inner_key}"] = inner
        else:
            flat[key] = value
    return flat


def diff_rows(before, after) -> list[DiffRow]:
    """Per-key difference between two snapshots; unchanged keys are left out."""
    old, new = _flatten(before), _flatten(after)
    rows = []
    for key in sorted(set(old) | set(new)):
        in_old, in_new = key in old, key in new
        if in_old and in_new and old[key] == new[key]:
            continue
        rows.append(
            DiffRow(
                key,
                json_text(old[key], indent=None) if in_old else None,
                json_text(new[key], indent=None) if in_new else None,
            )
        )
    return rows
