"""/organizations: the dealer hierarchy, who may create below whom, versions and deletion."""

from __future__ import annotations

from assets.models import ChangeLogEntry, Organization
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .helpers import assert_problem


def _tree_is_sound() -> bool:
    """Every node's nested-set bounds enclose exactly its descendants."""
    for node in Organization.objects.all():
        descendants = Organization.objects.filter(tree_id=node.tree_id, lft__gt=node.lft, rght__lt=node.rght)
        if node.rght - node.lft - 1 != 2 * descendants.count():
            return False
        if node.parent_id and not Organization.objects.filter(
            pk=node.parent_id, lft__lt=node.lft, rght__gt=node.rght, tree_id=node.tree_id
        ).exists():
            return False
    return True


def test_superuser_creates_a_dealer_hierarchy(admin_api):
    dealer = admin_api.post("/organizations", {"key": "navixy-dealer", "title": "Navixy Dealer"})
    assert dealer.status_code == 201
    dealer = dealer.json()
    assert dealer["parent_id"] is None and dealer["level"] == 0 and dealer["version"] == 1
    child = admin_api.post("/organizations", {"key": "translog", "title": "TransLog GmbH", "parent_id": dealer["id"]})
    assert child.status_code == 201
    assert child.json()["parent_id"] == dealer["id"] and child.json()["level"] == 1
    listed = admin_api.get("/organizations", {"parent_id": dealer["id"]}).json()
    assert [o["key"] for o in listed["items"]] == ["translog"]
    assert "total_count" not in listed
    roots = admin_api.get("/organizations", {"root": "true", "count": "true"}).json()
    assert [o["key"] for o in roots["items"]] == ["navixy-dealer"] and roots["total_count"] == 1
    assert ChangeLogEntry.objects.filter(object_type="organization", action="create").count() == 2
    assert _tree_is_sound()


def test_manage_org_on_the_parent_allows_creating_children(org, manager_api, manager):
    response = manager_api.post("/organizations", {"key": "translog-north", "title": "North", "parent_id": org.pk})
    assert response.status_code == 201
    # The creator keeps managing what they created.
    child_id = response.json()["id"]
    assert manager_api.patch(f"/organizations/{child_id}", {"title": "TransLog North"}).status_code == 200


def test_who_may_not_create_organizations(org, viewer_api, outsider_api, manager_api):
    assert_problem(viewer_api.post("/organizations", {"key": "x", "title": "X", "parent_id": org.pk}), 403, "FORBIDDEN")
    assert_problem(outsider_api.post("/organizations", {"key": "x", "title": "X", "parent_id": org.pk}), 404)
    # Only superusers create top-level organizations.
    assert_problem(manager_api.post("/organizations", {"key": "x", "title": "X"}), 403, "FORBIDDEN")


