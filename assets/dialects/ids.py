"""The vendors' ids of assets: an organization key with an asset key (VAMS' databaseId/assetId,
Quable's instance/id). Looked up without a permission check; the services called with the id
decide, and the dialects answer a hidden asset exactly like a missing one."""

from __future__ import annotations

from assets.core.errors import NotFound
from assets.core.inputs import require_user
from assets.models import Asset, Organization
from assets.services.organizations import visible_organizations


def asset_id_by_key(organization_key, asset_key) -> int | None:
    if not isinstance(organization_key, str) or not isinstance(asset_key, str):
        return None
    return Asset.objects.filter(organization__key=organization_key, key=asset_key).values_list("pk", flat=True).first()


def organization_keys(organization_ids) -> dict[int, str]:
    return dict(Organization.objects.filter(pk__in=set(organization_ids)).values_list("pk", "key"))


def organization_by_key(user, key: str, missing: str) -> Organization:
    """A visible organization by key (VAMS' database, Laserfiche's repository, Quable's
    instance); `missing` is the dialect's message for one that is missing or hidden."""
    require_user(user)
    organization = visible_organizations(user).filter(key=key).first()
    if organization is None:
        raise NotFound(missing)
    return organization
