"""The read operations of the assets app: me, assetTypes, assetType, assets, asset, devices and
device. Each reads through the querysets REST lists use (permission-filtered in SQL) and pages
with the same keyset cursors."""

from __future__ import annotations

import json

import strawberry

from assets import serializers
from assets.access import grants as access
from assets.core.errors import ValidationFailed
from assets.core.pagination import SortKey, paginate
from assets.services import asset_types, assets, devices

from .context import user_of
from .enums import AssetOrderField, CustomFieldOperator, SortDirection
from .ids import id_argument, lookup_id
from .names import renamed
from .relay import Connection, connection, page_size
from .types import Actor, Asset, AssetType, Device, User, device_node


@strawberry.input
class AssetTypeFilter:
    codes: list[str] | None = None
    ids: list[strawberry.ID] | None = None


@strawberry.input(description="The value a condition compares with: give the member for its kind.")
class CustomFieldValueInput:
    string: str | None = None
    number: float | None = None
    boolean: bool | None = None
    date: str | None = None
    id: strawberry.ID | None = None
    list: list[str] | None = None


@strawberry.input
class CustomFieldCondition:
    code: str
    operator: CustomFieldOperator = CustomFieldOperator.EQ
    value: CustomFieldValueInput | None = None


@strawberry.input(description="Different fields AND; several values of one field OR.")
class AssetFilter:
    type_ids: list[strawberry.ID] | None = None
    title_contains: str | None = None
    device_ids: list[strawberry.ID] | None = None
    group_ids: list[strawberry.ID] | None = None
    custom_fields: list[CustomFieldCondition] | None = None


@strawberry.input(description="Order by `field` or by `customFieldCode`, not both.")
class AssetOrder:
    field: AssetOrderField | None = None
    custom_field_code: str | None = None
    direction: SortDirection = SortDirection.ASC


@strawberry.input
class DeviceFilter:
    identifier: str | None = None
    linked: bool | None = None


# The GraphQL argument behind each REST list parameter, for error entries.
ASSET_LIST_NAMES = {
    "type_id": "filter.typeIds", "title_contains": "filter.titleContains", "device_id": "filter.deviceIds",
    "group_id": "filter.groupIds", "cf_": "filter.customFields", "organization_id": "organizationId",
    "ordering": "orderBy", "cursor": "after", "limit": "first",
}
PAGE_NAMES = {"cursor": "after", "limit": "first"}


def _value_texts(condition: CustomFieldCondition) -> list[str]:
    """The condition's value as the query-string texts of REST's cf_ filters."""
    value = condition.value
    if value is None:
        return ["true"] if condition.operator is CustomFieldOperator.IS_NULL else []
    given = [name for name in ("string", "number", "boolean", "date", "id", "list") if getattr(value, name) is not None]
    if len(given) != 1:
        raise ValidationFailed.field("filter.customFields", f"give exactly one member of the value of '{condition.code}'")
    raw = getattr(value, given[0])
    if given[0] == "boolean":
        return ["true" if raw else "false"]
    if given[0] == "number":
        return [json.dumps(int(raw) if raw.is_integer() and abs(raw) < 2**53 else raw)]
    if given[0] == "list":
        return [str(item) for item in raw]
    return [str(raw)]


def asset_list_params(organization_id: int, filter: AssetFilter | None) -> tuple[dict[str, list[str]], bool]:
    """The filter as REST's list parameters (assets.queries.filter_assets reads either), and
    whether an empty id list makes it match nothing."""
    params: dict[str, list[str]] = {"organization_id": [str(organization_id)]}
    if filter is None:
        return params, False
    matches_nothing = False
    for name, values in (("type_id", filter.type_ids), ("device_id", filter.device_ids),
                         ("group_id", filter.group_ids)):
        if values is not None:
            # Commas would split one value into several ids.
            params[name] = [str(value).replace(",", " ") for value in values]
            matches_nothing |= not values
    if filter.title_contains is not None:
        params["title_contains"] = [filter.title_contains]
    for condition in filter.custom_fields or []:
        if not isinstance(condition.code, str) or "__" in condition.code:
            raise ValidationFailed.field("filter.customFields", f"'{condition.code}' is not a custom field")
        name = f"cf_{condition.code}" + ("" if condition.operator is CustomFieldOperator.EQ else f"__{condition.operator.value}")
        params.setdefault(name, []).extend(_value_texts(condition))
    return params, matches_nothing


