from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs):
    """SQLite's lower() folds ASCII only; `icontains` filters use this one so that they match
    the same rows as PostgreSQL's lower()."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


def resync_field_indexes(sender, using, **kwargs):
    """SQLite rebuilds a table to alter it, and the copy has only the indexes Django's model state
    lists: after a migration, the indexed fields' indexes are checked (and built where missing)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from .field_index import resync_all

    if using == DEFAULT_DB_ALIAS and connections[using].vendor == "sqlite":
        resync_all()


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"

    def ready(self):
        from .access.permissions import forget_permission_names
        from .core.db.timestamps import register_fast_timestamps

        connection_created.connect(register_sqlite_functions, dispatch_uid="assets.sqlite_functions")
        connection_created.connect(register_fast_timestamps, dispatch_uid="assets.fast_timestamps")
        post_migrate.connect(resync_field_indexes, sender=self, dispatch_uid="assets.field_indexes")
        # A flush or migration may give the permissions new ids.
        post_migrate.connect(forget_permission_names, dispatch_uid="assets.permission_names")
