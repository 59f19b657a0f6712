"""links.demo seeds the seeds' example links idempotently; the admin writes through the services."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from assets import demo as assets_demo
from links import demo as links_demo
from links.models import Link, LinkType
from tests.factories import PASSWORD, make_user

from .conftest import make_link, system_type

pytestmark = pytest.mark.django_db


def test_demo_links_are_seeded_once():
    assets_demo.seed(io.StringIO())
    out = io.StringIO()
    links_demo.seed(out)
    assert "11 created" in out.getvalue()
    building = Link.objects.filter(source__key="building-model")
    assert building.count() == 5
    floor_3 = Link.objects.get(source__key="building-model", target__key="floor-plan-3")
    assert (floor_3.alias, floor_3.tags) == ("floor-3", ["structural", "active"])
    visuals = Link.objects.filter(link_type__code="product_visual").order_by("sequence")
    assert [link.target.key for link in visuals] == ["blueshirt", "shirt-front"]
    assert visuals[0].properties["role"] == "main_visual"
    product_visual = LinkType.objects.get(code="product_visual")
    assert (product_visual.source_label, product_visual.target_label) == ("Document", "Visual")
    again = io.StringIO()
    links_demo.seed(again)
    assert "0 created, 11 already there" in again.getvalue()
    assert Link.objects.count() == 11


def test_demo_without_assets_skips_instead_of_failing():
    make_user("admin", superuser=True)
    out = io.StringIO()
    links_demo.seed(out)
    assert "11 skipped" in out.getvalue()
    assert not Link.objects.exists()


def test_demo_without_any_superuser_says_so():
    out = io.StringIO()
    links_demo.seed(out)
    assert "skipped" in out.getvalue()


@pytest.fixture
def admin_browser(superuser):
    superuser.is_staff = True
    superuser.save()
    client = Client(HTTP_HOST="localhost")
    client.login(username=superuser.username, password=PASSWORD)
    return client


def test_admin_adds_links_through_the_services(admin_browser, building, floors):
    parent_child = system_type("parent_child")
    form = {"link_type": parent_child.pk, "source": building.pk, "target": floors[0].pk, "alias": "",
            "tags": '["structural"]', "properties": "{}", "sequence": 0, "description": ""}
    response = admin_browser.post("/admin/links/link/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    link = Link.objects.get()
    assert (link.kind, link.tags, link.created_by.is_superuser) == ("hierarchical", ["structural"], True)
    duplicate = admin_browser.post("/admin/links/link/add/", form)
    assert duplicate.status_code == 200 and "exists" in duplicate.content.decode()
    cycle = admin_browser.post("/admin/links/link/add/", {**form, "source": floors[0].pk, "target": building.pk})
    assert cycle.status_code == 200 and "own ancestor" in cycle.content.decode()
    bad_alias = admin_browser.post("/admin/links/link/add/", {**form, "link_type": system_type("related").pk, "alias": "x"})
    assert bad_alias.status_code == 200 and "does not allow aliases" in bad_alias.content.decode()
    assert Link.objects.count() == 1


def test_admin_changes_and_deletes_links(admin_browser, building, floors):
    link = make_link("parent_child", building, floors[0], tags=["a"])
    page = admin_browser.get(f"/admin/links/link/{link.pk}/change/")
    assert page.status_code == 200
    response = admin_browser.post(f"/admin/links/link/{link.pk}/change/", {
        "alias": "north", "tags": '["a", "b"]', "properties": "{}", "sequence": 3, "description": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    link.refresh_from_db()
    assert (link.alias, link.tags, link.sequence, link.version) == ("north", ["a", "b"], 3, 2)
    assert admin_browser.post(f"/admin/links/link/{link.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Link.objects.exists()
    assert admin_browser.get("/admin/links/link/").status_code == 200


def test_admin_keeps_system_link_types_read_only(admin_browser, arch):
    parent_child = system_type("parent_child")
    admin_browser.post(f"/admin/links/linktype/{parent_child.pk}/change/", {"name": "Mine"})
    parent_child.refresh_from_db()
    assert parent_child.name == "Parent / child"
    response = admin_browser.post("/admin/links/linktype/add/", {
        "organization": arch.pk, "code": "contains", "name": "Contains", "kind": "hierarchical",
        "source_label": "Assembly", "target_label": "Part", "description": "", "allow_alias": "on",
        "source_type_codes": "[]", "target_type_codes": "[]",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert LinkType.objects.get(code="contains").allow_alias is True
    clash = admin_browser.post("/admin/links/linktype/add/", {
        "organization": arch.pk, "code": "related", "name": "Mine", "kind": "peer",
        "source_type_codes": "[]", "target_type_codes": "[]",
    })
    assert clash.status_code == 200 and "system link type" in clash.content.decode()
    assert admin_browser.get("/admin/links/linktype/").status_code == 200


def test_an_admin_delete_the_service_refuses_changes_nothing_and_says_why(arch, building, floors):
    from django.contrib.admin.models import DELETION, LogEntry

    from tests.factories import grant

    link = make_link("parent_child", building, floors[0])
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    grant(clerk, "links.view_link")
    grant(clerk, "links.delete_link")
    grant(clerk, "view_org_assets", arch)  # sees both ends, may change neither
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(clerk)
    response = browser.post(f"/admin/links/link/{link.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Link.objects.filter(pk=link.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION, object_id=str(link.pk)).exists()
    bulk = browser.post("/admin/links/link/", {"action": "delete_selected", "_selected_action": [link.pk], "post": "yes"})
    assert bulk.status_code == 403 and Link.objects.filter(pk=link.pk).exists()
