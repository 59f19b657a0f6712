from functools import partial

from assets.models import ChangeLogEntry
from assets.transfer.command import TransferCommand
from links.models import Link
from links.transfer import import_links


class Command(TransferCommand):
    help = "Import links: source_key, target_key, link_type, alias, tags, properties, sequence, description."

    def add_arguments(self, parser):
        self.add_import_arguments(parser)

    def handle(self, *args, **options):
        importer = partial(
            import_links, update=options["update"], dry_run=options["dry_run"],
            continue_on_error=options["continue_on_error"], batch_size=self.check_batch_size(options["batch_size"]),
        )
        self.run_import(importer, options, tables=[Link, ChangeLogEntry])
