from assets.models import Asset, AssetDeviceLink, ChangeLogEntry
from assets.transfer.assets_io import import_assets
from assets.transfer.command import ImportCommand


class Command(ImportCommand):
    help = "Import assets from CSV, JSON Lines or JSON: key, title, type and custom fields by code."
    importer = staticmethod(import_assets)
    tables = (Asset, AssetDeviceLink, ChangeLogEntry)
