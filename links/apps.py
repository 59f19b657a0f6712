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
        post_migrate.connect(_ensure_system_link_types, sender=self, dispatch_uid="links.system_link_types")
