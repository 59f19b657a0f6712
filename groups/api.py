"""REST endpoints for groups, mounted at /groups by config/api.py. Each endpoint parses, calls a
service and shapes the answer; the rules live in services.py."""

from __future__ import annotations

from ninja import Router, Status

from assets import serializers as asset_serializers
from assets.core.api import ERRORS, only_params, page_body, prebuilt, split_version
from assets.core.pagination import SortKey, paginate
from assets.schemas import AssetPage
from assets.services.assets import asset_page_queryset

from . import services
from .models import AssetGroup
from .queries import GROUP_ORDER, TREE_DEPTH_DEFAULT, attach_paths, filed_in, first_children_rows, subtree
from .schemas import GroupCreate, GroupOut, GroupPage, GroupPatch, GroupTree, MembersIn, MembersOut

router = Router(tags=["groups"])


def group_data(group: AssetGroup) -> dict:
    return {
        "id": group.pk,
        "organization_id": group.organization_id,
        "title": group.title,
        "code": group.code,
        "description": group.description,
        "parent_id": group.parent_id,
        "path": list(getattr(group, "path", [group.title])),
        "level": group.level,
        "children_count": group.children_count,
        "asset_count": group.asset_count,
        "exclusive": group.exclusive,
        "version": group.version,
        "created_at": group.created_at,
    }


def tree_data(group: AssetGroup) -> dict:
    return {**group_data(group), "children": [tree_data(child) for child in group.tree_children]}


def members_data(user, change: services.MembershipChange) -> dict:
    return {
        "group": group_data(services.group_detail(user, change.group.pk)),
        "added_asset_ids": change.added,
        "removed_asset_ids": change.removed,
        "moved_from": change.moved_from,
    }


@router.get("", response={200: GroupPage, **ERRORS})
def list_groups(
    request, organization_id: int | None = None, parent_id: int | None = None, root: bool | None = None,
    limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    """Groups the caller can see, by title. `root=true` lists the top level, `parent_id` one
    level below a group."""
    only_params(request, "organization_id", "parent_id", "root")
    if parent_id is not None and organization_id is None and root is None and not cursor and not count:
        # Expanding a node of the tree: the same page, compiled.
        page = first_children_rows(request.auth, parent_id, limit=limit)
    else:
        queryset = services.list_groups(request.auth, organization_id=organization_id, parent_id=parent_id,
                                        root=root, subtree_counts=False)
        page = paginate(queryset, GROUP_ORDER, limit=limit, cursor=cursor, with_count=count)
    attach_paths(page.items, request.auth)
    # group_data builds the documented shape (tests/groups/test_prebuilt_groups.py holds it to
    # GroupPage); pydantic re-validating a page cost as much as its SQL.
    return prebuilt(page_body(page, group_data))


@router.post("", response={201: GroupOut, **ERRORS})
def create_group(request, payload: GroupCreate):
    group = services.create_group(request.auth, **payload.model_dump())
    return Status(201, group_data(services.group_detail(request.auth, group.pk)))


@router.get("/{group_id}", response={200: GroupOut, **ERRORS})
def get_group(request, group_id: int):
    return group_data(services.group_detail(request.auth, group_id))


@router.patch("/{group_id}", response={200: GroupOut, **ERRORS})
def update_group(request, group_id: int, payload: GroupPatch):
    changes, version = split_version(payload)
    # The service answers with the counts and path read in its own statements.
    return group_data(services.update_group(request.auth, group_id, version=version, **changes))


@router.delete("/{group_id}", response={204: None, **ERRORS})
def delete_group(request, group_id: int, version: int | None = None, cascade: bool = False):
    services.delete_group(request.auth, group_id, version=version, cascade=cascade)
    return Status(204, None)


@router.get("/{group_id}/tree", response={200: GroupTree, **ERRORS})
def group_tree(request, group_id: int, depth: int = TREE_DEPTH_DEFAULT):
    """The group and its subgroups down to `depth` levels (max 50, at most 10,000 groups),
    nested, children by title. `tree_truncated` says when depth or the cap cut the tree."""
    node = services.group_detail(request.auth, group_id)
    node, truncated = subtree(request.auth, node, depth)
    return {**tree_data(node), "tree_truncated": truncated}


@router.get("/{group_id}/assets", response={200: AssetPage, **ERRORS})
def group_assets(
    request, group_id: int, include_descendants: bool = False, limit: int | None = None,
    cursor: str | None = None, count: bool = False,
):
    """Assets filed in the group (with include_descendants, in its subtree) that the caller
    can see, in the asset shape, by title."""
    only_params(request, "include_descendants")
    group = services.get_group(request.auth, group_id)
    queryset = asset_page_queryset(request.auth).filter(
        filed_in([group.pk], include_descendants=include_descendants)
    )
    page = paginate(queryset, [SortKey("title")], limit=limit, cursor=cursor, with_count=count)
    return prebuilt(page_body(page, asset_serializers.asset_json))


@router.post("/{group_id}/assets", response={200: MembersOut, **ERRORS})
def add_assets(request, group_id: int, payload: MembersIn):
    """Adds assets. In an exclusive tree an asset leaves the tree's other group: `moved_from`
    lists {asset_id, group_id} for each such move."""
    change = services.add_members(request.auth, group_id, payload.asset_ids, version=payload.version)
    return members_data(request.auth, change)


@router.put("/{group_id}/assets", response={200: MembersOut, **ERRORS})
def replace_assets(request, group_id: int, payload: MembersIn):
    """Makes exactly these assets the group's members (among those the caller can see)."""
    change = services.replace_members(request.auth, group_id, payload.asset_ids, version=payload.version)
    return members_data(request.auth, change)


@router.delete("/{group_id}/assets/{asset_id}", response={204: None, **ERRORS})
def remove_asset(request, group_id: int, asset_id: int, version: int | None = None):
    services.remove_member(request.auth, group_id, asset_id, version=version)
    return Status(204, None)
