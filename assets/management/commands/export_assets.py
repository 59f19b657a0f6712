from assets.transfer.assets_io import export_assets
from assets.transfer.command import TransferCommand


class Command(TransferCommand):
    help = "Export the assets of an organization in the shape import_assets reads."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="File to write, or - for standard output")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        self.run_export(export_assets, options, noun="assets")
