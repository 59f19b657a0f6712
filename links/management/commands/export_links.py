from assets.transfer.command import ExportCommand
from links.transfer import export_links


class Command(ExportCommand):
    help = "Export the links of an organization's assets in the shape import_links reads."
    exporter = staticmethod(export_links)
    noun = "links"
