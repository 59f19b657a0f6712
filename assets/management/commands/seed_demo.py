"""Load the demo data of every app: assets first, then groups and links, which file and link
the assets by key. Safe to run again: existing data is left as it is."""

import importlib

from django.core.management.base import BaseCommand

SEEDERS = ("assets.demo", "groups.demo", "links.demo")


class Command(BaseCommand):
    help = "Create the demo organizations, users, types, devices, assets, groups and links (idempotent)."

    def handle(self, *args, **options):
        for module_name in SEEDERS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                # Only a missing demo module is skipped; a demo module that fails to import is a bug.
                if exc.name != module_name:
                    raise
                self.stdout.write(f"{module_name}: not available, skipped")
                continue
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in as admin / admin."))
