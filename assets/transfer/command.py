"""What the import and export commands share: options, opening files or stdin, the acting
user, the organization, and the progress bar."""

from __future__ import annotations

import io
import sys
from functools import partial

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection

from assets.core.errors import DomainError

from ..models import Organization
from .formats import FormatError, detect_format

# Until autovacuum gets to a freshly loaded table, PostgreSQL plans it from stale statistics: the
# recursive links-tree query took 10 s instead of 0.3 s right after 10,000 links were loaded.
ANALYZE_AFTER_ROWS = 1000


def analyze(models) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class TransferCommand(BaseCommand):
    # The system checks import the URLconf, which builds every API operation and its pydantic
    # models: ~0.6-0.9 s of a 20,000-row import's few seconds, for nothing a file transfer uses.
    # `manage.py check` (and every server start) still runs them.
    requires_system_checks = []

    def add_common_arguments(self, parser) -> None:
        parser.add_argument("--organization", required=True, help="Key of the organization the data belongs to")
        parser.add_argument("--format", choices=["csv", "jsonl", "json"], help="Default: from the file extension")
        parser.add_argument(
            "--user", help="Act as this user, with their permissions (default: the first superuser)"
        )

    def acting_user(self, username: str | None):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user '{username}'")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("no superuser exists; pass --user")
        return user

    def organization(self, key: str) -> Organization:
        organization = Organization.objects.filter(key=key).first()
        if organization is None:
            raise CommandError(f"no organization with key '{key}'")
        return organization

    def format_of(self, path: str, explicit: str | None) -> str:
        try:
            return detect_format(path, explicit)
        except FormatError as exc:
            raise CommandError(str(exc))

    def open_input(self, path: str):
        if path == "-":
            return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        try:
            return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise CommandError(f"can't read {path}: {exc.strerror}")

    def progress(self, description: str, total=None):
        from tqdm import tqdm

        # Quiet when stderr is not a terminal (CI logs, pipes).
        return tqdm(total=total, desc=description, unit="rows", disable=not sys.stderr.isatty(), file=sys.stderr)

    def run_import(self, importer, options, *, tables=()) -> None:
        """Reads the file, validates and writes through `importer(user, organization, records,
        from_csv=..., progress=...)`, prints every error and the summary, and exits non-zero on any
        error. `tables` (models) get fresh planner statistics after a large import."""
        user = self.acting_user(options["user"])
        organization = self.organization(options["organization"])
        fmt = self.format_of(options["path"], options["format"])
        stream = self.open_input(options["path"])
        from .formats import read_records

        try:
            with self.progress("validating") as bar:
                report = importer(user, organization, read_records(stream, fmt), from_csv=(fmt == "csv"), progress=bar)
        except FormatError as exc:
            raise CommandError(str(exc))
        except UnicodeDecodeError:
            raise CommandError("the file is not UTF-8 text")
        except DomainError as exc:
            raise CommandError(exc.detail)
        except IntegrityError:
            # Validation ran against what was stored then; a concurrent writer got there first.
            raise CommandError("the data changed while importing (a key or link was taken meanwhile); nothing was written")
        finally:
            if stream is not sys.stdin:
                stream.close()
        if report.written and report.created + report.updated >= ANALYZE_AFTER_ROWS:
            analyze(tables)
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        if report.errors:
            raise CommandError(f"{len(report.errors)} errors in {report.failed} rows", returncode=1)

    def run_export(self, exporter, options, *, noun: str) -> None:
        """Writes `exporter(user, organization)` -> (columns, records) to the file or stdout."""
        from .formats import write_records

        user = self.acting_user(options["user"])
        organization = self.organization(options["organization"])
        path = options["path"]
        fmt = options["format"] or ("csv" if path == "-" else self.format_of(path, None))
        columns, records = exporter(user, organization)
        if path == "-":
            count = write_records(self.stdout, fmt, records, columns)
        else:
            try:
                with open(path, "w", encoding="utf-8", newline="") as stream:
                    count = write_records(stream, fmt, records, columns)
            except OSError as exc:
                raise CommandError(f"can't write {path}: {exc.strerror}")
        sys.stderr.write(f"{count} {noun} exported\n")

    def add_import_arguments(self, parser) -> None:
        parser.add_argument("path", help="File to read, or - for standard input")
        self.add_common_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Validate everything, write nothing")
        parser.add_argument("--update", action="store_true", help="Upsert by natural key; without it an existing key is an error")
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per bulk INSERT/UPDATE (default 1000)")
        parser.add_argument(
            "--continue-on-error", action="store_true",
            help="Write the good rows and report the bad ones (default: all-or-nothing)",
        )

    def check_batch_size(self, value: int) -> int:
        if value < 1 or value > 50_000:
            raise CommandError("--batch-size must be between 1 and 50000")
        return value


class ImportCommand(TransferCommand):
    """An import_* command: `importer(user, organization, records, *, from_csv, update, dry_run,
    continue_on_error, batch_size, progress)` and the `tables` it loads (for fresh statistics)."""

    importer = None
    tables = ()

    def add_arguments(self, parser):
        self.add_import_arguments(parser)

    def handle(self, *args, **options):
        importer = partial(
            self.importer, update=options["update"], dry_run=options["dry_run"],
            continue_on_error=options["continue_on_error"], batch_size=self.check_batch_size(options["batch_size"]),
        )
        self.run_import(importer, options, tables=self.tables)


class ExportCommand(TransferCommand):
    """An export_* command: `exporter(user, organization)` -> (columns, records), `noun` for the count."""

    exporter = None
    noun = "rows"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="File to write, or - for standard output")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        self.run_export(self.exporter, options, noun=self.noun)
