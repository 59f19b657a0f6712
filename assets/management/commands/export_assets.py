import sys

from django.core.management.base import CommandError

from assets.transfer.assets_io import export_assets
from assets.transfer.command import TransferCommand
from assets.transfer.formats import write_records


class Command(TransferCommand):
    help = "Export the assets of an organization in the shape import_assets reads."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="File to write, or - for standard output")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        user = self.acting_user(options["user"])
        organization = self.organization(options["organization"])
        fmt = options["format"] or ("csv" if options["path"] == "-" else self.format_of(options["path"], None))
        columns, records = export_assets(user, organization)
        if options["path"] == "-":
            count = write_records(self.stdout, fmt, records, columns)
        else:
            try:
                with open(options["path"], "w", encoding="utf-8", newline="") as stream:
                    count = write_records(stream, fmt, records, columns)
            except OSError as exc:
                raise CommandError(f"can't write {options['path']}: {exc.strerror}")
        sys.stderr.write(f"{count} assets exported\n")
