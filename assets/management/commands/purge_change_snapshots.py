"""`python manage.py purge_change_snapshots [--days N]`: run the retention purge now."""

from django.core.management.base import BaseCommand

from assets.services.retention import purge_deleted_snapshots, retention_days


class Command(BaseCommand):
    help = "Remove the change-log entries of assets deleted longer ago than CHANGE_SNAPSHOT_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override CHANGE_SNAPSHOT_RETENTION_DAYS.")

    def handle(self, *, days, **options):
        days = retention_days() if days is None else days
        if not days:
            self.stdout.write("Retention is off (CHANGE_SNAPSHOT_RETENTION_DAYS=0): nothing purged.")
            return
        removed = purge_deleted_snapshots(days=days)
        self.stdout.write(f"Removed {removed} change-log entries of assets deleted more than {days} days ago.")