def test_organization_input_is_validated(admin_api, org):
    assert_problem(admin_api.post("/organizations", {"key": "has space", "title": "X"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.post("/organizations", {"key": "ok", "title": ""}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.post("/organizations", {"key": "translog", "title": "Again"}), 409, "DUPLICATE")
    assert_problem(admin_api.post("/organizations", {"key": "ok", "title": "X", "parent_id": 987654}), 404)
    assert_problem(admin_api.patch(f"/organizations/{org.pk}", {"colour": "red"}), 400, "VALIDATION_ERROR")


def test_visibility_of_organizations(org, viewer_api, outsider_api):
    make_org("elsewhere")
    assert [o["key"] for o in viewer_api.get("/organizations").json()["items"]] == ["translog"]
    assert outsider_api.get("/organizations").json()["items"] == []
    assert_problem(outsider_api.get(f"/organizations/{org.pk}"), 404, "NOT_FOUND")
    assert viewer_api.get(f"/organizations/{org.pk}").json()["title"] == "TransLog GmbH"
    assert_problem(viewer_api.patch(f"/organizations/{org.pk}", {"title": "Mine"}), 403, "FORBIDDEN")
    assert_problem(outsider_api.patch(f"/organizations/{org.pk}", {"title": "Mine"}), 404, "NOT_FOUND")


def test_patch_with_a_stale_version_is_a_conflict_and_changes_nothing(admin_api, org):
    first = admin_api.patch(f"/organizations/{org.pk}", {"version": 1, "title": "TransLog"})
    assert first.status_code == 200 and first.json()["version"] == 2
    body = assert_problem(admin_api.patch(f"/organizations/{org.pk}", {"version": 1, "title": "Stale"}), 409, "CONFLICT")
    assert body["entity_type"] == "organization" and body["entity_id"] == org.pk
    assert body["expected_version"] == 1 and body["current_version"] == 2
    org.refresh_from_db()
    assert org.title == "TransLog" and org.version == 2


def test_moving_an_organization_keeps_the_tree_sound_and_refuses_cycles(admin_api):
    dealer = make_org("dealer")
    translog = make_org("translog", parent=dealer)
    north = make_org("north", parent=translog)
    other = make_org("other-dealer")
    moved = admin_api.patch(f"/organizations/{translog.pk}", {"parent_id": other.pk})
    assert moved.status_code == 200 and moved.json()["parent_id"] == other.pk
    north.refresh_from_db()
    assert north.get_root().pk == other.pk and north.level == 2
    assert _tree_is_sound()
    assert_problem(admin_api.patch(f"/organizations/{other.pk}", {"parent_id": north.pk}), 409, "CYCLE")
    assert_problem(admin_api.patch(f"/organizations/{other.pk}", {"parent_id": other.pk}), 409, "CYCLE")
    to_root = admin_api.patch(f"/organizations/{translog.pk}", {"parent_id": None})
    assert to_root.status_code == 200 and to_root.json()["level"] == 0
    assert _tree_is_sound()


def test_a_manager_may_not_move_to_the_top_or_under_an_unmanaged_parent(org, manager, manager_api):
    child = make_org("child", parent=org)
    grant(manager, "manage_org", child)
    stranger_org = make_org("strangers")
    assert_problem(manager_api.patch(f"/organizations/{child.pk}", {"parent_id": None}), 403, "FORBIDDEN")
    assert_problem(manager_api.patch(f"/organizations/{child.pk}", {"parent_id": stranger_org.pk}), 404)


def test_delete_is_blocked_by_dependents_and_versioned(admin_api, org, truck_type):
    make_asset(org, truck_type)
    body = assert_problem(admin_api.delete(f"/organizations/{org.pk}"), 409, "IN_USE")
    assert "1 assets" in body["detail"]
    empty = make_org("empty")
    leaf = make_org("leaf", parent=empty)
    assert_problem(admin_api.delete(f"/organizations/{empty.pk}"), 409, "IN_USE")
    assert_problem(admin_api.delete(f"/organizations/{leaf.pk}?version=7"), 409, "CONFLICT")
    assert admin_api.delete(f"/organizations/{leaf.pk}?version=1").status_code == 204
    assert not Organization.objects.filter(pk=leaf.pk).exists()
    assert ChangeLogEntry.objects.filter(object_type="organization", object_id=leaf.pk, action="delete").exists()
    assert _tree_is_sound()
    assert admin_api.delete(f"/organizations/{empty.pk}").status_code == 204


def test_delete_needs_manage_org(org, viewer_api):
    assert_problem(viewer_api.delete(f"/organizations/{org.pk}"), 403, "FORBIDDEN")


def test_organization_lists_reject_unknown_parameters_and_bad_cursors(admin_api, org):
    assert_problem(admin_api.get("/organizations", {"parent": org.pk}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/organizations", {"cursor": "!!!"}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/organizations", {"limit": 100000}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/organizations", {"limit": 0}), 400, "VALIDATION_ERROR")
    assert_problem(admin_api.get("/organizations", {"parent_id": "x"}), 400, "VALIDATION_ERROR")


def test_organizations_page_through_with_cursors(admin_api):
    for n in range(7):
        make_org(f"org-{n}", title=f"Org {n}")
    seen, cursor = [], None
    while True:
        body = admin_api.get("/organizations", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [o["key"] for o in body["items"]]
        if not body["page_info"]["has_next_page"]:
            assert body["page_info"]["end_cursor"] is not None
            break
        cursor = body["page_info"]["end_cursor"]
    assert seen == [f"org-{n}" for n in range(7)]


def test_organization_types_of_a_team_manager(org):
    # manage_org through a team counts as well.
    from django.contrib.auth.models import Group as Team

    user = make_user("via-team")
    team = Team.objects.create(name="managers")
    team.user_set.add(user)
    grant(team, "manage_org", org)
    response = ApiClient(user).post(
        "/asset-types", {"organization_id": org.pk, "code": "forklift", "title": "Forklift"}
    )
    assert response.status_code == 201
    assert make_type(org).organization_id == org.pk
