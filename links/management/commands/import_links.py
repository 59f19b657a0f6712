from assets.models import ChangeLogEntry
from assets.transfer.command import ImportCommand
from links.models import Link
from links.transfer import import_links


class Command(ImportCommand):
    help = "Import links: source_key, target_key, link_type, alias, tags, properties, sequence, description."
    importer = staticmethod(import_links)
    tables = (Link, ChangeLogEntry)
