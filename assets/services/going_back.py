"""Going back through the change log: revert an asset to the values a change left it with, and
restore a deleted asset from its delete entry. Both go through the asset services, so validation,
optimistic locking, permissions and the change log are theirs; this module only turns a logged
snapshot into the call those services take."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from assets import extensions
from assets.access.permissions import can_create_assets
from assets.core.errors import Forbidden, NotFound, ValidationFailed
from assets.core.inputs import is_id, require_user

from ..models import Asset, AssetDeviceLink, AssetType, ChangeLogEntry
from . import assets as asset_services
from .changes import visible_changes


def _visible_entry(user, change_id, **conditions) -> ChangeLogEntry:
    require_user(user)
    if not is_id(change_id):
        raise NotFound(f"change {change_id} does not exist")
    entry = visible_changes(user).filter(pk=change_id, **conditions).first()
    if entry is None:
        raise NotFound(f"change {change_id} does not exist")
    return entry


@transaction.atomic
def revert_asset(user, asset_id: int, *, change_id, version=None) -> Asset:
    """A new change that brings back the title, key and custom fields the change `change_id`
    left the asset with. Refused with the update's own reasons when a value no longer fits the
    type's current fields, and with 409 when `version` is stale."""
    current = asset_services.get_asset(user, asset_id, "change")
    entry = _visible_entry(user, change_id, object_type="asset", object_id=current.pk)
    # On SQLite a deleted asset's id can be reused: entries older than this asset are another's.
    if entry.time < current.created_at:
        raise NotFound(f"change {change_id} does not exist")
    if entry.after is None:
        raise ValidationFailed.field("change_id", f"change {change_id} deleted the asset; it left no values to go back to")
    target = entry.after
    values = target.get("custom_fields") or {}
    now = current.custom_fields
    patch = {
        "set": {code: value for code, value in values.items() if now.get(code) != value},
        "unset": [code for code in now if code not in values],
    }
    wanted_primary = target.get("primary_device_field")
    primary = asset_services._current_primary(current)
    if wanted_primary and wanted_primary != primary:
        patch["set_primary"] = [wanted_primary]
    elif primary and not wanted_primary and primary in values:
        patch["unset_primary"] = [primary]
    try:
        return asset_services.update_asset(
            user, current.pk, version=version, title=target.get("title"), key=target.get("key"), custom_fields=patch
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"change {change_id} can't be reverted: its values no longer fit the type's current fields",
            errors=exc.errors,
        ) from exc


@dataclass
class Restored:
    asset: Asset
    report: list[dict] = field(default_factory=list)  # {field, message}: what could not come back

    def note(self, field_name: str, message: str) -> None:
        self.report.append({"field": field_name, "message": message})


@transaction.atomic
def restore_asset(user, change_id) -> Restored:
    """Re-creates the asset that the delete entry `change_id` removed, with its key, title, type
    and whatever of its custom fields, devices and (through the extensions) groups is still valid.
    Needs the right to create assets in its organization; a key taken since is a 409."""
    entry = _visible_entry(user, change_id, object_type="asset", action=ChangeLogEntry.Action.DELETE)
    snapshot = entry.before or {}
    organization_id = snapshot.get("organization_id", entry.organization_id)
    if not can_create_assets(user, organization_id):
        raise Forbidden("restoring an asset needs change_org_assets on its organization")
    type_id = snapshot.get("type_id")
    asset_type = AssetType.objects.prefetch_related("field_definitions").filter(pk=type_id).first() if is_id(type_id) else None
    if asset_type is None:
        raise ValidationFailed.field("type_id", f"the type of the deleted asset (id {type_id}) no longer exists")
    outcome = Restored(asset=None)
    values = _values_still_valid(user, asset_type, organization_id, snapshot, outcome)
    primary = snapshot.get("primary_device_field")
    custom_fields = {"set": values, "set_primary": [primary] if primary in values else []}
    created = asset_services.create_asset(
        user, organization_id=organization_id, type_id=asset_type.pk, title=snapshot.get("title"),
        key=snapshot.get("key"), custom_fields=custom_fields,
    )
    extensions.restore_asset(user, created, snapshot, outcome.note)
    outcome.asset = asset_services.get_asset(user, created.pk)
    return outcome


def _values_still_valid(user, asset_type: AssetType, organization_id: int, snapshot: dict, outcome: Restored) -> dict:
    """The snapshot's custom-field values that the type's current fields still accept; the rest
    go to the report. A required value that can't come back stays in, so that the create refuses
    with its reason instead of making an invalid asset."""
    definitions = {d.code: d for d in asset_type.field_definitions.all()}
    values = {}
    for code, value in (snapshot.get("custom_fields") or {}).items():
        if code in definitions:
            values[code] = value
        else:
            outcome.note(f"custom_fields.{code}", f"is no longer a field of type {asset_type.code}")
    devices = {
        code: value for code, value in values.items() if definitions[code].kind.reference == "device" and is_id(value)
    }
    taken = set(AssetDeviceLink.objects.filter(device_id__in=devices.values()).values_list("device_id", flat=True))
    for code, device_id in devices.items():
        if device_id in taken:
            values.pop(code)
            outcome.note(f"custom_fields.{code}", f"device {device_id} is now linked to another asset")
    checked = asset_services.apply_custom_fields(
        asset_type, {}, None, asset_services.CustomFieldsPatch(set=values), creating=False, definitions=definitions
    )
    probe = Asset(organization_id=organization_id, type=asset_type)
    asset_services.check_references(user, probe, asset_type, checked, set(checked.values))
    for error in checked.errors:
        code = error["field"].partition(".")[2]
        if code in values and not definitions[code].required:
            values.pop(code)
            outcome.note(error["field"], error["message"])
    return values
