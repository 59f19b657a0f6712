"""The write operations of the assets app, each `(input: {...})` returning the seed's payload.
Every one is a call of the service REST calls: validation, permissions, locking, versions and
the change log happen there."""

from __future__ import annotations

import strawberry
from django.db import transaction
from strawberry.scalars import JSON

from assets import serializers
from assets.field_types import types_where
from assets.models import CustomFieldDefinition
from assets.services import asset_types, assets, devices

from .context import user_of
from .enums import FieldType
from .field_params import CustomFieldParamsInput, rest_params
from .ids import id_argument, lookup_id, parse_id
from .inputs import UNSET, input_type
from .names import renamed
from .types import Asset, AssetType, Device, device_node


def given(**values) -> dict:
    """The input fields the client sent (an omitted field leaves its value as it is)."""
    return {name: value for name, value in values.items() if value is not UNSET}


CustomFieldDefinitionCreateInput = input_type(
    "CustomFieldDefinitionCreateInput", {"code": str, "title": str, "field_type": FieldType},
    {"order": (int, UNSET), "params": (CustomFieldParamsInput, UNSET), "is_indexed": (bool, UNSET)})
CustomFieldDefinitionUpdateInput = input_type(
    "CustomFieldDefinitionUpdateInput", {"code": str},
    {"title": (str, UNSET), "order": (int, UNSET), "params": (CustomFieldParamsInput, UNSET),
     "is_indexed": (bool, UNSET)})


@strawberry.input
class CustomFieldDefinitionDeleteInput:
    code: str
    drop_values: bool = strawberry.field(default=False, description="Also remove the values assets hold.")


@strawberry.input(one_of=True)
class CustomFieldDefinitionChange:
    create: CustomFieldDefinitionCreateInput | None = UNSET
    update: CustomFieldDefinitionUpdateInput | None = UNSET
    delete: CustomFieldDefinitionDeleteInput | None = UNSET


@strawberry.input
class AssetTypeMetaInput:
    description: str | None = UNSET


AssetTypeCreateInput = input_type(
    "AssetTypeCreateInput", {"organization_id": strawberry.ID, "code": str, "title": str},
    {"order": (int, None), "meta": (AssetTypeMetaInput, None),
     "custom_field_definitions": (list[CustomFieldDefinitionCreateInput], None)})
AssetTypeUpdateInput = input_type(
    "AssetTypeUpdateInput", {"id": strawberry.ID},
    {"version": (int, None), "title": (str, UNSET), "order": (int, UNSET), "meta": (AssetTypeMetaInput, UNSET),
     "custom_field_definitions": (list[CustomFieldDefinitionChange], None)})


@strawberry.input
class DeleteInput:
    id: strawberry.ID
    version: int | None = None


@strawberry.type
class AssetTypePayload:
    asset_type: AssetType


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID


def deleted(info, input: DeleteInput, what: str, delete) -> DeletePayload:
    """A delete mutation: the id looked up as `what`, the service's delete under the version."""
    object_id = lookup_id(input.id, what)
    delete(user_of(info), object_id, version=input.version)
    return DeletePayload(deleted_id=strawberry.ID(str(object_id)))


def create_spec(definition: CustomFieldDefinitionCreateInput, field: str) -> dict:
    field_type = definition.field_type.value
    spec = {"code": definition.code, "title": definition.title, "field_type": field_type,
            **given(order=definition.order, indexed=definition.is_indexed)}
    params = rest_params(field_type, definition.params, field)
    if params is not None:
        spec["params"] = params
    return spec


def type_payload(asset_type) -> AssetTypePayload:
    return AssetTypePayload(asset_type=AssetType.of(serializers.asset_type_data(asset_type, asset_type.organization)))


# --- assets ------------------------------------------------------------------------------------
@strawberry.input(description="Patch of custom fields: codes not mentioned keep their values.")
class CustomFieldsPatchInput:
    set: JSON | None = UNSET
    unset: list[str] | None = UNSET
    set_primary: list[str] | None = UNSET
    unset_primary: list[str] | None = UNSET


AssetCreateInput = input_type(
    "AssetCreateInput", {"organization_id": strawberry.ID, "type_id": strawberry.ID, "title": str},
    {"key": (str, None), "custom_fields": (CustomFieldsPatchInput, None)})
AssetUpdateInput = input_type(
    "AssetUpdateInput", {"id": strawberry.ID},
    {"version": (int, None), "title": (str, UNSET), "key": (str, UNSET), "custom_fields": (CustomFieldsPatchInput, UNSET)})


@strawberry.type
class AssetPayload:
    asset: Asset


def fields_patch(patch: CustomFieldsPatchInput | None, references) -> dict | None:
    """The REST patch form {set, unset, set_primary, unset_primary}; a DEVICE or ASSET field's
    value comes as a GraphQL ID string ("42") and is stored as the id it names."""
    if patch is None or patch is UNSET:
        return None
    out = given(set=patch.set, unset=patch.unset, set_primary=patch.set_primary, unset_primary=patch.unset_primary)
    if isinstance(out.get("set"), dict):
        codes = references([code for code, value in out["set"].items() if isinstance(value, str)])
        out["set"] = {
            code: (parse_id(value) or value) if code in codes and isinstance(value, str) else value
            for code, value in out["set"].items()
        }
    return {name: ([] if value is None and name != "set" else value) for name, value in out.items()}


REFERENCE_TYPES = types_where(lambda kind: kind.reference is not None)


