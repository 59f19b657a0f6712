from __future__ import annotations

from django.db import connection, transaction
from django.db.models import ProtectedError
from guardian.shortcuts import assign_perm

from assets.access.permissions import ORG_PERMISSIONS, can_manage_org, forget, organization_scope
from assets.core import changelog
from assets.core.errors import Cycle, Forbidden, InUse, ValidationFailed, one_or_404
from assets.core.inputs import clean_slug, clean_text, require_user, unique_or_duplicate
from assets.core.versioning import check_version, lock_row, save_versioned

from ..models import Asset, AssetType, Device, Organization

# Any constant works; it only has to differ from other advisory locks of the project.
ORGANIZATION_TREE_LOCK = 0x6F726774


def lock_organization_tree() -> None:
    """mptt rewrites lft/rght across a tree (and picks new tree ids) on every insert, move and
    delete; two concurrent writers would corrupt it. Organizations are few and rarely written,
    so one transaction-scoped lock serializes all of those writes. SQLite's IMMEDIATE
    transactions already serialize every writer."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ORGANIZATION_TREE_LOCK])


def visible_organizations(user):
    return organization_scope(Organization.objects.all(), user)


def get_organization(user, organization_id: int) -> Organization:
    require_user(user)
    return one_or_404(visible_organizations(user), "organization", organization_id)


def get_managed_organization(user, organization_id: int) -> Organization:
    organization = get_organization(user, organization_id)
    if not can_manage_org(user, organization.pk):
        raise Forbidden(f"you may not manage organization {organization.key}")
    return organization


@transaction.atomic
def create_organization(user, *, key, title, parent_id=None) -> Organization:
    require_user(user)
    lock_organization_tree()
    parent = None
    if parent_id is not None:
        parent = get_organization(user, parent_id)
        if not can_manage_org(user, parent.pk):
            raise Forbidden("creating an organization needs manage_org on its parent")
    elif not user.is_superuser:
        raise Forbidden("only superusers create top-level organizations")
    organization = Organization(
        key=clean_slug(key, "key", max_length=64),
        title=clean_text(title, "title", max_length=255),
        parent=parent,
    )
    with unique_or_duplicate(f"an organization with key '{organization.key}' exists", "key"):
        organization.save()
    if not user.is_superuser:
        # Whoever creates an organization below theirs keeps managing it.
        for codename in ORG_PERMISSIONS:
            assign_perm(f"assets.{codename}", user, organization)
        forget(user)
    changelog.record_created(user, organization, organization_id=organization.pk)
    return organization


@transaction.atomic
def update_organization(user, organization_id: int, *, version=None, **changes) -> Organization:
    require_user(user)
    moving = "parent_id" in changes
    if moving:
        lock_organization_tree()
    organization = get_managed_organization(user, organization_id)
    organization = lock_row(Organization.objects.all(), organization.pk, "organization")
    check_version(organization, version)
    unknown = set(changes) - {"title", "key", "parent_id"}
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}")
    before = organization.to_change_dict()
    fields = []
    if "title" in changes:
        organization.title = clean_text(changes["title"], "title", max_length=255)
        fields.append("title")
    if "key" in changes:
        organization.key = clean_slug(changes["key"], "key", max_length=64)
        fields.append("key")
    if moving and parse_parent(changes["parent_id"]) != organization.parent_id:
        new_parent_id = changes["parent_id"]
        if new_parent_id is None:
            if not user.is_superuser:
                raise Forbidden("only superusers create top-level organizations")
            organization.parent = None
        else:
            parent = get_managed_organization(user, new_parent_id)
            if parent.pk == organization.pk or parent.is_descendant_of(organization):
                raise Cycle("an organization can't move below itself or its descendants")
            organization.parent = parent
        # mptt moves the subtree on save (keeping siblings ordered by key); the version bump
        # below is still the conditional UPDATE.
        with unique_or_duplicate(f"an organization with key '{organization.key}' exists", "key"):
            organization.save()
    with unique_or_duplicate(f"an organization with key '{organization.key}' exists", "key"):
        save_versioned(organization, version, fields)
    organization.refresh_from_db()
    changelog.record_updated(user, organization, before, organization_id=organization.pk)
    return organization


@transaction.atomic
def delete_organization(user, organization_id: int, *, version=None) -> None:
    require_user(user)
    lock_organization_tree()
    organization = get_managed_organization(user, organization_id)
    organization = lock_row(Organization.objects.all(), organization.pk, "organization")
    check_version(organization, version)
    dependents = {
        "child organizations": Organization.objects.filter(parent=organization).count(),
        "assets": Asset.objects.filter(organization=organization).count(),
        "asset types": AssetType.objects.filter(organization=organization).count(),
        "devices": Device.objects.filter(organization=organization).count(),
    }
    held = {name: n for name, n in dependents.items() if n}
    if held:
        summary = ", ".join(f"{n} {name}" for name, n in held.items())
        raise InUse(f"organization {organization.key} still has {summary}")
    # Logged first: Django clears the pk on delete. A failure below rolls the entry back too.
    changelog.record_deleted(user, organization, organization.to_change_dict(), organization_id=organization.pk)
    try:
        # The model's delete, not a queryset delete: mptt closes the gap in the tree.
        organization.delete()
    except ProtectedError as exc:
        kinds = sorted({str(row._meta.verbose_name_plural) for row in exc.protected_objects})
        raise InUse(f"organization {organization.key} still has {', '.join(kinds)}")


def parse_parent(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.field("parent_id", "must be an organization id")
    return value
