"""`python manage.py worker`: the background worker, whatever the task backend.

The database backend's worker is django-tasks-db's `db_worker`; the Redis backend's is django-rq's
`rqworker` with the job class django-tasks-rq needs and the scheduler on (retries run deferred).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from assets.tasks import backend_kind


class Command(BaseCommand):
    help = "Run the background worker (webhook deliveries, renditions) for the configured task backend."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the tasks that are due, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (database backend).")

    def handle(self, *, batch: bool, interval: float, verbosity: int, **options):
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
