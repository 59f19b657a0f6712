"""Catalogues that organizations inherit: asset types and link types.

An entry without an organization is a SYSTEM entry, shared by every organization; an entry of
an organization is its own and is inherited by every organization below it in the hierarchy.
Both models take `CatalogueQuerySet` as their manager, so the rule is written here only."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

SYSTEM, ORGANIZATION, PARENT_ORGANIZATION = "SYSTEM", "ORGANIZATION", "PARENT_ORGANIZATION"


def origin(entry, organization) -> str:
    """Where `entry` comes from, seen from `organization` (None: from the entry's own)."""
    if entry.organization_id is None:
        return SYSTEM
    if organization is None or entry.organization_id == organization.pk:
        return ORGANIZATION
    return PARENT_ORGANIZATION


class CatalogueQuerySet(models.QuerySet):
    def _owners(self):
        return self.model._meta.get_field("organization").related_model.objects

    def _owned_by(self, organization_ids) -> Q:
        return Q(organization__isnull=True) | Q(organization_id__in=organization_ids)

    def available_to(self, organization) -> CatalogueQuerySet:
        """SYSTEM entries, the organization's own and those inherited from its ancestors."""
        return self.filter(self._owned_by(organization.get_ancestors(include_self=True).values("pk")))

    def visible_to(self, user) -> CatalogueQuerySet:
        """Entries a user may read: SYSTEM ones, and those available to an organization they can
        see (an ancestor's entries are readable whether or not the ancestor is visible)."""
        from assets.access.permissions import organization_scope

        if user.is_superuser:
            return self.all()
        owners = self._owners()
        visible = organization_scope(owners.all(), user)
        lineage = owners.filter(
            Exists(visible.filter(tree_id=OuterRef("tree_id"), lft__gte=OuterRef("lft"), rght__lte=OuterRef("rght")))
        ).values("pk")
        return self.filter(self._owned_by(lineage))

    def visible_condition(self, user, path: str) -> Q | None:
        """The rule of `visible_to` as a condition over rows that reach an entry through `path`
        (`"asset_type__"` from a custom-field definition), None when every entry is readable.
        Correlated with each row's entry, it tests only the organizations below that entry's own
        (a SYSTEM entry none): `visible_to`'s lineage subquery tests every pair of organizations
        there are, each with its per-object grant probe, whatever the rows asked for."""
        from assets.access.permissions import organization_scope

        if user.is_superuser:
            return None
        owner = f"{path}organization__"
        visible = organization_scope(self._owners().all(), user)
        return Q(**{f"{owner}isnull": True}) | Q(Exists(visible.filter(
            tree_id=OuterRef(f"{owner}tree_id"), lft__gte=OuterRef(f"{owner}lft"), rght__lte=OuterRef(f"{owner}rght")
        )))

    def available_to_each(self, organizations) -> dict[int, list]:
        """{organization id: [entries available to it]} for several organizations in two queries
        whatever their number: the lineages are resolved on the mptt columns of their trees."""
        if not organizations:
            return {}
        trees = list(
            self._owners().filter(tree_id__in={o.tree_id for o in organizations}).only("tree_id", "lft", "rght")
        )
        lineage = {
            o.pk: {a.pk for a in trees if a.tree_id == o.tree_id and a.lft <= o.lft and a.rght >= o.rght}
            for o in organizations
        }
        entries = list(self.filter(self._owned_by(set().union(*lineage.values()))))
        return {
            o.pk: [e for e in entries if e.organization_id is None or e.organization_id in lineage[o.pk]]
            for o in organizations
        }
