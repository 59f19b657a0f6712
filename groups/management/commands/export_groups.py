from assets.transfer.command import TransferCommand
from groups.transfer import export_groups


class Command(TransferCommand):
    help = "Export the groups of an organization in the shape import_groups reads."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="File to write, or - for standard output")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        self.run_export(export_groups, options, noun="groups")
