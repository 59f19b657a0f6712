"""The one seam through which other apps extend the asset core.

An app that adds to assets (group-scoped grants, a list filter, keys of the asset shape, work
to do before assets are deleted) subclasses `AssetExtension` in its own `extension.py` and
overrides what it contributes; the defaults add nothing. The extensions are declared once, in
`installed()`, by import: groups, links and files are mandatory apps (SPEC), so nothing is
discovered by name and no code path asks whether an app is there. Where a core app needs
something of another that is not an extension of assets (the groups column of asset files, the
group choices of the asset list), it imports it directly."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import Q, QuerySet

    from assets.access.grants import GrantTarget
    from assets.models import Asset

_NONE: Mapping = MappingProxyType({})


class AssetExtension:
    # Kinds of per-object grants, as flags of the permission snapshot: name -> callable(user id
    # reference) -> an expression that is true (or not NULL) when the user holds one. The
    # snapshot reads every flag in its one query; `PermissionSnapshot.holds(name)` answers.
    grant_kinds: Mapping[str, Callable] = _NONE
    # Filters of asset lists: query parameter -> callable(queryset, values, params, user) ->
    # queryset. `user` is the one the list is for (None only outside a request).
    list_filters: Mapping[str, Callable] = _NONE
    # Query parameters that only modify this extension's filters (include_descendants).
    filter_options: frozenset[str] = frozenset()
    # Change-log entries this extension guards itself, for objects that are not scoped by one
    # organization (a link may join two): object type -> callable(user) -> a Q over
    # ChangeLogEntry of the entries of that type the user may read, or None for all of them.
    # The organization-wide rule of other entries no longer applies to those types.
    change_scopes: Mapping[str, Callable] = _NONE

    def asset_condition(self, user, action: str) -> Q | None:
        """More assets the user may `action` (a Q over Asset), or None for none."""
        return None

    def organization_condition(self, user) -> Q | None:
        """More organizations the user holds a permission in (a Q over Organization), or None.
        Built from the user's id and permission snapshot only: statements are kept per
        `assets.access.permissions.permission_key`."""
        return None

    def grant_targets(self) -> tuple[GrantTarget, ...]:
        """Object types that POST /permissions grants on."""
        return ()

    def prefetch_assets(self, queryset: QuerySet, user) -> QuerySet:
        """Shapes a read of many assets for `user` so that `shape_asset` needs no query per asset
        and shows nothing the user may not view."""
        return queryset

    def annotate_asset(self, queryset: QuerySet) -> QuerySet:
        """The same for a read of one asset, where annotating its own row beats a prefetch. The
        read is compiled once per process, so it knows no user: `scope_asset` narrows it."""
        return queryset

    def scope_asset(self, user, asset: Asset) -> None:
        """Once `user` may view the one asset just read (annotated, prefetched or neither): drops
        from it what this extension added that the user may not view."""

    def shape_asset(self, asset: Asset, data: dict) -> None:
        """Fills this extension's keys of the asset shape (they are present, empty, beforehand)."""

    def before_delete_many(self, user, assets: list[Asset]) -> None:
        """Inside the deleting transaction, once the assets' rows are gone but before their
        dependents go (a single delete passes one asset). Set-based: a few queries for the whole
        list, never one per asset. May refuse with a DomainError, which undoes the whole delete."""

    def snapshot_deleted_many(self, assets: list[Asset], data: dict[int, dict]) -> None:
        """Adds to the change-log snapshot of each asset being deleted (`data[asset.pk]`) what
        this extension needs to bring back in `restore_asset`; read before the rows go."""

    def restore_asset(self, user, asset: Asset, snapshot: dict, note: Callable[[str, str], None]) -> None:
        """Inside the restoring transaction, after the asset was re-created from `snapshot`: brings
        back what this extension added to it, as far as `user` may; `note(field, message)` for
        each part that can't come back."""


@cache
def installed() -> tuple[AssetExtension, ...]:
    """Every extension of the asset core, in the order their hooks run. Imported at first use,
    not at module level: each of them builds on the asset core."""
    from assets.files.extension import FilesExtension
    from groups.extension import GroupsExtension
    from links.extension import LinksExtension

    return (FilesExtension(), GroupsExtension(), LinksExtension())


def asset_conditions(user, action: str) -> list[Q]:
    return [q for q in (e.asset_condition(user, action) for e in installed()) if q is not None]


def organization_conditions(user) -> list[Q]:
    return [q for q in (e.organization_condition(user) for e in installed()) if q is not None]


def prefetch_assets(queryset: QuerySet, user) -> QuerySet:
    for extension in installed():
        queryset = extension.prefetch_assets(queryset, user)
    return queryset


def annotate_asset(queryset: QuerySet) -> QuerySet:
    for extension in installed():
        queryset = extension.annotate_asset(queryset)
    return queryset


def scope_asset(user, asset: Asset) -> None:
    for extension in installed():
        extension.scope_asset(user, asset)


def shape_asset(asset: Asset, data: dict) -> None:
    for extension in installed():
        extension.shape_asset(asset, data)


def before_delete_many(user, assets: list[Asset]) -> None:
    for extension in installed():
        extension.before_delete_many(user, assets)


def snapshot_deleted_many(assets: list[Asset], data: dict[int, dict]) -> None:
    for extension in installed():
        extension.snapshot_deleted_many(assets, data)


def restore_asset(user, asset: Asset, snapshot: dict, note) -> None:
    for extension in installed():
        extension.restore_asset(user, asset, snapshot, note)


def merged(what: str, pairs) -> Mapping:
    """One mapping of the (name, value) pairs the extensions add; a name added twice is a
    declaration error, not a silent override."""
    found: dict = {}
    for name, value in pairs:
        if name in found:
            raise ImproperlyConfigured(f"two extensions of assets add the {what} '{name}'")
        found[name] = value
    return MappingProxyType(found)


def grant_kinds() -> Mapping[str, Callable]:
    return merged("grant kind", (pair for e in installed() for pair in e.grant_kinds.items()))


@cache
def list_filters() -> Mapping[str, Callable]:
    return merged("list filter", (pair for e in installed() for pair in e.list_filters.items()))


@cache
def filter_options() -> frozenset[str]:
    return frozenset().union(*(e.filter_options for e in installed()))


@cache
def change_scopes() -> Mapping[str, Callable]:
    return merged("change scope", (pair for e in installed() for pair in e.change_scopes.items()))
