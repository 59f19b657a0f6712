from functools import partial

from assets.models import ChangeLogEntry
from assets.transfer.command import TransferCommand
from groups.models import AssetGroup, GroupMembership
from groups.transfer import import_groups


class Command(TransferCommand):
    help = "Import groups by path (e.g. North/Hamburg depot), with description and exclusive (roots)."

    def add_arguments(self, parser):
        self.add_import_arguments(parser)

    def handle(self, *args, **options):
        importer = partial(
            import_groups, update=options["update"], dry_run=options["dry_run"],
            continue_on_error=options["continue_on_error"], batch_size=self.check_batch_size(options["batch_size"]),
        )
        self.run_import(importer, options, tables=[AssetGroup, GroupMembership, ChangeLogEntry])
