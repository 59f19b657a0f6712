"""Request and response shapes of the links API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, StrictInt

from assets.schemas import PageInfo, Strict


# Link types
class LinkTypeOut(Schema):
    id: int
    organization_id: int | None
    code: str
    name: str
    kind: str
    source_label: str
    target_label: str
    description: str
    allow_alias: bool
    source_type_codes: list[str]
    target_type_codes: list[str]
    origin: str = Field(description="SYSTEM, ORGANIZATION or PARENT_ORGANIZATION relative to the organization asked about")
    can_be_deleted: bool
    version: int
    created_at: datetime
    updated_at: datetime


class LinkTypePage(Schema):
    items: list[LinkTypeOut]
    page_info: PageInfo
    total_count: int | None = None


class LinkTypeCreate(Strict):
    organization_id: int
    code: str
    name: str
    kind: str = Field(description="hierarchical, peer or directed")
    source_label: str = ""
    target_label: str = ""
    description: str = ""
    allow_alias: bool = False
    source_type_codes: list[str] = []
    target_type_codes: list[str] = []


class LinkTypePatch(Strict):
    version: int | None = None
    code: str | None = None
    kind: str | None = None
    name: str | None = None
    source_label: str | None = None
    target_label: str | None = None
    description: str | None = None
    allow_alias: bool | None = None
    source_type_codes: list[str] | None = None
    target_type_codes: list[str] | None = None


# Links
class LinkTypeRef(Schema):
    id: int
    code: str
    name: str
    kind: str
    source_label: str
    target_label: str


class AssetRef(Schema):
    id: int
    key: str
    title: str
    organization_id: int


class LinkOut(Schema):
    id: int
    link_type: LinkTypeRef
    source: AssetRef
    target: AssetRef
    alias: str | None
    tags: list[str]
    properties: dict[str, Any]
    sequence: int
    description: str
    version: int
    created_at: datetime
    updated_at: datetime


class LinkPage(Schema):
    items: list[LinkOut]
    page_info: PageInfo
    total_count: int | None = None


class LinkCreate(Strict):
    link_type: int | str = Field(description="Link type id or code")
    source_id: int
    target_id: int
    alias: str | None = None
    tags: list[str] | None = None
    properties: dict[str, Any] | None = None
    # Strict: pydantic would read true/false as 1/0, which the service refuses as a sequence.
    sequence: StrictInt | None = None
    description: str | None = None


class LinkPatch(Strict):
    version: int | None = None
    alias: str | None = Field(None, description='"" or null removes the alias')
    tags: list[str] | None = None
    properties: dict[str, Any] | None = None
    # Strict: pydantic would read true/false as 1/0, which the service refuses as a sequence.
    sequence: StrictInt | None = None
    description: str | None = None


class OutgoingLinkIn(Strict):
    link_type: int | str
    target_id: int
    alias: str | None = None
    tags: list[str] | None = None
    properties: dict[str, Any] | None = None
    # Strict: pydantic would read true/false as 1/0, which the service refuses as a sequence.
    sequence: StrictInt | None = None
    description: str | None = None


class OutgoingLinksIn(Strict):
    links: list[OutgoingLinkIn]


class OutgoingLinksOut(Schema):
    links: list[LinkOut]


# An asset's links
class LinkedAssetItem(Schema):
    asset_id: int
    asset_key: str
    asset_title: str
    organization_id: int
    link_id: int
    link_type: str
    link_type_id: int
    label: str = Field(description="The far asset's role, from the link type (e.g. Parent, Child, Attachment)")
    direction: str = Field(description="outgoing when the asset is the link's source, incoming otherwise")
    alias: str | None
    tags: list[str]
    sequence: int
    children: list[LinkedAssetItem] | None = Field(None, description="Only with tree=true")


class UnauthorizedCounts(Schema):
    parents: int
    children: int
    related: int
    other: int


class AssetLinksOut(Schema):
    parents: list[LinkedAssetItem]
    children: list[LinkedAssetItem]
    related: list[LinkedAssetItem]
    other: list[LinkedAssetItem]
    unauthorized_counts: UnauthorizedCounts
    tree_truncated: bool | None = Field(None, description="Only with tree=true: depth or the node cap cut the tree")
