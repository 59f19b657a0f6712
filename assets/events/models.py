from __future__ import annotations

from django.db import models
from django.utils import timezone

from assets.models import ChangeLogEntry, Organization, VersionedModel

OBJECT_TYPES = ("asset", "asset_type", "group", "link", "device")
ACTIONS = ("create", "update", "delete")


class EventRule(VersionedModel):
    """Which changes of one organization are POSTed where. `object_types` and `actions` are JSON
    lists the outbox trigger matches against the change log's object_type and action."""

    change_log_type = "event_rule"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="event_rules")
    name = models.CharField(max_length=255)
    object_types = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    # Empty: any asset type. Otherwise only asset changes of these type codes are delivered.
    asset_type_codes = models.JSONField(default=list, blank=True)
    url = models.CharField(max_length=2000)
    # Kept in clear: it signs every delivery. Never shown after it is set.
    secret = models.CharField(max_length=255)
    headers = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organization", "enabled"], name="event_rule_org")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    rule = models.ForeignKey(EventRule, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(ChangeLogEntry, on_delete=models.CASCADE, related_name="+")
    # The object's version right after the change, read by the outbox trigger in the change's
    # transaction; NULL for a delete (the row is gone when its change is logged).
    version = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When the relay should hand it to a task; NULL while a task holds it or once it is final.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due",
                         condition=models.Q(next_attempt_at__isnull=False)),
            models.Index(fields=["rule", "id"], name="delivery_rule"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"
