"""Request and response shapes of the groups API."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from assets.schemas import PageInfo, Strict


class GroupOut(Schema):
    id: int
    organization_id: int
    title: str
    code: str | None
    description: str
    parent_id: int | None
    path: list[str]
    level: int
    children_count: int
    asset_count: int
    exclusive: bool
    version: int
    created_at: datetime


class GroupPage(Schema):
    items: list[GroupOut]
    page_info: PageInfo
    total_count: int | None = None


class GroupTreeNode(GroupOut):
    children: list[GroupTreeNode]


class GroupTree(GroupTreeNode):
    tree_truncated: bool


class GroupCreate(Strict):
    organization_id: int
    title: str
    code: str | None = None
    parent_id: int | None = None
    exclusive: bool | None = None
    description: str | None = None
    asset_ids: list[int] | None = None


class GroupPatch(Strict):
    version: int | None = None
    title: str | None = None
    code: str | None = None
    description: str | None = None
    parent_id: int | None = None
    exclusive: bool | None = None


class MembersIn(Strict):
    asset_ids: list[int]
    version: int | None = None


class MovedFrom(Schema):
    asset_id: int
    group_id: int


class MembersOut(Schema):
    group: GroupOut
    added_asset_ids: list[int]
    removed_asset_ids: list[int]
    moved_from: list[MovedFrom]


GroupTreeNode.model_rebuild()
GroupTree.model_rebuild()
