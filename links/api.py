"""REST endpoints for link types, links and an asset's links. Each endpoint parses, calls a
service or query and shapes the answer; the rules live in services.py."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Router, Status

from assets.core.api import ERRORS, id_filter, only_params, page_body, split_version
from assets.core.pagination import SortKey, paginate

from . import queries, serializers, services
from .schemas import (
    AssetLinksOut,
    LinkCreate,
    LinkOut,
    LinkPage,
    LinkPatch,
    LinkTypeCreate,
    LinkTypeOut,
    LinkTypePage,
    LinkTypePatch,
    OutgoingLinksIn,
    OutgoingLinksOut,
)

# --- link types ---------------------------------------------------------------------------------
link_types_router = Router(tags=["link types"])


@link_types_router.get("", response={200: LinkTypePage, **ERRORS})
def list_link_types(request, organization_id: int | None = None, code: str | None = None, kind: str | None = None,
                    limit: int | None = None, cursor: str | None = None, count: bool = False):
    """System link types, and those of the organization (with inherited ones) or of every
    organization you can see."""
    only_params(request, "organization_id", "code", "kind")
    queryset, organization = services.visible_link_types(request.auth, organization_id)
    if code:
        queryset = queryset.filter(code=code)
    if kind:
        queryset = queryset.filter(kind=kind)
    queryset = services.with_usage(queryset)
    page = paginate(queryset, [SortKey("name")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, lambda link_type: serializers.link_type_data(link_type, organization))


@link_types_router.post("", response={201: LinkTypeOut, **ERRORS})
def create_link_type(request, payload: LinkTypeCreate):
    link_type = services.create_link_type(request.auth, **payload.model_dump())
    return Status(201, serializers.link_type_data(link_type, link_type.organization))


@link_types_router.get("/{link_type_id}", response={200: LinkTypeOut, **ERRORS})
def get_link_type(request, link_type_id: int):
    link_type = services.get_link_type(request.auth, link_type_id)
    return serializers.link_type_data(link_type, link_type.organization)


@link_types_router.patch("/{link_type_id}", response={200: LinkTypeOut, **ERRORS})
def update_link_type(request, link_type_id: int, payload: LinkTypePatch):
    changes, version = split_version(payload)
    link_type = services.update_link_type(request.auth, link_type_id, version=version, **changes)
    return serializers.link_type_data(link_type, link_type.organization)


@link_types_router.delete("/{link_type_id}", response={204: None, **ERRORS})
def delete_link_type(request, link_type_id: int, version: int | None = None):
    services.delete_link_type(request.auth, link_type_id, version=version)
    return Status(204, None)


# --- links --------------------------------------------------------------------------------------
links_router = Router(tags=["links"])


@links_router.get("", response={200: LinkPage, **ERRORS})
def list_links(request, source_id: int | None = None, target_id: int | None = None, asset_id: int | None = None,
               link_type: str | None = None, tag: str | None = None,
               limit: int | None = None, cursor: str | None = None, count: bool = False):
    """Links whose two endpoints you can see. `link_type` takes an id or a code."""
    only_params(request, "source_id", "target_id", "asset_id", "link_type", "tag")
    queryset = queries.filter_links(
        services.link_queryset(services.visible_links(request.auth)),
        source_id=id_filter(source_id, "source_id"), target_id=id_filter(target_id, "target_id"),
        asset_id=id_filter(asset_id, "asset_id"), link_type=link_type, tag=tag,
    )
    page = paginate(queryset, [], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.link_data)


@links_router.post("", response={201: LinkOut, **ERRORS})
def create_link(request, payload: LinkCreate):
    link = services.create_link(request.auth, **payload.model_dump(exclude_unset=True))
    return Status(201, serializers.link_data(link))


@links_router.get("/{link_id}", response={200: LinkOut, **ERRORS})
def get_link(request, link_id: int):
    return serializers.link_data(services.get_link(request.auth, link_id))


@links_router.patch("/{link_id}", response={200: LinkOut, **ERRORS})
def update_link(request, link_id: int, payload: LinkPatch):
    changes, version = split_version(payload)
    return serializers.link_data(services.update_link(request.auth, link_id, version=version, **changes))


@links_router.delete("/{link_id}", response={204: None, **ERRORS})
def delete_link(request, link_id: int, version: int | None = None):
    services.delete_link(request.auth, link_id, version=version)
    return Status(204, None)


# --- an asset's links (mounted on /assets next to the assets router) ----------------------------
asset_links_router = Router(tags=["links"])


@asset_links_router.get("/{asset_id}/links", response={200: AssetLinksOut, **ERRORS})
def get_asset_links(request, asset_id: int, tree: bool = False, depth: int | None = None):
    """Parents, children (nested with tree=true, down to `depth` levels: default 10, max 50),
    related and other links of the asset, and per category the number of linked assets you may
    not see. `tree_truncated` says when depth or the node cap (10,000) cut the tree."""
    only_params(request, "tree", "depth")
    body = queries.asset_links(request.auth, asset_id, tree=tree, depth=depth).as_dict()
    # Rendered as built: the tree may hold 10,000 entries, and re-validating them against the
    # schema would cost more than the whole query.
    return JsonResponse(body)


@asset_links_router.put("/{asset_id}/links", response={200: OutgoingLinksOut, **ERRORS})
def replace_asset_links(request, asset_id: int, payload: OutgoingLinksIn):
    """Replaces ALL outgoing links of the asset at once (an empty list removes them all) and
    returns the resulting list. Nothing changes when any entry is invalid."""
    entries = [entry.model_dump(exclude_unset=True) for entry in payload.links]
    links = services.replace_outgoing_links(request.auth, asset_id, entries)
    return {"links": [serializers.link_data(link) for link in links]}


def register(api) -> None:
    api.add_router("/link-types", link_types_router)
    api.add_router("/links", links_router)
    api.add_router("/assets", asset_links_router)
