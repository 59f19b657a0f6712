"""Custom-field values and change-log entries shaped for templates. Templates escape every
string; nothing here marks text safe."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from ..field_types import FieldType
from ..models import Asset, CustomFieldDefinition

LINKABLE_SCHEMES = ("http://", "https://", "ftp://", "ftps://")
# Columns the asset list can sort on (ordering=cf_<code>): scalar values only.
SORTABLE_TYPES = frozenset({
    FieldType.STRING, FieldType.TEXT, FieldType.INTEGER, FieldType.NUMBER, FieldType.BOOLEAN, FieldType.DATE,
    FieldType.DATETIME, FieldType.URL, FieldType.OPTIONS,
})
# Types shown as list columns; long or structured values stay on the detail page.
COLUMN_TYPES = SORTABLE_TYPES - {FieldType.TEXT} | {
    FieldType.MULTI_OPTIONS, FieldType.LOCALIZED_STRING, FieldType.DEVICE, FieldType.ASSET,
}


@dataclass
class FieldValue:
    code: str
    title: str
    field_type: str
    present: bool
    text: str = ""
    url: str | None = None
    items: list = field(default_factory=list)  # option titles, or (locale, text) pairs
    device: object = None
    is_primary: bool = False
    asset_id: int | None = None
    asset_title: str | None = None
    pretty: str = ""


def json_text(value, *, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, sort_keys=True, default=str)


def _option_titles(definition: CustomFieldDefinition) -> dict[str, str]:
    return {o["code"]: o.get("title") or o["code"] for o in definition.params.get("options", [])}


def _format_datetime(raw: str) -> str:
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return str(raw)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def present_value(definition: CustomFieldDefinition, value, *, device_links=None, assets_by_id=None) -> FieldValue:
    """One value as the detail page and list cells show it. `device_links` are the asset's
    prefetched links by field code; `assets_by_id` the referenced assets the user may see."""
    kind = definition.field_type
    shown = FieldValue(definition.code, definition.title, kind, present=value is not None and value != "")
    if not shown.present:
        return shown
    if kind == FieldType.OPTIONS:
        shown.text = _option_titles(definition).get(value, str(value))
    elif kind == FieldType.MULTI_OPTIONS:
        titles = _option_titles(definition)
        shown.items = [titles.get(code, str(code)) for code in value] if isinstance(value, list) else [str(value)]
    elif kind == FieldType.LOCALIZED_STRING:
        if isinstance(value, dict):
            shown.items = sorted(
                (str(locale), "" if text is None else str(text), str(locale).replace("_", "-"))
                for locale, text in value.items()
            )
        else:
            shown.text = str(value)
    elif kind == FieldType.URL:
        shown.text = str(value)
        # Only ordinary schemes become links: a stored "javascript:" must stay inert text.
        if shown.text.lower().startswith(LINKABLE_SCHEMES):
            shown.url = shown.text
    elif kind == FieldType.BOOLEAN:
        shown.text = "Yes" if value is True else "No" if value is False else str(value)
    elif kind == FieldType.DATETIME:
        shown.text = _format_datetime(value)
    elif kind == FieldType.DEVICE:
        link = (device_links or {}).get(definition.code)
        if link is not None:
            shown.device = link.device
            shown.is_primary = link.is_primary
        shown.text = f"Device #{value}"
    elif kind == FieldType.ASSET:
        shown.asset_id = value if isinstance(value, int) else None
        target = (assets_by_id or {}).get(value)
        shown.asset_title = target.title if target is not None else None
        shown.text = f"Asset #{value}"
    elif kind in (FieldType.JSON, FieldType.GEOJSON):
        shown.pretty = json_text(value)
        shown.text = json_text(value, indent=None)
    elif isinstance(value, float) and value.is_integer():
        shown.text = str(int(value)) if abs(value) < 1e15 else str(value)
    else:
        shown.text = str(value)
    return shown


def referenced_asset_ids(assets, definitions) -> set[int]:
    codes = [d.code for d in definitions if d.field_type == FieldType.ASSET]
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
