"""Request and response shapes of the assets API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator


class Problem(Schema):
    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict] = []
    trace_id: str = ""


class PageInfo(Schema):
    has_next_page: bool
    end_cursor: str | None


def _integral(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


class Strict(Schema):
    # strict: a boolean is not an integer and 0 is not false, as the OpenAPI document says
    # (JSON carries the types; only datetimes arrive as text and say so with Field(strict=False)).
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        # ninja's own root validator (this name overrides it), after turning integral floats into
        # integers: JSON Schema counts 216.0 as an integer, strict validation wouldn't. Values
        # inside free-form objects (custom fields, properties) stay as sent.
        if isinstance(values, dict):
            values = {key: _integral(value) for key, value in values.items()}
        handler(values)  # extra="forbid" is checked on the plain data
        return handler(DjangoGetter(values, cls, info.context))


class Ref(Schema):
    id: int
    title: str


class TypeRef(Schema):
    id: int
    code: str
    title: str


# Organizations
class OrganizationOut(Schema):
    id: int
    key: str
    title: str
    parent_id: int | None
    level: int
    version: int
    created_at: datetime


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    page_info: PageInfo
    total_count: int | None = None


class OrganizationCreate(Strict):
    key: str
    title: str
    parent_id: int | None = None


class OrganizationPatch(Strict):
    version: int | None = None
    key: str | None = None
    title: str | None = None
    parent_id: int | None = None


# Asset types
class FieldDefinitionOut(Schema):
    code: str
    title: str
    field_type: str
    params: dict[str, Any]
    order: int
    indexed: bool = Field(description="The database keeps an index on the field's sort key (see index_status).")
    index_status: Literal["pending", "ready", "failed"] | None = Field(
        description="Of an indexed field: pending while the background task builds the index, then ready (sorting "
        "and range filters on the field read it) or failed. Null when not indexed.")


_INDEXED = ("Keep a database index for sorting and range filters on this field (numbers, dates, booleans, options "
            "and STRING fields of max_length <= 600); built in the background, see index_status.")


class FieldDefinitionIn(Strict):
    version: int | None = None
    code: str
    title: str | None = None
    field_type: str
    params: dict[str, Any] | None = None
    order: int | None = None
    indexed: bool | None = Field(default=None, description=_INDEXED)


class FieldDefinitionPatch(Strict):
    version: int | None = None
    title: str | None = None
    params: dict[str, Any] | None = None
    order: int | None = None
    indexed: bool | None = Field(default=None, description=_INDEXED)


class AssetTypeOut(Schema):
    id: int
    organization_id: int | None
    code: str
    title: str
    order: int
    description: str
    origin: str
    can_be_deleted: bool
    custom_field_definitions: list[FieldDefinitionOut]
    version: int
    created_at: datetime
    updated_at: datetime


class AssetTypePage(Schema):
    items: list[AssetTypeOut]
    page_info: PageInfo
    total_count: int | None = None


class AssetTypeCreate(Strict):
    organization_id: int | None
    code: str
    title: str
    order: int | None = None
    description: str = ""
    custom_field_definitions: list[dict[str, Any]] = []


class AssetTypePatch(Strict):
    version: int | None = None
    code: str | None = None
    title: str | None = None
    order: int | None = None
    description: str | None = None


# Devices
class DeviceOut(Schema):
    id: int
    organization_id: int
    title: str
    identifier: str
    asset: Ref | None
    linked: bool
    version: int
    created_at: datetime


class DevicePage(Schema):
    items: list[DeviceOut]
    page_info: PageInfo
    total_count: int | None = None


class DeviceCreate(Strict):
    organization_id: int
    title: str
    identifier: str


class DevicePatch(Strict):
    version: int | None = None
    title: str | None = None
    identifier: str | None = None


# Assets
class DeviceRef(Schema):
    id: int
    title: str
    identifier: str
    field_code: str
    is_primary: bool


class RenditionOut(Schema):
    status: Literal["pending", "ready", "failed"]
    url: str | None = None


class AssetFileOut(Schema):
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    orientation: str | None = None
    metadata: dict[str, Any] = {}
    url: str | None = None
    thumbnail_url: str | None = None
    preview_url: str | None = None
    remote_url: str | None = None
    # Images: rendered by the worker after the upload (null for other files and remote ones).
    thumbnail: RenditionOut | None = None
    preview: RenditionOut | None = None


class AssetOut(Schema):
    id: int
    organization_id: int
    key: str
    title: str
    type: TypeRef
    custom_fields: dict[str, Any]
    primary_device: Ref | None
    devices: list[DeviceRef]
    groups: list[Ref]
    file: AssetFileOut | None
    version: int
    created_at: datetime
    updated_at: datetime


class AssetPage(Schema):
    items: list[AssetOut]
    page_info: PageInfo
    total_count: int | None = None


class AssetCreate(Strict):
    organization_id: int
    type_id: int
    key: str | None = None
    title: str
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    remote_url: str | None = None


class AssetPatch(Strict):
    version: int | None = None
    key: str | None = None
    title: str | None = None
    custom_fields: dict[str, Any] | None = None
    remote_url: str | None = None


class AssetBulkPatch(AssetPatch):
    id: int


class AssetBulkDelete(Strict):
    id: int
    version: int | None = None


# Bulk bodies: a list (at most MAX_BULK_ITEMS) where the single body is an object. The
# discriminator picks the branch by the JSON's shape, so that a bad single body reports only its
# own errors and a bad list item its index ("list" in the error's location).
MAX_BULK_ITEMS = 1000


def _one_or_list(value) -> str:
    return "list" if isinstance(value, list) else "single"


def one_or_many(model):
    return Annotated[
        Annotated[model, Tag("single")]
        | Annotated[list[model], Field(max_length=MAX_BULK_ITEMS), Tag("list")],
        Discriminator(_one_or_list),
    ]


AssetCreateBody = one_or_many(AssetCreate)
BulkPatchBody = Annotated[list[AssetBulkPatch], Field(min_length=1, max_length=MAX_BULK_ITEMS)]
BulkDeleteBody = Annotated[list[AssetBulkDelete], Field(min_length=1, max_length=MAX_BULK_ITEMS)]


class AssetRevert(Strict):
    change_id: int
    version: int | None = None


class SearchHit(Schema):
    kind: str
    id: int
    title: str
    subtitle: str
    url: str


class SearchPage(Schema):
    items: list[SearchHit]
    page_info: PageInfo
    total_count: int | None = None


class RestoreNote(Schema):
    field: str
    message: str


class RestoredAssetOut(AssetOut):
    restore_report: list[RestoreNote]


# Access
class TokenCreate(Strict):
    username: str
    password: str
    expires_at: datetime | None = Field(default=None, strict=False)
    name: str = ""
    read_only: bool = False
    organization_ids: list[int] | None = None
    allowed_ips: list[str] | None = None


class TokenOut(Schema):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    read_only: bool
    organization_ids: list[int]
    allowed_ips: list[str]


class TokenCreated(TokenOut):
    token: str


class TokenPage(Schema):
    items: list[TokenOut]
    page_info: PageInfo
    total_count: int | None = None


class UserOut(Schema):
    id: int
    username: str
    email: str
    is_superuser: bool
    is_active: bool


class UserPage(Schema):
    items: list[UserOut]
    page_info: PageInfo
    total_count: int | None = None


class UserCreate(Strict):
    username: str
    password: str
    email: str | None = ""
    is_superuser: bool = False


class Membership(Schema):
    organization: dict[str, Any]
    permissions: list[str]


class MeToken(Schema):
    """The token this request came with: what it narrows the user to."""

    id: int
    read_only: bool
    organization_ids: list[int]


class MeOut(Schema):
    # `user.is_superuser` is the account's status; an organization-scoped token still acts only
    # within `token.organization_ids`, and `memberships` are what this request may use.
    user: UserOut
    memberships: list[Membership]
    token: MeToken | None = None


class TeamOut(Schema):
    id: int
    name: str
    member_ids: list[int]


class TeamPage(Schema):
    items: list[TeamOut]
    page_info: PageInfo
    total_count: int | None = None


class TeamCreate(Strict):
    name: str


class TeamMembers(Strict):
    user_ids: list[int]


class GrantIn(Strict):
    permission: str
    object_type: str
    object_id: int
    user_id: int | None = None
    team_id: int | None = None


class GrantOut(Schema):
    permission: str
    object_type: str
    object_id: int
    user_id: int | None
    team_id: int | None


class GrantPage(Schema):
    items: list[GrantOut]
    page_info: PageInfo


class ChangeOut(Schema):
    id: int
    time: datetime
    user_id: int | None
    user: str
    action: str
    object_type: str
    object_id: int
    object_repr: str
    organization_id: int | None
    before: Any
    after: Any
    request_id: str


class ChangePage(Schema):
    items: list[ChangeOut]
    page_info: PageInfo
    total_count: int | None = None


class Health(Schema):
    status: str
    database: str


class SavedViewIn(Strict):
    name: str
    query: dict[str, str | int | list[str | int]] = {}
    columns: list[str] | None = None
    organization_id: int | None = None


class SavedViewOut(Schema):
    id: int
    name: str
    query: dict[str, list[str]]
    columns: list[str] | None
    organization_id: int | None
    mine: bool


class ColumnChoiceIn(Strict):
    columns: list[str]
