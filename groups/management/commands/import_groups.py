from assets.models import ChangeLogEntry
from assets.transfer.command import ImportCommand
from groups.models import AssetGroup, GroupMembership
from groups.transfer import import_groups


class Command(ImportCommand):
    help = "Import groups by path (e.g. North/Hamburg depot), with description and exclusive (roots)."
    importer = staticmethod(import_groups)
    tables = (AssetGroup, GroupMembership, ChangeLogEntry)