def asset_ordering(order: AssetOrder | None) -> str | None:
    if order is None:
        return None
    if order.field is not None and order.custom_field_code is not None:
        raise ValidationFailed.field("orderBy", "give field or customFieldCode, not both")
    name = order.field.value if order.field is not None else (
        f"cf_{order.custom_field_code}" if order.custom_field_code is not None else "title")
    return ("-" if order.direction is SortDirection.DESC else "") + name


@strawberry.type
class Query:
    @strawberry.field(description="The caller.")
    def me(self, info: strawberry.Info) -> Actor:
        user = user_of(info)
        return User(id=strawberry.ID(str(user.pk)), username=user.username, email=user.email,
                    _memberships=lambda: access.memberships(user))

    @strawberry.field(description="SYSTEM types, the organization's own and those it inherits.")
    def asset_types(
        self, info: strawberry.Info, organization_id: strawberry.ID, filter: AssetTypeFilter | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[AssetType]:
        user = user_of(info)
        with renamed(PAGE_NAMES):
            queryset, organization = asset_types.visible_types(user, lookup_id(organization_id, "organization"))
            if filter is not None and filter.codes is not None:
                queryset = queryset.filter(code__in=filter.codes)
            if filter is not None and filter.ids is not None:
                queryset = queryset.filter(pk__in=[id_argument(pk, "filter.ids") for pk in filter.ids])
            page = paginate(asset_types.with_definitions(queryset), [SortKey("order"), SortKey("title")],
                            limit=page_size(first), cursor=after)
        return connection(page, lambda row: AssetType.of(serializers.asset_type_data(row, organization)), queryset)

    @strawberry.field
    def asset_type(self, info: strawberry.Info, id: strawberry.ID,
                   organization_id: strawberry.ID | None = None) -> AssetType | None:
        user = user_of(info)
        asset_type = asset_types.get_type(user, lookup_id(id, "asset type"))
        organization = asset_type.organization
        if organization_id is not None:
            _, organization = asset_types.visible_types(user, lookup_id(organization_id, "organization"))
        return AssetType.of(serializers.asset_type_data(asset_type, organization))

    @strawberry.field
    def asset(self, info: strawberry.Info, id: strawberry.ID) -> Asset | None:
        found = assets.read_asset(user_of(info), lookup_id(id, "asset"))
        return Asset.of(serializers.asset_data(found), info)

    @strawberry.field
    def assets(
        self, info: strawberry.Info, organization_id: strawberry.ID, filter: AssetFilter | None = None,
        order_by: AssetOrder | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[Asset]:
        user = user_of(info)
        with renamed(ASSET_LIST_NAMES):
            params, matches_nothing = asset_list_params(id_argument(organization_id, "organization_id"), filter)
            ordering = asset_ordering(order_by)
            if matches_nothing:
                queryset, keys = assets.asset_list_queryset(user, params, ordering)
                page = paginate(queryset.none(), keys, limit=page_size(first), cursor=after)
                return connection(page, lambda row: Asset.of(serializers.asset_data(row), info), queryset.none())
            page = assets.asset_list_page(user, params, ordering, page_size(first), cursor=after)
        # The queryset is built only for a totalCount (the page may come from a compiled statement).
        return connection(page, lambda row: Asset.of(serializers.asset_data(row), info),
                          counted=lambda: assets.asset_list_queryset(user, params, ordering)[0])

    @strawberry.field
    def devices(
        self, info: strawberry.Info, organization_id: strawberry.ID | None = None,
        filter: DeviceFilter | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[Device]:
        user = user_of(info)
        queryset = devices.with_linked_assets(devices.visible_devices(user), user)
        if organization_id is not None:
            queryset = queryset.filter(organization_id=id_argument(organization_id, "organizationId"))
        if filter is not None and filter.identifier is not None:
            queryset = queryset.filter(identifier=filter.identifier)
        if filter is not None and filter.linked is not None:
            queryset = queryset.filter(is_linked=filter.linked)
        with renamed(PAGE_NAMES):
            page = paginate(queryset, [SortKey("title")], limit=page_size(first), cursor=after)
        return connection(page, lambda row: device_node(info, row), queryset)

    @strawberry.field
    def device(self, info: strawberry.Info, id: strawberry.ID) -> Device | None:
        user = user_of(info)
        found = devices.get_device(user, lookup_id(id, "device"))
        return device_node(info, devices.with_linked_assets(devices.visible_devices(user), user).get(pk=found.pk))
