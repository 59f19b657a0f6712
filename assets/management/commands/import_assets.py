from functools import partial

from assets.models import Asset, AssetDeviceLink, ChangeLogEntry
from assets.transfer.assets_io import import_assets
from assets.transfer.command import TransferCommand


class Command(TransferCommand):
    help = "Import assets from CSV, JSON Lines or JSON: key, title, type and custom fields by code."

    def add_arguments(self, parser):
        self.add_import_arguments(parser)

    def handle(self, *args, **options):
        importer = partial(
            import_assets, update=options["update"], dry_run=options["dry_run"],
            continue_on_error=options["continue_on_error"], batch_size=self.check_batch_size(options["batch_size"]),
        )
        self.run_import(importer, options, tables=[Asset, AssetDeviceLink, ChangeLogEntry])
