"""The REST routers of the assets app, one module per resource; config/api.py mounts them.
The shared pieces (ERRORS, page_body, only_params, prebuilt) live in assets/core/api.py."""

from __future__ import annotations

from assets.core.api import ERRORS, id_filter, only_params, page_body, prebuilt

from . import access, asset_types, assets, changes, devices, organizations, saved_views, search, system, tokens

__all__ = ["ERRORS", "id_filter", "only_params", "page_body", "prebuilt", "register"]


def register(api) -> None:
    api.add_router("", system.system)
    api.add_router("/auth", tokens.auth_router)
    api.add_router("/users", access.users_router)
    api.add_router("/teams", access.teams_router)
    api.add_router("/permissions", access.permissions_router)
    api.add_router("/organizations", organizations.organizations_router)
    api.add_router("/asset-types", asset_types.types_router)
    api.add_router("/devices", devices.devices_router)
    api.add_router("/assets", assets.assets_router)
    api.add_router("/changes", changes.changes_router)
    api.add_router("/search", search.search_router)
    api.add_router("/views", saved_views.views_router)
    from assets.events import api as events_api

    api.add_router("/event-rules", events_api.router)
