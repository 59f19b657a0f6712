"""`python manage.py worker`: the background worker, whatever the task backend.

The database backend's worker is django-tasks-db's `db_worker`; the Redis backend's is django-rq's
`rqworker` with the job class django-tasks-rq needs and the scheduler on (retries run deferred).
"""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from assets.events import outbox
from assets.tasks import backend_kind, purge_change_snapshots, purge_import_jobs

logger = logging.getLogger(__name__)


def enqueue_purges() -> None:
    purge_change_snapshots.enqueue()
    purge_import_jobs.enqueue()


def every(interval: float, enqueue, stop: threading.Event) -> None:
    """Enqueue periodic work at start and then every `interval` seconds, until `stop`."""
    while not stop.is_set():
        close_old_connections()
        try:
            enqueue()
        except Exception:  # the next round tries again
            logger.exception("could not enqueue periodic work")
        stop.wait(interval)


class Command(BaseCommand):
    help = "Run the background worker (webhook deliveries, renditions, the retention purge) for the configured task backend."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the tasks that are due, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (database backend).")

    def handle(self, *, batch: bool, interval: float, verbosity: int, **options):
        # The outbox relay runs beside the task worker in every worker process.
        if batch:
            outbox.relay()
        else:
            stop = threading.Event()
            threading.Thread(
                target=outbox.run_forever, args=(settings.EVENTS_RELAY_INTERVAL_S, stop), daemon=True,
                name="event-relay",
            ).start()
            threading.Thread(
                target=every, args=(settings.CHANGE_SNAPSHOT_PURGE_INTERVAL_S, enqueue_purges, stop),
                daemon=True, name="retention-purge",
            ).start()
        if backend_kind() == "rq":
            call_command(
                "rqworker", "default", job_class="django_tasks_rq.Job", with_scheduler=True, burst=batch,
                verbosity=verbosity,
            )
        else:
            call_command(
                "db_worker", queue_name="default", interval=interval, batch=batch, reload=False,
                startup_delay=False, verbosity=verbosity,
            )
