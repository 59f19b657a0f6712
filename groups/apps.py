from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Asset groups"

    def ready(self) -> None:
        from . import hooks

        hooks.register()

        from assets.transfer import assets_io

        from .transfer import GroupsColumn

        assets_io.groups_column = GroupsColumn()
