"""The relay: hands due pending deliveries to the task queue.

The trigger only writes rows; the relay (run by `manage.py worker` beside the task worker, on
every worker process) claims the due ones and enqueues `deliver` tasks of up to BATCH deliveries. A claimed row has
no `next_attempt_at` until its task schedules a retry, so two relays never enqueue it twice
(PostgreSQL: SKIP LOCKED; SQLite: writers are serialized).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, transaction
from django.utils import timezone

from assets.tasks import enqueue_with_change

from .delivery import deliver
from .models import Delivery

logger = logging.getLogger(__name__)
# Deliveries per task: one POST each, but the queue's cost is paid once per batch.
BATCH = 50


def relay(limit: int = 500) -> int:
    with transaction.atomic():
        due = list(
            Delivery.objects.filter(next_attempt_at__lte=timezone.now(), status=Delivery.Status.PENDING)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if due:
            Delivery.objects.filter(id__in=due).update(next_attempt_at=None)
            for start in range(0, len(due), BATCH):
                enqueue_with_change(deliver, due[start:start + BATCH])
    return len(due)


def run_forever(interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        close_old_connections()
        try:
            handed = relay()
        except Exception:  # keep relaying; the next round retries
            logger.exception("event relay failed")
            handed = 0
        if not handed:
            stop.wait(interval)
