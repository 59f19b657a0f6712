from assets.transfer.assets_io import export_assets
from assets.transfer.command import ExportCommand


class Command(ExportCommand):
    help = "Export the assets of an organization in the shape import_assets reads."
    exporter = staticmethod(export_assets)
    noun = "assets"
