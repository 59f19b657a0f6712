"""Load the demo data of every app: assets first, then groups and links, which file and link
the assets by key. Safe to run again: existing data is left as it is."""

from django.core.management.base import BaseCommand

from assets import demo as asset_demo
from groups import demo as group_demo
from links import demo as link_demo


class Command(BaseCommand):
    help = "Create the demo organizations, users, types, devices, assets, groups and links (idempotent)."

    def handle(self, *args, **options):
        for seeder in (asset_demo, group_demo, link_demo):
            seeder.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in as admin / admin."))
