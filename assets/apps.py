from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs):
    """SQLite's lower() folds ASCII only; `icontains` filters use this one so that they match
    the same rows as PostgreSQL's lower()."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets"

    def ready(self):
        connection_created.connect(register_sqlite_functions, dispatch_uid="assets.sqlite_functions")
