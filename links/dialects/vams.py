"""AWS VAMS asset links (seed 001) under /compat/vams/: databaseId is the organization key,
assetId the asset key, assetLinkId the link's id as a string; `parentChild` is the system type
parent_child, `related` the system type related, assetLinkAliasId the alias.

Errors are VAMS' `{"message": ...}`: 400 for validation errors, duplicates, cycles and unknown
assets (VAMS has no 409), 403 without change permission on both assets, 404 for an unknown
link. Every rule is the links services'."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Schema

from assets.core.errors import DomainError, NotFound, ValidationFailed
from assets.core.inputs import id_from_text
from assets.dialects.ids import asset_id_by_key, organization_keys
from assets.schemas import Strict
from config.dialects import dialect_api
from links import queries, services
from links.models import Link

RELATIONSHIP_TYPES = {"parentChild": "parent_child", "related": "related"}
VAMS_NAMES = {code: name for name, code in RELATIONSHIP_TYPES.items()}


def render(request, status: int, message: str, exc=None) -> JsonResponse:
    # VAMS answers 400 where we say 409 (duplicate, cycle, stale alias).
    return JsonResponse({"message": message}, status=400 if status == 409 else status)


api = dialect_api("vams", "AWS VAMS asset links (compatibility)", render)


class AssetLinkIn(Strict):
    fromAssetId: str
    fromAssetDatabaseId: str
    toAssetId: str
    toAssetDatabaseId: str
    relationshipType: str
    assetLinkAliasId: str | None = None
    tags: list[str] | None = None


class AssetLinkUpdate(Strict):
    tags: list[str]
    assetLinkAliasId: str | None = None


class Message(Schema):
    message: str


def _asset_id(database_id: str, asset_id: str, status: int = 400) -> int:
    found = asset_id_by_key(database_id, asset_id)
    if found is None:
        raise _asset_not_found(database_id, asset_id, status)
    return found


def _asset_not_found(database_id: str, asset_id: str, status: int) -> DomainError:
    error = NotFound if status == 404 else ValidationFailed
    return error(f"Asset {asset_id} not found in database {database_id}")


def _link_id(text: str) -> int:
    link_id = id_from_text(text)
    if link_id is None:
        raise NotFound("Asset link not found")
    return link_id


def _link(request, asset_link_id: str, action: str = "view") -> Link:
    try:
        return services.get_link(request.auth, _link_id(asset_link_id), action)
    except NotFound:
        raise NotFound("Asset link not found")


@api.post("/asset-links", response={200: dict, 400: Message, 401: Message, 403: Message})
def create_asset_link(request, payload: AssetLinkIn):
    if payload.relationshipType not in RELATIONSHIP_TYPES:
        raise ValidationFailed("relationshipType must be parentChild or related")
    ends = [(payload.fromAssetDatabaseId, payload.fromAssetId), (payload.toAssetDatabaseId, payload.toAssetId)]
    source_id, target_id = (_asset_id(*end) for end in ends)
    values = {"tags": payload.tags or []}
    if payload.assetLinkAliasId is not None:
        values["alias"] = payload.assetLinkAliasId
    try:
        link = services.create_link(
            request.auth, link_type=RELATIONSHIP_TYPES[payload.relationshipType],
            source_id=source_id, target_id=target_id, **values,
        )
    except NotFound as exc:
        # The service names the asset by id; the client knows it by key (and a hidden asset is
        # reported exactly like a missing one).
        end = ends[0] if (exc.entity_type, exc.entity_id) == ("asset", source_id) else ends[1]
        raise _asset_not_found(*end, 400)
    return {"message": "Asset link created successfully", "assetLinkId": str(link.pk)}


def _entry(item: dict, keys: dict[int, str], *, tree: bool) -> dict:
    entry = {
        "assetId": item["asset_key"],
        "assetName": item["asset_title"],
        "databaseId": keys[item["organization_id"]],
        "assetLinkId": str(item["link_id"]),
        "assetLinkAliasId": item["alias"],
    }
    if tree:
        entry["children"] = [_entry(child, keys, tree=True) for child in item.get("children", ())]
    return entry


def _organizations(items: list[dict], found: set[int]) -> set[int]:
    for item in items:
        found.add(item["organization_id"])
        _organizations(item.get("children", ()), found)
    return found


@api.get("/database/{databaseId}/assets/{assetId}/asset-links", response={200: dict, 401: Message, 404: Message})
def get_asset_links(request, databaseId: str, assetId: str, childTreeView: bool = False):
    asset_id = _asset_id(databaseId, assetId, status=404)
    try:
        links = queries.asset_links(request.auth, asset_id, tree=childTreeView)
    except NotFound:
        raise _asset_not_found(databaseId, assetId, 404)
    categories = ("related", "parents", "children")
    keys = organization_keys(_organizations([i for name in categories for i in getattr(links, name)], set()))
    body = {
        name: [_entry(item, keys, tree=childTreeView and name == "children") for item in getattr(links, name)]
        for name in categories
    }
    body["unauthorizedCounts"] = {name: links.unauthorized_counts[name] for name in categories}
    return body


@api.get("/asset-links/single/{assetLinkId}", response={200: dict, 401: Message, 404: Message})
def get_asset_link(request, assetLinkId: str):
    link = _link(request, assetLinkId)
    keys = organization_keys([link.source.organization_id, link.target.organization_id])
    return {"assetLink": {
        "assetLinkId": str(link.pk),
        "fromAssetId": link.source.key,
        "fromAssetDatabaseId": keys[link.source.organization_id],
        "toAssetId": link.target.key,
        "toAssetDatabaseId": keys[link.target.organization_id],
        "relationshipType": VAMS_NAMES.get(link.link_type.code, link.link_type.code),
        "assetLinkAliasId": link.alias,
        "tags": link.tags,
    }}


@api.put("/asset-links/{assetLinkId}", response={200: Message, 400: Message, 401: Message, 403: Message, 404: Message})
def update_asset_link(request, assetLinkId: str, payload: AssetLinkUpdate):
    changes = {"tags": payload.tags}
    if payload.assetLinkAliasId is not None:
        changes["alias"] = payload.assetLinkAliasId
    try:
        services.update_link(request.auth, _link_id(assetLinkId), **changes)
    except NotFound:
        raise NotFound("Asset link not found")
    return {"message": "Asset link updated successfully"}


@api.delete("/asset-links/{assetLinkId}", response={200: Message, 401: Message, 403: Message, 404: Message})
def delete_asset_link(request, assetLinkId: str):
    try:
        services.delete_link(request.auth, _link_id(assetLinkId))
    except NotFound:
        raise NotFound("Asset link not found")
    return {"message": "Asset link deleted successfully"}
