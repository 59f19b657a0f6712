"""ASSET and DEVICE: the id of an asset or a device of the same organization. The service
checks the ids against the database (it sees every value of a write at once); files carry the
asset's key or the device's identifier instead, so they move between installations."""

from __future__ import annotations

from django import forms

from assets.core.errors import ValidationFailed
from assets.core.inputs import id_from_text

from .base import EQUALITY_OPERATORS, NO_CHOICE, FieldKind, InvalidValue, is_integer


class ReferenceKind(FieldKind):
    operators = EQUALITY_OPERATORS
    column = True

    def validate(self, params, value):
        if not is_integer(value) or value <= 0:
            raise InvalidValue(f"must be the id of a {self.reference}")
        return value

    def filter_value(self, raw, param):
        value = id_from_text(raw)
        if value is None:
            raise ValidationFailed.field(param, "must be an id")
        return value

    def form_initial(self, value):
        return str(value)

    def parse_form_text(self, text):
        value = id_from_text(text)
        if value is None:
            raise forms.ValidationError("must be an id")
        return value

    def export_value(self, value, references):
        return references.get(self.reference, {}).get(value, value)


class AssetReference(ReferenceKind):
    code = "ASSET"
    label = "Asset"
    reference = "asset"
    display = "asset"

    def form_field(self, definition, common, *, device_choices=(), asset_choices=None):
        if asset_choices is not None:
            return forms.ChoiceField(choices=[NO_CHOICE, *asset_choices], **common)
        return forms.CharField(
            widget=forms.NumberInput(attrs={"min": 1}), help_text="Id of an asset of this organization", **common
        )

    def present(self, definition, value, shown, *, device_links=None, assets_by_id=None):
        shown.asset_id = value if isinstance(value, int) else None
        target = (assets_by_id or {}).get(value)
        shown.asset_title = target.title if target is not None else None
        shown.text = f"Asset #{value}"


class DeviceReference(ReferenceKind):
    code = "DEVICE"
    label = "Device"
    reference = "device"
    display = "device"

    def form_field(self, definition, common, *, device_choices=(), asset_choices=None):
        return forms.ChoiceField(choices=[NO_CHOICE, *device_choices], **common)

    def present(self, definition, value, shown, *, device_links=None, assets_by_id=None):
        link = (device_links or {}).get(definition.code)
        if link is not None:
            shown.device = link.device
            shown.is_primary = link.is_primary
        shown.text = f"Device #{value}"
