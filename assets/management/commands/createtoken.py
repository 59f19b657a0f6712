"""Print a new API token for a user, and nothing else, so that scripts can capture it:
TOKEN=$(python manage.py createtoken admin)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assets.access.tokens import issue_token
from assets.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for USER and print it (only the token) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire after this many days.")
        parser.add_argument("--read-only", action="store_true", help="Refuse writes (403).")
        parser.add_argument("--organization-id", type=int, action="append", dest="organization_ids",
                            help="Limit the token to this organization (repeatable).")
        parser.add_argument("--allowed-ip", action="append", dest="allowed_ips",
                            help="Accept the token only from this address range, CIDR (repeatable).")

    def handle(self, *args, username, name, expires_in_days, read_only, organization_ids, allowed_ips, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        expires_at = None
        if expires_in_days is not None:
            if expires_in_days < 1:
                raise CommandError("--expires-in-days must be at least 1")
            expires_at = timezone.now() + dt.timedelta(days=expires_in_days)
        try:
            _, raw = issue_token(user, name=name, expires_at=expires_at, read_only=read_only,
                                 organization_ids=organization_ids, allowed_ips=allowed_ips)
        except DomainError as exc:
            raise CommandError(exc.detail)
        self.stdout.write(raw)
