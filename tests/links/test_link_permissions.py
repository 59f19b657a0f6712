"""Links need change permission on BOTH endpoints; an endpoint the user can't see is a 404, one
they only see is a 403."""

from __future__ import annotations

import pytest

from links.models import Link
from tests.conftest import ApiClient
from tests.factories import grant, make_user

from .conftest import make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_editor(building, floors):
    """Changes the building, only views floor-1, can't see floor-2."""
    user = make_user("half-editor")
    grant(user, "change_asset", building)
    grant(user, "view_asset", floors[0])
    return user


def post_link(api, link_type, source, target, **extra):
    return api.post("/links", {"link_type": link_type, "source_id": source.pk, "target_id": target.pk, **extra})


def test_create_needs_change_on_both_endpoints(half_editor, building, floors):
    api = ApiClient(half_editor)
    view_only = post_link(api, "parent_child", building, floors[0])
    assert view_only.status_code == 403 and view_only.json()["code"] == "FORBIDDEN"
    view_only_source = post_link(api, "parent_child", floors[0], building)
    assert view_only_source.status_code == 403
    invisible = post_link(api, "parent_child", building, floors[1])
    assert invisible.status_code == 404 and invisible.json()["code"] == "NOT_FOUND"
    assert "Floor 2" not in invisible.content.decode()
    assert not Link.objects.exists()


def test_update_and_delete_need_change_on_both_endpoints(half_editor, building, floors):
    link = make_link("parent_child", building, floors[0], tags=["a"])
    api = ApiClient(half_editor)
    assert api.get(f"/links/{link.pk}").status_code == 200
    patch = api.patch(f"/links/{link.pk}", {"tags": ["b"]})
    assert patch.status_code == 403 and patch.json()["code"] == "FORBIDDEN"
    assert api.delete(f"/links/{link.pk}").status_code == 403
    link.refresh_from_db()
    assert link.tags == ["a"] and link.version == 1


def test_link_with_an_invisible_endpoint_is_404_everywhere(half_editor, building, floors):
    link = make_link("parent_child", building, floors[1])
    api = ApiClient(half_editor)
    assert api.get(f"/links/{link.pk}").status_code == 404
    assert api.patch(f"/links/{link.pk}", {"tags": []}).status_code == 404
    assert api.delete(f"/links/{link.pk}").status_code == 404
    assert api.get("/links").json()["items"] == []
    assert Link.objects.filter(pk=link.pk).exists()


def test_changing_both_endpoints_is_enough(half_editor, building, floors):
    grant(half_editor, "change_asset", floors[0])
    api = ApiClient(half_editor)
    created = post_link(api, "parent_child", building, floors[0])
    assert created.status_code == 201
    assert api.patch(f"/links/{created.json()['id']}", {"tags": ["ok"]}).status_code == 200
    assert api.delete(f"/links/{created.json()['id']}").status_code == 204


def test_view_only_user_reads_but_cannot_write(arch, building, floors):
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", arch)
    link = make_link("related", building, floors[0])
    api = ApiClient(viewer)
    assert api.get(f"/links/{link.pk}").status_code == 200
    assert post_link(api, "related", building, floors[1]).status_code == 403
    assert api.put(f"/assets/{building.pk}/links", {"links": []}).status_code == 403
    assert Link.objects.count() == 1
