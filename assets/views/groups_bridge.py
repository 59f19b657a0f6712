"""What the asset pages need from the groups app (choices for the group filter), without
depending on it: the filter only appears once the app has registered `group_id` with
assets.queries, and the choices come from its own visibility rules when it exposes them."""

from __future__ import annotations

import importlib

from django.apps import apps

from assets.access.permissions import snapshot

from .. import queries

MAX_GROUP_CHOICES = 500


def _visible_groups_function():
    for module_name in ("groups.permissions", "groups.services", "groups.queries"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, "visible_groups", None)
        if callable(function):
            return function
    return None


def group_filter_available() -> bool:
    return "group_id" in queries._extra_filters


def _group_model():
    try:
        return apps.get_model("groups", "AssetGroup")
    except LookupError:
        return None


def visible_group_queryset(user):
    model = _group_model()
    if model is None:
        return None
    function = _visible_groups_function()
    if function is not None:
        return function(user)
    if user.is_superuser:
        return model.objects.all()
    # Without the app's own rules, only organization-wide holders see an organization's groups.
    return model.objects.filter(organization_id__in=sorted(snapshot(user).org_perms))


def group_choices(user, organization, selected_id: int | None) -> list[tuple[int, str]] | None:
    """[(id, indented title)] in tree order for the group filter, or None when there is no
    group filter. Large trees are cut at MAX_GROUP_CHOICES (the selected group always stays)."""
    if not group_filter_available():
        return None
    queryset = visible_group_queryset(user)
    if queryset is None:
        return None
    if organization is not None:
        queryset = queryset.filter(organization_id=organization.pk)
    queryset = queryset.select_related("organization").order_by("organization_id", "tree_id", "lft")
    rows = list(queryset[:MAX_GROUP_CHOICES])
    if selected_id is not None and all(g.pk != selected_id for g in rows):
        rows += list(queryset.filter(pk=selected_id))
    choices = []
    for group in rows:
        label = f"{'— ' * getattr(group, 'level', 0)}{group.title}"
        if organization is None:
            label = f"{label} ({group.organization.title})"
        choices.append((group.pk, label))
    return choices
