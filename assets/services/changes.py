from __future__ import annotations

from django.db.models import Q

from ..models import Asset, ChangeLogEntry
from ..permissions import snapshot
from .common import require_user


def visible_changes(user):
    """Entries about objects the user may see: everything of organizations they hold a grant
    in, and the history of each asset they can view. Deleted assets stay visible only to
    organization-wide holders."""
    require_user(user)
    entries = ChangeLogEntry.objects.all()
    if user.is_superuser or snapshot(user).has_global("assets.view_asset", "assets.view_org_assets"):
        return entries
    condition = Q(object_type="asset", object_id__in=Asset.objects.visible_to(user).values("pk"))
    org_ids = sorted(snapshot(user).org_perms)
    if org_ids:
        condition |= Q(organization_id__in=org_ids)
    return entries.filter(condition)


def filter_changes(queryset, *, object_type=None, object_id=None, user=None, organization_id=None):
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id is not None:
        queryset = queryset.filter(object_id=object_id)
    if user:
        queryset = queryset.filter(user_id=int(user)) if str(user).isdigit() else queryset.filter(user_name=user)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset
