"""Organizations (the dealer hierarchy)."""

from __future__ import annotations

from ninja import Router, Status

from assets import serializers
from assets.core.api import ERRORS, id_filter, only_params, page_body, split_version
from assets.core.pagination import SortKey, paginate
from assets.schemas import OrganizationCreate, OrganizationOut, OrganizationPage, OrganizationPatch
from assets.services import organizations

organizations_router = Router(tags=["organizations"])


@organizations_router.get("", response={200: OrganizationPage, **ERRORS}, exclude_unset=True)
def list_organizations(
    request, parent_id: int | None = None, root: bool | None = None, key: str | None = None,
    limit: int | None = None, cursor: str | None = None, count: bool = False,
):
    only_params(request, "parent_id", "root", "key")
    queryset = organizations.visible_organizations(request.auth)
    if parent_id is not None:
        queryset = queryset.filter(parent_id=id_filter(parent_id, "parent_id"))
    if root is not None:
        queryset = queryset.filter(parent__isnull=root)
    if key:
        queryset = queryset.filter(key=key)
    page = paginate(queryset, [SortKey("title")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.organization_data)


@organizations_router.post("", response={201: OrganizationOut, **ERRORS})
def create_organization(request, payload: OrganizationCreate):
    return Status(201, serializers.organization_data(organizations.create_organization(request.auth, **payload.model_dump())))


@organizations_router.get("/{organization_id}", response={200: OrganizationOut, **ERRORS})
def get_organization(request, organization_id: int):
    return serializers.organization_data(organizations.get_organization(request.auth, organization_id))


@organizations_router.patch("/{organization_id}", response={200: OrganizationOut, **ERRORS})
def update_organization(request, organization_id: int, payload: OrganizationPatch):
    changes_, version = split_version(payload)
    organization = organizations.update_organization(request.auth, organization_id, version=version, **changes_)
    return serializers.organization_data(organization)


@organizations_router.delete("/{organization_id}", response={204: None, **ERRORS})
def delete_organization(request, organization_id: int, version: int | None = None):
    organizations.delete_organization(request.auth, organization_id, version=version)
    return Status(204, None)
