"""Laserfiche entry links (seed 002) under /compat/laserfiche/repository/v1/: repoId is the
organization key, entries are the organization's assets (entry id = asset id), and a link type
is a Laserfiche link definition.

linkTypeId is the link type's id with one swap: Laserfiche's built-in Message/Attachment
definition is always 1, so the system type `attachment` answers to 1 and the type whose id is 1
answers to attachment's id. The mapping is a bijection and never changes.

PUT replaces the entry's outgoing links through links.services.replace_outgoing_links: every
entry is validated before anything is written, so one bad entry changes nothing. Errors are
Laserfiche's problem details {type, title, status, instance, operationId, errorSource,
errorCode, traceId}."""

from __future__ import annotations

import re

from django.http import JsonResponse
from django.urls import reverse
from ninja import Schema
from pydantic import Field

from assets.core.changelog import request_id_var
from assets.core.errors import NotFound, ValidationFailed
from assets.core.inputs import is_id
from assets.dialects.ids import organization_by_key
from assets.models import Asset
from assets.schemas import Strict
from assets.services.assets import get_asset
from config.api import StrictJSONParser
from config.dialects import dialect_api
from links import services
from links.models import Link, LinkType

MESSAGE_ATTACHMENT = 1
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Access denied", 404: "Not Found", 409: "Conflict"}
# A string token, or a comma followed only by blanks and a closing bracket.
TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[\]}])')


class LaserficheParser(StrictJSONParser):
    """Laserfiche (ASP.NET with Json.NET) accepts a trailing comma, and the seed's own PUT body
    has one; everything else is the REST API's strict JSON."""

    def loads(self, body: bytes):
        text = body.decode("utf-8")
        return super().loads(TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text).encode())


def render(request, status: int, message: str, exc=None) -> JsonResponse:
    trace_id = getattr(request, "request_id", "") or request_id_var.get()
    return JsonResponse({
        "type": None,
        "title": message,
        "status": status,
        "instance": request.path,
        "operationId": trace_id,
        "errorSource": "Api",
        "errorCode": 0,
        "traceId": trace_id,
    }, status=status)


api = dialect_api("laserfiche", "Laserfiche repository links (compatibility)", render, parser=LaserficheParser())


class LinkIn(Strict):
    targetId: int
    linkTypeId: int
    description: str | None = None
    customProperties: dict | None = Field(default=None, description="Stored as the link's properties.")


class Problem(Schema):
    title: str
    status: int


ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


def _attachment_id() -> int:
    return LinkType.objects.filter(organization__isnull=True, code="attachment").values_list("pk", flat=True).get()


def to_laserfiche(link_type_id: int, attachment_id: int) -> int:
    if link_type_id == attachment_id:
        return MESSAGE_ATTACHMENT
    return attachment_id if link_type_id == MESSAGE_ATTACHMENT else link_type_id


def from_laserfiche(link_type_id: int, attachment_id: int) -> int:
    # The swap is its own inverse.
    return to_laserfiche(link_type_id, attachment_id)


def _entry(request, repo_id: str, entry_id: int, action: str = "view") -> Asset:
    """The asset behind an entry of the repository; an asset of another organization is an
    unknown entry, the same answer as a hidden or missing one."""
    try:
        asset = get_asset(request.auth, entry_id, action, queryset=Asset.objects.select_related("organization", "type"))
    except NotFound:
        raise NotFound(f"Entry {entry_id} not found.")
    if asset.organization.key != repo_id:
        raise NotFound(f"Entry {entry_id} not found.")
    return asset


def full_path(asset: Asset) -> str:
    # Assets have no folders: every entry sits in the repository's root folder.
    return "\\" + asset.title


def entry_url(request, repo_id: str, entry_id: int) -> str:
    return request.build_absolute_uri(reverse("laserfiche:get_entry", args=[repo_id, entry_id]))


