"""Organizations, asset types with their custom field definitions, devices, assets, API tokens and
the change log."""

from __future__ import annotations

import copy

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from .core.catalogue import CatalogueQuerySet
from .core.db.instances import FastFromDb
from .core.object_permissions import object_permission_models
from .field_types import field_type_choices, kind_of

SLUG_HELP = "Letters, digits, hyphens and underscores."


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores non-ASCII text as itself rather than as \\u escapes. PostgreSQL's jsonb keeps no
    escapes either, so text searches over JSON values (icontains on a localized string) see the
    same characters on SQLite and on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class VersionedModel(models.Model):
    """Base of every mutable resource: `version` starts at 1 and grows by one per change; the
    services bump it with one conditional UPDATE (see `assets.core.versioning`)."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Name used in the change log and in CONFLICT errors.
    change_log_type: str = ""

    class Meta:
        abstract = True

    def to_change_dict(self) -> dict:
        return {}


class Organization(MPTTModel, VersionedModel):
    key = models.SlugField(max_length=64, unique=True, help_text=SLUG_HELP)
    title = models.CharField(max_length=255)
    parent = TreeForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    change_log_type = "organization"

    class MPTTMeta:
        order_insertion_by = ["key"]

    class Meta:
        permissions = [
            ("view_org_assets", "View every asset of the organization"),
            ("change_org_assets", "Create and change every asset of the organization"),
            ("delete_org_assets", "Delete every asset of the organization"),
            ("manage_org", "Manage types, devices, groups and members of the organization"),
        ]
        indexes = [models.Index(fields=["tree_id", "lft"], name="org_tree_lft")]

    def __str__(self) -> str:
        return self.title

    def to_change_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "parent_id": self.parent_id}


OrganizationUserObjectPermission, OrganizationGroupObjectPermission = object_permission_models(
    Organization, __name__, user_model="OrganizationUserObjectPermission", team_model="OrganizationGroupObjectPermission"
)


class AssetType(VersionedModel):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="asset_types",
        help_text="Empty for a SYSTEM type, shared by every organization.",
    )
    code = models.SlugField(max_length=64, help_text="Immutable after creation.")
    title = models.CharField(max_length=255)
    order = models.IntegerField(default=0)
    description = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogueQuerySet.as_manager()

    change_log_type = "asset_type"

    class Meta:
        ordering = ["order", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="asset_type_code_unique_per_org",
                condition=Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["code"], name="asset_type_code_unique_system", condition=Q(organization__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def to_change_dict(self) -> dict:
        return {
            "organization_id": self.organization_id,
            "code": self.code,
            "title": self.title,
            "order": self.order,
            "description": self.description,
        }


class CustomFieldDefinition(models.Model):
    asset_type = models.ForeignKey(AssetType, on_delete=models.CASCADE, related_name="field_definitions")
    code = models.SlugField(max_length=64, help_text="Immutable; the key in an asset's custom_fields.")
    title = models.CharField(max_length=255)
    field_type = models.CharField(max_length=20, choices=field_type_choices)
    params = models.JSONField(default=dict, blank=True)
    order = models.IntegerField(default=0)
    indexed = models.BooleanField(
        default=False, help_text="Keep a database index on the field's sort key, for sorting and range filters at scale.",
    )

    class IndexStatus(models.TextChoices):
        NONE = "", "not indexed"
        PENDING = "pending", "being built"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    # Written by the background task that builds the index (assets.field_index), not by users.
    index_status = models.CharField(max_length=8, choices=IndexStatus.choices, default="", blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["asset_type", "code"], name="field_code_unique_per_type"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_type.code}.{self.code}"

    @property
    def required(self) -> bool:
        return bool(self.params.get("required"))

    @property
    def kind(self):
        """Everything about this field's type (assets.field_types)."""
        return kind_of(self.field_type)

    def to_change_dict(self) -> dict:
        return {
            "code": self.code, "title": self.title, "field_type": self.field_type,
            "params": self.params, "order": self.order, "indexed": self.indexed,
        }


class Device(VersionedModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="devices")
    title = models.CharField(max_length=255)
    identifier = models.CharField(max_length=128, help_text="Serial number or IMEI, unique per organization.")

    change_log_type = "device"

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "identifier"], name="device_identifier_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.title

    def to_change_dict(self) -> dict:
        return {"organization_id": self.organization_id, "title": self.title, "identifier": self.identifier}


class AssetQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> AssetQuerySet:
        from assets.access.permissions import asset_scope

        return asset_scope(self, user, action)


