from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Asset groups"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
