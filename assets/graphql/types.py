"""The GraphQL object types of the assets app (seed 003's names). Nodes are built from the same
shapes REST answers with (assets.serializers), so a field shows what REST shows and no read
rule lives here; rows that nodes only refer to are read a page at a time (context.batch)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry.scalars import JSON

from assets import serializers
from assets.models import AssetType as AssetTypeModel
from assets.models import Organization as OrganizationModel
from assets.services import asset_types as type_services
from assets.services import assets as asset_services
from assets.services.organizations import visible_organizations

from .context import batch, user_of
from .enums import AssetTypeOrigin, FieldIndexStatus, FieldType
from .relay import Connection, list_connection

if TYPE_CHECKING:
    from groups.graphql import Group
    from links.graphql import AssetLinks

# --- organizations and actors ------------------------------------------------------------------
@strawberry.type
class Organization:
    id: strawberry.ID
    key: str
    title: str

    @classmethod
    def of(cls, organization) -> Organization:
        return cls(id=strawberry.ID(str(organization.pk)), key=organization.key, title=organization.title)


def organization_of(info, organization_id: int | None) -> Organization | None:
    """An organization the caller may see, read with the others of the page; None otherwise."""
    if organization_id is None:
        return None

    def load(ids):
        rows = visible_organizations(user_of(info)).filter(pk__in=ids)
        return {row.pk: Organization.of(row) for row in rows}

    return batch(info, "organizations", load).get(organization_id)


@strawberry.interface(description="Who is calling: a person (User) or a program (Integration).")
class Actor:
    id: strawberry.ID


@strawberry.type
class Membership:
    organization: Organization
    permissions: list[str]


@strawberry.type
class User(Actor):
    username: str
    email: str
    _memberships: strawberry.Private[Callable[[], list[dict]]]

    @strawberry.field(description="The organizations the user holds any permission in.")
    def memberships(self) -> Connection[Membership]:
        nodes = [
            Membership(organization=Organization(id=strawberry.ID(str(row["organization"]["id"])),
                                                 key=row["organization"]["key"], title=row["organization"]["title"]),
                       permissions=row["permissions"])
            for row in self._memberships()
        ]
        return list_connection(nodes, lambda node: node.organization.id)


@strawberry.type(description="Reserved for integration credentials; no token resolves to one yet.")
class Integration(Actor):
    title: str


# --- asset types -------------------------------------------------------------------------------
@strawberry.type
class CustomFieldOption:
    code: str
    title: str


@strawberry.type
class CustomFieldParams:
    is_required: bool
    max_length: int | None
    pattern: str | None
    min: float | None
    max: float | None
    options: list[CustomFieldOption] | None


@strawberry.type
class CustomFieldDefinition:
    code: str
    title: str
    field_type: FieldType
    order: int
    params: CustomFieldParams
    is_indexed: bool = strawberry.field(description="The database keeps an index for sorting and ranges on it.")
    index_status: FieldIndexStatus | None

    @classmethod
    def of(cls, row: dict) -> CustomFieldDefinition:
        params = row["params"] or {}
        options = params.get("options")
        return cls(
            code=row["code"], title=row["title"], field_type=FieldType(row["field_type"]), order=row["order"],
            is_indexed=row["indexed"],
            index_status=FieldIndexStatus(row["index_status"]) if row["index_status"] else None,
            params=CustomFieldParams(
                is_required=bool(params.get("required")), max_length=params.get("max_length"),
                pattern=params.get("pattern"), min=params.get("min"), max=params.get("max"),
                options=[CustomFieldOption(code=o["code"], title=o["title"]) for o in options] if options else None,
            ),
        )


@strawberry.type
class AssetTypeMeta:
    origin: AssetTypeOrigin
    can_be_deleted: bool
    description: str


@strawberry.type
class AssetType:
    id: strawberry.ID
    code: str
    title: str
    # The REST shape of the type (serializers.asset_type_data), read only when a field beyond
    # id, code and title is asked for: an asset's type comes with those three in the asset's row.
    _shape: strawberry.Private[Callable[[], dict]]

    @classmethod
    def of(cls, shape: dict) -> AssetType:
        return cls(id=strawberry.ID(str(shape["id"])), code=shape["code"], title=shape["title"], _shape=lambda: shape)

    @strawberry.field
    def version(self) -> int:
        return self._shape()["version"]

    @strawberry.field
    def order(self) -> int:
        return self._shape()["order"]

    @strawberry.field(description="The owner; null for SYSTEM types.")
    def organization(self, info: strawberry.Info) -> Organization | None:
        return organization_of(info, self._shape()["organization_id"])

    @strawberry.field
    def meta(self) -> AssetTypeMeta:
        shape = self._shape()
        return AssetTypeMeta(origin=AssetTypeOrigin(shape["origin"]), can_be_deleted=shape["can_be_deleted"],
                             description=shape["description"])

    @strawberry.field
    def custom_field_definitions(self) -> list[CustomFieldDefinition]:
        return [CustomFieldDefinition.of(row) for row in self._shape()["custom_field_definitions"]]

    @strawberry.field
    def created_at(self) -> dt.datetime:
        return self._shape()["created_at"]

    @strawberry.field
    def updated_at(self) -> dt.datetime:
        return self._shape()["updated_at"]


def type_of_asset(info, ref: dict, organization_id: int) -> AssetType:
    """An asset's type: id, code and title from the asset's row, the rest read for the page's
    types together, with the origin relative to the asset's organization."""

    def load(keys):
        rows = type_services.with_definitions(AssetTypeModel.objects.filter(pk__in={pk for pk, _ in keys}))
        by_pk = {row.pk: row for row in rows}
        return {
            (pk, org): serializers.asset_type_data(by_pk[pk], OrganizationModel(pk=org))
            for pk, org in keys if pk in by_pk
        }

    types = batch(info, "asset_types", load)
    return AssetType(id=strawberry.ID(str(ref["id"])), code=ref["code"], title=ref["title"],
                     _shape=lambda: types.get((ref["id"], organization_id)))


