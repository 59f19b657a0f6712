"""Removes staged uploads (files uploaded before their asset) that expired unused."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from assets.files.services import purge_staged_uploads


class Command(BaseCommand):
    help = "Delete staged uploads that no asset claimed before they expired, with their stored files."

    def handle(self, *args, **options):
        count = purge_staged_uploads()
        self.stdout.write(f"{count} expired staged upload{'' if count == 1 else 's'} removed")