def reference_codes(**where):
    """Which of the given codes are DEVICE or ASSET fields of the type (read only to turn ID
    strings into ids; the service checks the references themselves)."""

    def codes(candidates):
        if not candidates:
            return set()
        return set(CustomFieldDefinition.objects.filter(
            code__in=candidates, field_type__in=REFERENCE_TYPES, **where).values_list("code", flat=True))

    return codes


# --- devices -----------------------------------------------------------------------------------
@strawberry.input
class DeviceCreateInput:
    organization_id: strawberry.ID
    title: str
    identifier: str


@strawberry.type
class DevicePayload:
    device: Device


MUTATION_NAMES = {"organization_id": "organizationId", "type_id": "typeId"}


@strawberry.type
class Mutation:
    @strawberry.mutation
    def asset_type_create(self, info: strawberry.Info, input: AssetTypeCreateInput) -> AssetTypePayload | None:
        user = user_of(info)
        fields = [create_spec(definition, f"customFieldDefinitions[{i}]")
                  for i, definition in enumerate(input.custom_field_definitions or [])]
        with renamed(MUTATION_NAMES):
            asset_type = asset_types.create_type(
                user, organization_id=id_argument(input.organization_id, "organization_id"), code=input.code,
                title=input.title, order=input.order,
                description=(input.meta.description if input.meta and input.meta.description else ""),
                fields=fields,
            )
        return type_payload(asset_type)

    @strawberry.mutation(description="Changes the type and creates, updates or deletes its field "
                                     "definitions in one transaction; each change bumps the version.")
    def asset_type_update(self, info: strawberry.Info, input: AssetTypeUpdateInput) -> AssetTypePayload | None:
        user = user_of(info)
        type_id = lookup_id(input.id, "asset type")
        changes = given(title=input.title, order=input.order)
        if input.meta not in (None, UNSET) and input.meta.description is not UNSET:
            changes["description"] = input.meta.description or ""
        # The client's version guards the first write; the later ones run under its row lock.
        version = input.version
        with transaction.atomic():
            asset_type = asset_types.get_type(user, type_id)
            if changes or not input.custom_field_definitions:
                asset_type = asset_types.update_type(user, type_id, version=version, **changes)
                version = None
            for i, change in enumerate(input.custom_field_definitions or []):
                at = f"customFieldDefinitions[{i}]"
                if change.create not in (None, UNSET):
                    with renamed({}, prefix=f"{at}.create"):
                        asset_type = asset_types.add_field(user, type_id, create_spec(change.create, f"{at}.create"),
                                                           version=version)
                elif change.update not in (None, UNSET):
                    update = change.update
                    definition = next((d for d in asset_type.field_definitions.all() if d.code == update.code), None)
                    spec = given(title=update.title, order=update.order, indexed=update.is_indexed)
                    if definition is not None:
                        params = rest_params(definition.field_type, update.params, f"{at}.update")
                        if params is not None:
                            spec["params"] = params
                    with renamed({}, prefix=f"{at}.update"):
                        asset_type = asset_types.update_field(user, type_id, update.code, spec, version=version)
                elif change.delete not in (None, UNSET):
                    asset_type = asset_types.delete_field(user, type_id, change.delete.code, version=version,
                                                          drop_values=change.delete.drop_values)
                version = None
        return type_payload(asset_type)

    @strawberry.mutation
    def asset_type_delete(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload | None:
        return deleted(info, input, "asset type", asset_types.delete_type)

    @strawberry.mutation
    def asset_create(self, info: strawberry.Info, input: AssetCreateInput) -> AssetPayload | None:
        user = user_of(info)
        type_id = id_argument(input.type_id, "type_id")
        custom_fields = fields_patch(input.custom_fields, reference_codes(asset_type_id=type_id))
        with renamed(MUTATION_NAMES):
            asset = assets.create_asset(
                user, organization_id=id_argument(input.organization_id, "organization_id"), type_id=type_id,
                title=input.title, key=input.key, custom_fields=custom_fields,
            )
        return AssetPayload(asset=Asset.of(serializers.asset_data(asset), info))

    @strawberry.mutation
    def asset_update(self, info: strawberry.Info, input: AssetUpdateInput) -> AssetPayload | None:
        user = user_of(info)
        asset_id = lookup_id(input.id, "asset")
        changes = given(title=input.title, key=input.key)
        custom_fields = fields_patch(input.custom_fields, reference_codes(asset_type__assets__pk=asset_id))
        if custom_fields is not None:
            changes["custom_fields"] = custom_fields
        asset = assets.update_asset(user, asset_id, version=input.version, **changes)
        return AssetPayload(asset=Asset.of(serializers.asset_data(asset), info))

    @strawberry.mutation(description="Deletes the asset for good, with its links, group memberships and device links.")
    def asset_delete(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload | None:
        return deleted(info, input, "asset", assets.delete_asset)

    @strawberry.mutation
    def device_create(self, info: strawberry.Info, input: DeviceCreateInput) -> DevicePayload | None:
        user = user_of(info)
        with renamed(MUTATION_NAMES):
            device = devices.create_device(
                user, organization_id=id_argument(input.organization_id, "organization_id"), title=input.title,
                identifier=input.identifier,
            )
        row = devices.with_linked_assets(devices.visible_devices(user), user).get(pk=device.pk)
        return DevicePayload(device=device_node(info, row))

    @strawberry.mutation
    def device_delete(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload | None:
        return deleted(info, input, "device", devices.delete_device)
