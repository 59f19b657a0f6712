"""The inheritance rule that asset types and link types share (assets.core.catalogue): SYSTEM
entries for everyone, an organization's own, and those of its ancestors, never a sibling's."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assets.core.catalogue import ORGANIZATION, PARENT_ORGANIZATION, SYSTEM, origin
from assets.models import AssetType
from links.models import LinkType
from tests.factories import grant, make_asset, make_org, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    dealer = make_org("cat-dealer")
    branch = make_org("cat-branch", parent=dealer)
    sibling = make_org("cat-sibling", parent=dealer)
    other = make_org("cat-other")
    return SimpleNamespace(dealer=dealer, branch=branch, sibling=sibling, other=other)


def _entries(model, tree) -> dict[str, object]:
    owners = {"system": None, "dealer": tree.dealer, "branch": tree.branch, "sibling": tree.sibling, "other": tree.other}
    extra = {"title": "t"} if model is AssetType else {"name": "n", "kind": "peer"}
    return {name: model.objects.create(organization=owner, code=f"cat-{name}", **extra) for name, owner in owners.items()}


def _names(queryset) -> set[str]:
    return {code.removeprefix("cat-") for code in queryset.filter(code__startswith="cat-").values_list("code", flat=True)}


@pytest.mark.parametrize("model", [AssetType, LinkType])
def test_an_organization_inherits_from_its_ancestors_not_from_its_siblings(model, tree):
    entries = _entries(model, tree)
    assert _names(model.objects.available_to(tree.branch)) == {"system", "dealer", "branch"}
    assert _names(model.objects.available_to(tree.dealer)) == {"system", "dealer"}
    assert _names(model.objects.available_to(tree.other)) == {"system", "other"}
    assert origin(entries["system"], tree.branch) == SYSTEM
    assert origin(entries["dealer"], tree.branch) == PARENT_ORGANIZATION
    assert origin(entries["branch"], tree.branch) == ORGANIZATION
    assert origin(entries["dealer"], None) == ORGANIZATION


@pytest.mark.parametrize("model", [AssetType, LinkType])
def test_many_organizations_at_once_match_one_at_a_time_in_two_queries(model, tree, django_assert_num_queries):
    _entries(model, tree)
    organizations = [tree.dealer, tree.branch, tree.sibling, tree.other]
    with django_assert_num_queries(2):
        each = model.objects.available_to_each(organizations)
    for organization in organizations:
        assert {e.code for e in each[organization.pk] if e.code.startswith("cat-")} == {
            f"cat-{name}" for name in _names(model.objects.available_to(organization))
        }
    assert model.objects.available_to_each([]) == {}


@pytest.mark.parametrize("model", [AssetType, LinkType])
def test_a_user_reads_what_the_organizations_they_see_hold_and_inherit(model, tree):
    _entries(model, tree)
    branch_viewer = make_user()
    grant(branch_viewer, "view_org_assets", tree.branch)
    # The dealer's entries are inherited by the branch, so its viewer reads them; not the sibling's.
    assert _names(model.objects.visible_to(branch_viewer)) == {"system", "dealer", "branch"}
    assert _names(model.objects.visible_to(make_user())) == {"system"}
    assert _names(model.objects.visible_to(make_user(superuser=True))) == {
        "system", "dealer", "branch", "sibling", "other"
    }



def test_the_condition_on_a_related_path_reads_what_visible_to_reads(tree):
    from assets.access.permissions import limit_to_organizations
    from assets.models import CustomFieldDefinition

    entries = _entries(AssetType, tree)
    for entry in entries.values():
        CustomFieldDefinition.objects.create(asset_type=entry, code="plate", title="p", field_type="STRING")
    object_viewer = make_user()
    grant(object_viewer, "view_asset", make_asset(tree.sibling, entries["sibling"], "Truck"))
    branch_viewer = make_user()
    grant(branch_viewer, "view_org_assets", tree.branch)
    scoped = make_user()
    grant(scoped, "view_org_assets", tree.branch)
    grant(scoped, "view_org_assets", tree.other)
    limit_to_organizations(scoped, [tree.other.pk])
    definitions = CustomFieldDefinition.objects.filter(code="plate")
    for user in (branch_viewer, object_viewer, scoped, make_user(), make_user(superuser=True)):
        condition = AssetType.objects.visible_condition(user, "asset_type__")
        reached = definitions if condition is None else definitions.filter(condition)
        assert _names(AssetType.objects.filter(field_definitions__in=reached)) == _names(
            AssetType.objects.visible_to(user)
        )
