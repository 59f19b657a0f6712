from assets.transfer.command import ExportCommand
from groups.transfer import export_groups


class Command(ExportCommand):
    help = "Export the groups of an organization in the shape import_groups reads."
    exporter = staticmethod(export_groups)
    noun = "groups"
