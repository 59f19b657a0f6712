"""Factories for test data. They write through the ORM directly (fast, no permission checks);
tests of rules go through the API or the services."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm

from assets.access.permissions import forget
from assets.field_types import validate_params
from assets.models import Asset, AssetType, CustomFieldDefinition, Device, Organization

_seq = itertools.count(1)
PASSWORD = "test-pass-123"


def make_user(username: str | None = None, *, superuser: bool = False, password: str = PASSWORD):
    User = get_user_model()
    username = username or f"user{next(_seq)}"
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.com", password)
    return User.objects.create_user(username, f"{username}@example.com", password)


def make_org(key: str | None = None, *, title: str | None = None, parent: Organization | None = None) -> Organization:
    key = key or f"org{next(_seq)}"
    return Organization.objects.create(key=key, title=title or key.title(), parent=parent)


def make_type(organization: Organization | None, code: str | None = None, fields: list[dict] | None = None,
              title: str | None = None) -> AssetType:
    code = code or f"type{next(_seq)}"
    asset_type = AssetType.objects.create(organization=organization, code=code, title=title or code.title())
    for order, spec in enumerate(fields or [], start=1):
        CustomFieldDefinition.objects.create(
            asset_type=asset_type, code=spec["code"], title=spec.get("title", spec["code"]),
            field_type=spec["field_type"], params=validate_params(spec["field_type"], spec.get("params")),
            order=order * 10,
        )
    return asset_type


def make_asset(organization: Organization, asset_type: AssetType, title: str | None = None, *,
               key: str | None = None, custom_fields: dict | None = None) -> Asset:
    n = next(_seq)
    return Asset.objects.create(
        organization=organization, type=asset_type, title=title or f"Asset {n}", key=key or f"asset-{n}",
        custom_fields=custom_fields or {},
    )


def make_device(organization: Organization, title: str | None = None, identifier: str | None = None) -> Device:
    n = next(_seq)
    return Device.objects.create(organization=organization, title=title or f"Device {n}", identifier=identifier or f"IMEI-{n}")


def grant(holder, perm: str, obj=None) -> None:
    """assign_perm that also drops the holder's cached permission snapshot."""
    if "." not in perm:
        app = "groups" if "group" in perm and "org" not in perm else "assets"
        perm = f"{app}.{perm}"
    assign_perm(perm, holder, obj)
    if hasattr(holder, "username"):
        forget(holder)
