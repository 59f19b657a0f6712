from __future__ import annotations

from django.db.models import Q

from assets import extensions
from assets.access.permissions import ASSET_CODENAMES, ORG_ASSET_CODENAMES, snapshot
from assets.core.errors import ValidationFailed
from assets.core.inputs import id_from_text, require_user

from ..models import Asset, ChangeLogEntry


def visible_changes(user):
    """Entries about objects the user may see, decided in SQL:
    - assets: the history of each asset they can view, plus (deleted ones included) every asset
      entry of organizations where they may view all assets;
    - types, devices, organizations, grants and every other entry: those of organizations they
      hold an organization-wide grant in;
    - object types an extension guards (`AssetExtension.change_scopes`, links for instance):
      whatever its condition allows."""
    require_user(user)
    entries = ChangeLogEntry.objects.all()
    if user.is_superuser:
        return entries
    snap = snapshot(user)
    view_codenames = ASSET_CODENAMES["view"] + ORG_ASSET_CODENAMES["view"]
    if snap.has_global(*(f"assets.{c}" for c in view_codenames)) and snap.has_global("assets.manage_org"):
        return entries
    scopes = extensions.change_scopes()
    guarded = ["asset", *sorted(scopes)]
    asset_orgs = snap.organizations_with(ORG_ASSET_CODENAMES["view"])
    if snap.has_global(*(f"assets.{c}" for c in view_codenames)):
        asset_condition = Q(object_type="asset")
    else:
        asset_condition = Q(object_type="asset", organization_id__in=asset_orgs) | Q(
            object_type="asset", object_id__in=Asset.objects.visible_to(user).values("pk")
        )
    if snap.has_global("assets.manage_org"):
        other_condition = ~Q(object_type__in=guarded)
    else:
        other_condition = ~Q(object_type__in=guarded) & Q(organization_id__in=sorted(snap.org_perms))
    condition = asset_condition | other_condition
    for object_type, scope in scopes.items():
        extra = scope(user)
        condition |= Q(object_type=object_type) & (Q() if extra is None else extra)
    return entries.filter(condition)


def filter_changes(queryset, *, object_type=None, object_id=None, user=None, organization_id=None, action=None,
                   request_id=None):
    if action:
        if action not in ChangeLogEntry.Action.values:
            raise ValidationFailed.field("action", f"must be one of {', '.join(ChangeLogEntry.Action.values)}")
        queryset = queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id is not None:
        queryset = queryset.filter(object_id=object_id)
    if user:
        if str(user).isascii() and str(user).isdigit():
            user_id = id_from_text(user)
            if user_id is None:
                raise ValidationFailed.field("user", "is not a user id")
            queryset = queryset.filter(user_id=user_id)
        else:
            queryset = queryset.filter(user_name=user)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    if request_id:
        queryset = queryset.filter(request_id=request_id)  # one bulk action's or import's entries
    return queryset
