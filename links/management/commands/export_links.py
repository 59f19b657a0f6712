from assets.transfer.command import TransferCommand
from links.transfer import export_links


class Command(TransferCommand):
    help = "Export the links of an organization's assets in the shape import_links reads."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="File to write, or - for standard output")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        self.run_export(export_links, options, noun="links")
