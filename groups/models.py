"""Asset groups: named, nested collections of assets (Navixy's "asset links"), one mptt tree per
root, every tree inside one organization."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from assets.core.object_permissions import object_permission_models
from assets.models import Asset, Organization, VersionedModel


class AssetGroup(MPTTModel, VersionedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="asset_groups")
    title = models.CharField(max_length=255)
    # Optional stable name for clients (Quable's classification id); unique per organization.
    code = models.SlugField(max_length=64, null=True, blank=True, help_text="Optional; unique within the organization.")
    description = models.TextField(blank=True, default="")
    parent = TreeForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # Chosen on the root; every node of the tree carries the root's value so that memberships
    # and the API can read it without a join to the root.
    exclusive = models.BooleanField(
        default=False,
        help_text="On a root group: an asset belongs to at most one group of this tree; "
        "adding it to another group of the tree moves it there.",
    )

    change_log_type = "group"

    class MPTTMeta:
        # Siblings are listed by title in queries; insertion order in lft keeps inserts cheap
        # (no sibling lookup) and renames free of tree moves.
        order_insertion_by: list[str] = []

    class Meta:
        ordering = ["tree_id", "lft"]
        # Django's defaults would be view_assetgroup etc.; the API and the grants speak of
        # groups. auth.Group has codenames of the same spelling, so always qualify them with
        # the app label ("groups.change_group").
        default_permissions = ()
        permissions = [
            ("view_group", "View the group and its subgroups"),
            ("change_group", "Change the group, its subgroups and their members"),
            ("view_group_assets", "View every asset filed in the group or its subgroups"),
            ("change_group_assets", "Change every asset filed in the group or its subgroups"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="group_code_unique_per_org", condition=Q(code__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["tree_id", "lft"], name="group_tree_lft"),
            models.Index(fields=["parent", "title", "id"], name="group_parent_title"),
            models.Index(
                fields=["organization", "title", "id"], name="group_root_title", condition=Q(parent__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def to_change_dict(self) -> dict:
        return {
            "organization_id": self.organization_id,
            "title": self.title,
            "code": self.code,
            "description": self.description,
            "parent_id": self.parent_id,
            "exclusive": self.exclusive,
        }


class GroupMembership(models.Model):
    """An asset filed in a group.

    `root` names the group's tree by its root group rather than by mptt's tree_id: mptt
    renumbers tree_ids behind our back (rebuild(), roots inserted left/right of others), while a
    root's primary key never changes. With `exclusive` copied from the root, the partial unique
    constraint (asset, root) WHERE exclusive makes "one group per exclusive tree" a database
    rule, not a check that races."""

    group = models.ForeignKey(AssetGroup, on_delete=models.CASCADE, related_name="memberships")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="group_memberships")
    root = models.ForeignKey(AssetGroup, on_delete=models.CASCADE, related_name="+")
    exclusive = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["group", "asset"]
        constraints = [
            models.UniqueConstraint(fields=["group", "asset"], name="group_membership_unique"),
            models.UniqueConstraint(
                fields=["asset", "root"], condition=Q(exclusive=True), name="asset_one_group_per_exclusive_tree"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} in {self.group_id}"


AssetGroupUserObjectPermission, AssetGroupTeamObjectPermission = object_permission_models(
    AssetGroup, __name__, user_model="AssetGroupUserObjectPermission", team_model="AssetGroupTeamObjectPermission"
)