class Asset(FastFromDb, VersionedModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="assets")
    type = models.ForeignKey(AssetType, on_delete=models.PROTECT, related_name="assets")
    key = models.SlugField(max_length=128, help_text=SLUG_HELP)
    title = models.CharField(max_length=255)
    custom_fields = models.JSONField(default=dict, blank=True, encoder=UnicodeJSONEncoder)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AssetQuerySet.as_manager()

    change_log_type = "asset"

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="asset_key_unique_per_org"),
        ]
        indexes = [
            models.Index(fields=["title", "id"], name="asset_title_id"),
            models.Index(fields=["organization", "title", "id"], name="asset_org_title_id"),
            models.Index(fields=["created_at", "id"], name="asset_created_id"),
            models.Index(fields=["updated_at", "id"], name="asset_updated_id"),
            models.Index(fields=["type", "title", "id"], name="asset_type_title_id"),
        ]
        # PostgreSQL also has a GIN index on custom_fields (migration 0003), kept out of the model
        # state because SQLite can't build it.

    def __str__(self) -> str:
        return self.title

    def to_change_dict(self) -> dict:
        return {
            "organization_id": self.organization_id,
            "type_id": self.type_id,
            "key": self.key,
            "title": self.title,
            # A copy: the snapshot must not change when the asset's values are edited in place.
            "custom_fields": copy.deepcopy(self.custom_fields),
        }


class AssetDeviceLink(models.Model):
    """Mirror of an asset's DEVICE custom fields, so that "a device belongs to at most one asset"
    and "at most one primary device per asset" are database constraints, not checks."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="device_links")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="asset_links")
    field_code = models.SlugField(max_length=64)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["field_code"]
        constraints = [
            models.UniqueConstraint(fields=["device"], name="device_linked_to_one_asset"),
            models.UniqueConstraint(fields=["asset", "field_code"], name="device_link_one_per_field"),
            models.UniqueConstraint(
                fields=["asset"], condition=Q(is_primary=True), name="asset_one_primary_device"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}.{self.field_code} -> {self.device_id}"


AssetUserObjectPermission, AssetTeamObjectPermission = object_permission_models(
    Asset, __name__, user_model="AssetUserObjectPermission", team_model="AssetTeamObjectPermission",
    team_doc="A permission given to a team (auth's Group) on one asset; not a grant on an asset group.",
)


class ApiToken(FastFromDb, models.Model):
    """A personal bearer token. Only a SHA-256 digest is stored; the token is shown once. Loaded
    by every API request (FastFromDb: without Model.__init__)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # NetBox's write-enabled flag, inverted: a read-only token may only GET, HEAD and OPTIONS.
    read_only = models.BooleanField(default=False)
    # Scope and client ranges are lists read with the token row itself (one query per request);
    # an empty list means "no restriction".
    organization_ids = models.JSONField(
        default=list, blank=True, help_text="Organizations the token is limited to; empty: whatever its user may."
    )
    allowed_ips = models.JSONField(
        default=list, blank=True, help_text="Client address ranges (CIDR) the token is accepted from; empty: any."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ChangeLogEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"

    time = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=255, blank=True, default="")
    # A plain column, not a foreign key: the history outlives the organization.
    organization_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True, default="")
    # Once an object is deleted nothing else remembers which version was deleted (the snapshots
    # hold values, not versions); the delete event's payload reads it from here.
    version = models.BigIntegerField(
        null=True, blank=True, help_text="Delete entries: the version the object had when it was deleted."
    )

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "change log entries"
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="change_object"),
            models.Index(fields=["organization_id", "id"], name="change_org"),
            models.Index(fields=["user", "id"], name="change_user"),
            # One import's or bulk action's entries (GET /changes?request_id, GET /assets?request_id).
            models.Index(fields=["request_id", "id"], name="change_request"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_id}"


class ImportJob(models.Model):
    """An import started from the browser: the file's text, its preview (a dry run) and, once
    confirmed, the background task's status, progress and outcome."""

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking the file"  # a large file's preview, run as a task
        PREVIEW = "preview", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        ASSETS = "assets", "Assets"
        GROUPS = "groups", "Groups"
        LINKS = "links", "Links"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ASSETS)
    file_format = models.CharField(max_length=8)
    update = models.BooleanField(default=False)  # upsert by key
    skip_bad_rows = models.BooleanField(default=False)
    text = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PREVIEW)
    total = models.PositiveIntegerField(default=0)  # records in the file
    done = models.PositiveIntegerField(default=0)  # records read so far by the running check or import
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{line, field, message}], at most MAX_SHOWN
    error = models.TextField(blank=True, default="")  # why the whole import failed
    written = models.BooleanField(default=False)
    request_id = models.CharField(max_length=32, blank=True, default="")  # of its change-log entries
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the running task (start and progress): a worker that died stops writing it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-id"], name="import_job_user")]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"

class SavedView(models.Model):
    """A named asset-list query (filters, ordering, custom-field columns): private to its owner,
    or shared with everyone who can see `organization` (assets.services.saved_views)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views",
        help_text="Empty: only the owner sees it.",
    )
    name = models.CharField(max_length=100)
    # {parameter: [values]} of GET /assets, only the parameters the list understands.
    query = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(null=True, blank=True, help_text="Custom-field codes shown as columns; empty = the type's default.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")]
        indexes = [models.Index(fields=["organization", "name"], name="saved_view_org")]

    def __str__(self) -> str:
        return self.name


class ColumnChoice(models.Model):
    """Which custom fields of a type one user shows as asset-list columns."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asset_type = models.ForeignKey(AssetType, on_delete=models.CASCADE, related_name="+")
    codes = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "asset_type"], name="column_choice_per_user_type")]

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.codes)}"
