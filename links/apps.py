from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_system_link_types(sender, apps=None, **kwargs):
    # Also after a test database flush, which empties what the data migration created.
    from .system_types import ensure_system_link_types

    if apps is None:
        from django.apps import apps
    try:
        model = apps.get_model("links", "LinkType")
    except LookupError:
        return
    ensure_system_link_types(model)


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = "Asset links"

    def ready(self):
        from assets.queries import register_asset_filter
        from assets.services.assets import asset_delete_hooks
        from assets.services.changes import register_change_scope

        from . import services

        if services.log_links_of_deleted_asset not in asset_delete_hooks:
            asset_delete_hooks.append(services.log_links_of_deleted_asset)
        register_asset_filter("linked_to", services.linked_to_filter, with_user=True)
        register_change_scope("link", services.link_change_scope)
        post_migrate.connect(_ensure_system_link_types, sender=self, dispatch_uid="links.system_link_types")