def link_value(request, repo_id: str, link: Link, attachment_id: int) -> dict:
    return {
        "linkId": link.pk,
        "sourceId": link.source_id,
        "sourceFullPath": full_path(link.source),
        "sourceLabel": link.link_type.source_label,
        "targetId": link.target_id,
        "targetFullPath": full_path(link.target),
        "targetLabel": link.link_type.target_label,
        "description": link.description,
        "linkTypeDescription": link.link_type.name,
        "linkTypeId": to_laserfiche(link.link_type_id, attachment_id),
        "sourceLink": entry_url(request, repo_id, link.source_id),
        "targetLink": entry_url(request, repo_id, link.target_id),
        "linkProperties": link.properties or None,
    }


def _links_body(request, repoId: str, links: list[Link]) -> dict:
    attachment_id = _attachment_id()
    return {"value": [link_value(request, repoId, link, attachment_id) for link in links]}


@api.get("/Repositories/{repoId}/Entries/{entryId}", response={200: dict, **ERRORS}, url_name="get_entry")
def get_entry(request, repoId: str, entryId: int):
    asset = _entry(request, repoId, entryId)
    return {
        "id": asset.pk,
        "name": asset.title,
        "parentId": None,
        "fullPath": full_path(asset),
        "folderPath": "\\",
        "creationTime": asset.created_at.isoformat(),
        "lastModifiedTime": asset.updated_at.isoformat(),
        "entryType": "Document",
        "isContainer": False,
        "isLeaf": True,
        "templateName": asset.type.title,
    }


@api.get("/Repositories/{repoId}/Entries/{entryId}/links", response={200: dict, **ERRORS})
def get_links(request, repoId: str, entryId: int):
    asset = _entry(request, repoId, entryId)
    return _links_body(request, repoId, services.outgoing_links(request.auth, asset))


@api.put("/Repositories/{repoId}/Entries/{entryId}/links", response={200: dict, **ERRORS})
def assign_links(request, repoId: str, entryId: int, payload: list[LinkIn]):
    asset = _entry(request, repoId, entryId)
    # Ids beyond 64 bits name nothing (and SQLite can't bind them); the service reports them.
    targets = {entry.targetId for entry in payload if is_id(entry.targetId)}
    outside = (
        Asset.objects.filter(pk__in=targets).exclude(organization_id=asset.organization_id).values_list("pk", flat=True)
    )
    foreign = sorted(outside)
    if foreign:
        raise NotFound(f"Entry {foreign[0]} not found.")
    attachment_id = _attachment_id()
    entries = []
    for i, entry in enumerate(payload):
        if entry.linkTypeId < 1:
            raise ValidationFailed(f"[{i}].linkTypeId: link definition {entry.linkTypeId} does not exist")
        values = {"target_id": entry.targetId, "link_type": from_laserfiche(entry.linkTypeId, attachment_id)}
        if entry.description is not None:
            values["description"] = entry.description
        if entry.customProperties is not None:
            values["properties"] = entry.customProperties
        entries.append(values)
    try:
        links = services.replace_outgoing_links(request.auth, asset.pk, entries)
    except NotFound as exc:
        raise NotFound(f"Entry {exc.entity_id} does not exist." if exc.entity_type == "asset" else f"{exc.detail}.")
    return _links_body(request, repoId, links)


@api.get("/Repositories/{repoId}/LinkDefinitions", response={200: dict, **ERRORS})
def link_definitions(request, repoId: str):
    organization = organization_by_key(request.auth, repoId, f"Repository {repoId} not found.")
    attachment_id = _attachment_id()
    definitions = [
        {
            "linkTypeId": to_laserfiche(link_type.pk, attachment_id),
            "sourceLabel": link_type.source_label,
            "targetLabel": link_type.target_label,
            "linkTypeDescription": link_type.name,
        }
        for link_type in LinkType.objects.available_to(organization)
    ]
    return {"value": sorted(definitions, key=lambda d: d["linkTypeId"])}
