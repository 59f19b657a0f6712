"""What links add to the asset core (assets.extensions): the linked_to filter of GET /assets, and
the change-log entries of the links an asset's deletion cascades away, the links a restore brings
back, and who may read the change log of links (they may join assets of two organizations)."""

from __future__ import annotations

from types import MappingProxyType

from assets.extensions import AssetExtension

from .restore import links_of, restore_links
from .services import link_change_scope, linked_to_filter, log_links_of_deleted_asset


class LinksExtension(AssetExtension):
    list_filters = MappingProxyType({"linked_to": linked_to_filter})
    change_scopes = MappingProxyType({"link": link_change_scope})

    def before_asset_delete(self, user, asset):
        log_links_of_deleted_asset(user, asset)

    def snapshot_deleted(self, asset, data):
        data["links"] = links_of(asset)

    def restore_asset(self, user, asset, snapshot, note):
        restore_links(user, asset, snapshot.get("links") or (), note)