# --- devices -----------------------------------------------------------------------------------
@strawberry.type
class Device:
    id: strawberry.ID
    title: str
    identifier: str
    linked: bool = strawberry.field(description="Whether an asset holds the device (even one you can't see).")
    _asset: strawberry.Private[Callable[[], Asset | None]]
    _organization_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The asset the device is linked to, when you may see it.")
    def asset(self) -> Asset | None:
        return self._asset()

    @strawberry.field
    def organization(self, info: strawberry.Info) -> Organization | None:
        return organization_of(info, self._organization_id)


def device_node(info, device) -> Device:
    """A device row read through services.devices.with_linked_assets."""
    links = device.visible_links
    asset_id = links[0].asset_id if links else None
    assets = batch(info, "assets", lambda ids: load_assets(info, ids))
    if asset_id is not None:
        assets.want([asset_id])
    return Device(
        id=strawberry.ID(str(device.pk)), title=device.title, identifier=device.identifier,
        linked=bool(device.is_linked), _organization_id=device.organization_id,
        _asset=lambda: assets.get(asset_id) if asset_id is not None else None,
    )


def load_assets(info, ids) -> dict:
    """Assets by id for the nodes that refer to them, through the REST page queryset."""
    rows = asset_services.asset_page_queryset(user_of(info)).filter(pk__in=ids)
    return {asset.pk: Asset.of(serializers.asset_data(asset), info) for asset in rows}


# --- assets ------------------------------------------------------------------------------------
@strawberry.type
class AssetFile:
    name: str | None
    mime_type: str | None
    size: int | None
    width: int | None
    height: int | None
    orientation: int | None
    metadata: JSON | None
    url: str | None
    thumbnail_url: str | None
    preview_url: str | None
    remote_url: str | None

    FIELDS: ClassVar = ("name", "mime_type", "size", "width", "height", "orientation", "metadata", "url",
                        "thumbnail_url", "preview_url", "remote_url")


@strawberry.type
class Asset:
    id: strawberry.ID
    version: int
    key: str
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime
    type: AssetType
    primary_device: Device | None = strawberry.field(
        description="The device of the DEVICE field marked primary; null if none is.")
    devices: list[Device] = strawberry.field(description="Every device linked through the asset's DEVICE fields.")
    file: AssetFile | None
    _shape: strawberry.Private[dict]
    _groups: strawberry.Private[list]

    @classmethod
    def of(cls, shape: dict, info) -> Asset:
        """From the REST asset shape (serializers.asset_data). Built whole rather than through
        a resolver per field: a page of 100 assets has thousands of fields, and a resolver
        call costs the executor several times a plain attribute."""
        from groups.graphql import Group

        organization_id = shape["organization_id"]
        file = shape.get("file")
        asset = cls(
            id=strawberry.ID(str(shape["id"])), version=shape["version"], key=shape["key"], title=shape["title"],
            created_at=shape["created_at"], updated_at=shape["updated_at"],
            type=type_of_asset(info, shape["type"], organization_id), primary_device=None, devices=[],
            _groups=[Group(id=strawberry.ID(str(row["id"])), title=row["title"]) for row in shape["groups"]],
            file=AssetFile(**{name: file.get(name) for name in AssetFile.FIELDS}) if file else None,
            _shape=shape,
        )
        for ref in shape["devices"]:
            device = Device(id=strawberry.ID(str(ref["id"])), title=ref["title"], identifier=ref["identifier"],
                            linked=True, _asset=lambda: asset, _organization_id=organization_id)
            asset.devices.append(device)
            if ref["is_primary"]:
                asset.primary_device = device
        return asset

    @strawberry.field
    def organization(self, info: strawberry.Info) -> Organization | None:
        return organization_of(info, self._shape["organization_id"])

    @strawberry.field(description="The groups the asset is filed in, by title (the REST shape's `groups`); "
                                  "`first` (default 50, at most 1000) and `after` (an edge's cursor) page them.")
    def groups(self, first: int | None = None,
               after: str | None = None) -> Connection[Annotated[Group, strawberry.lazy("groups.graphql")]]:
        return list_connection(self._groups, lambda node: node.id, first, after, paged=True)

    @strawberry.field(description="The asset's links you may see, by category; the others only counted.")
    def links(self, info: strawberry.Info) -> Annotated[AssetLinks, strawberry.lazy("links.graphql")]:
        from links.graphql import links_of_asset

        return links_of_asset(info, self._shape["id"])

    @strawberry.field(description="The values keyed by field code; `codes` keeps only those fields.")
    def custom_fields(self, codes: list[str] | None = None) -> JSON:
        values = self._shape["custom_fields"]
        if codes is None:
            return values
        return {code: value for code, value in values.items() if code in codes}
