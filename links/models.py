"""Link types and typed links between assets.

The rules that must hold under concurrency live in the database: no self-links (check
constraint) and no duplicate links (partial unique indexes, with the alias part of the identity
and peer links compared as an unordered pair). Acyclicity of hierarchical types is checked by
the services under a per-type lock (see `links.services`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from assets.core.catalogue import CatalogueQuerySet
from assets.models import Asset, Organization, VersionedModel


class LinkKind(models.TextChoices):
    HIERARCHICAL = "hierarchical", "Hierarchical (parent / child, acyclic)"
    PEER = "peer", "Peer (symmetric)"
    DIRECTED = "directed", "Directed"


class LinkType(VersionedModel):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="link_types",
        help_text="Empty for a system type, shared by every organization.",
    )
    code = models.SlugField(max_length=64, help_text="Immutable after creation.")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=LinkKind.choices, help_text="Immutable after creation.")
    source_label = models.CharField(max_length=128, blank=True, default="")
    target_label = models.CharField(max_length=128, blank=True, default="")
    description = models.TextField(blank=True, default="")
    allow_alias = models.BooleanField(
        default=False, help_text="The alias is part of a link's identity: one child may hang under a parent several times."
    )
    source_type_codes = models.JSONField(default=list, blank=True, help_text="Asset type codes allowed as source; empty = any.")
    target_type_codes = models.JSONField(default=list, blank=True, help_text="Asset type codes allowed as target; empty = any.")
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CatalogueQuerySet.as_manager()

    change_log_type = "link_type"

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="link_type_code_unique_per_org",
                condition=Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["code"], name="link_type_code_unique_system", condition=Q(organization__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_system(self) -> bool:
        return self.organization_id is None

    def to_change_dict(self) -> dict:
        return {
            "organization_id": self.organization_id,
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "source_label": self.source_label,
            "target_label": self.target_label,
            "description": self.description,
            "allow_alias": self.allow_alias,
            "source_type_codes": self.source_type_codes,
            "target_type_codes": self.target_type_codes,
        }


class Link(VersionedModel):
    link_type = models.ForeignKey(LinkType, on_delete=models.PROTECT, related_name="links")
    # CASCADE: deleting an asset removes its links in the same transaction (the asset delete
    # hook logs them first), so a link never dangles.
    source = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="outgoing_links")
    target = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="incoming_links")
    # Copy of link_type.kind (immutable): the unique indexes and the tree query need it without a join.
    kind = models.CharField(max_length=16, choices=LinkKind.choices, editable=False)
    alias = models.CharField(max_length=128, null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    sequence = models.IntegerField(default=0, help_text="Ordering among the source's links.")
    description = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    change_log_type = "link"

    class Meta:
        ordering = ["sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="link_no_self_link"),
            # A missing alias counts as the empty alias, so two alias-less links collide while
            # the same child under one parent with different aliases does not.
            models.UniqueConstraint(
                F("link_type"), F("source"), F("target"), Coalesce("alias", Value("")),
                name="link_unique_ordered", condition=~Q(kind=LinkKind.PEER),
            ),
            # Peer links are symmetric: A-B and B-A are the same link.
            models.UniqueConstraint(
                F("link_type"), Least("source", "target"), Greatest("source", "target"), Coalesce("alias", Value("")),
                name="link_unique_peer_pair", condition=Q(kind=LinkKind.PEER),
            ),
        ]
        indexes = [
            models.Index(fields=["source", "kind", "link_type"], name="link_source_kind"),
            models.Index(fields=["target", "kind", "link_type"], name="link_target_kind"),
            models.Index(fields=["link_type", "source"], name="link_type_source"),
        ]

    def __str__(self) -> str:
        # Ids, not titles: the change log shows this to the source's organization, which may not
        # see the target.
        return f"{self.link_type_id}: {self.source_id} -> {self.target_id}"

    def to_change_dict(self) -> dict:
        return {
            "link_type_id": self.link_type_id,
            "source_id": self.source_id,
            "target_id": self.target_id,
            "alias": self.alias,
            "tags": self.tags,
            "properties": self.properties,
            "sequence": self.sequence,
            "description": self.description,
        }
