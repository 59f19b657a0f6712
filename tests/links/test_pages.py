"""The links panel and the hierarchy browser, through real requests of a signed-in browser
(htmx requests carry the HX-Request header)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from links import queries
from links.models import Link
from tests.factories import PASSWORD, grant, make_asset, make_user

from .conftest import chain_assets, make_link

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def scene(arch, building, floors, floor_type):
    """building -> floor-1 (alias floor-1, tags structural, active) -> room-101; building ->
    floor-2; a hidden vault under the building; related model; email attachment."""
    room = make_asset(arch, floor_type, "Conference Room A", key="room-101")
    vault = make_asset(arch, floor_type, "Secret Vault <b>", key="secret-vault")
    model = make_asset(arch, floor_type, "Related Model", key="related-asset-1")
    make_link("parent_child", building, floors[0], alias="floor-1", tags=["structural", "active"])
    make_link("parent_child", building, floors[1])
    make_link("parent_child", floors[0], room)
    make_link("parent_child", building, vault)
    make_link("related", building, model)
    return {"room": room, "vault": vault, "model": model}


@pytest.fixture
def planner(arch, building, floors, scene):
    """Changes everything in the architecture database except the vault, which they can't see."""
    user = make_user("planner")
    for asset in (building, *floors, scene["room"], scene["model"]):
        grant(user, "change_asset", asset)
    return user


def test_panel_page_shows_sections_labels_and_hidden_counts(planner, building):
    response = browser(planner).get(f"/links/panel/{building.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Links of Main Building model" in html
    for heading in ("Parents", "Children", "Related", "Other links"):
        assert heading in html
    assert "Floor 1" in html and "Floor 2" in html and "Related Model" in html
    assert "1 hidden" in html
    assert "Secret Vault" not in html and "secret-vault" not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"')
    assert "Child" in html and "floor-1" in html and "structural" in html


def test_htmx_request_gets_the_partial_only(planner, building):
    response = browser(planner).get(f"/links/panel/{building.pk}/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith("<div class=\"links-panel\"")


def test_panel_of_an_invisible_asset_is_404(scene, planner):
    assert browser(planner).get(f"/links/panel/{scene['vault'].pk}/").status_code == 404
    assert browser(planner).get("/links/panel/999999/").status_code == 404


def test_panel_requires_sign_in(building):
    response = Client().get(f"/links/panel/{building.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_adding_a_child_and_a_parent_from_the_panel(planner, arch, building, floors, scene):
    client = browser(planner)
    parent_child = Link.objects.filter(alias="floor-1").get().link_type
    response = client.post(f"/links/panel/{building.pk}/add/", {
        "role": f"{parent_child.pk}:out", "target_id": floors[2].pk, "alias": "floor-3", "tags": "structural, new",
    }, **HTMX)
    assert response.status_code == 200
    link = Link.objects.get(source=building, target=floors[2])
    assert (link.alias, link.tags) == ("floor-3", ["structural", "new"])
    assert "Floor 3" in response.content.decode()
    campus = make_asset(arch, floors[0].type, "Campus", key="campus")
    grant(planner, "change_asset", campus)
    client.post(f"/links/panel/{building.pk}/add/", {"role": f"{parent_child.pk}:in", "target_id": campus.pk}, **HTMX)
    assert Link.objects.filter(source=campus, target=building).exists()


def test_add_errors_come_back_on_the_form_and_change_nothing(planner, building, floors, scene):
    client = browser(planner)
    parent_child = Link.objects.filter(alias="floor-1").get().link_type
    before = Link.objects.count()
    cycle = client.post(f"/links/panel/{floors[0].pk}/add/", {"role": f"{parent_child.pk}:out", "target_id": building.pk},
                        **HTMX)
    assert cycle.status_code == 200 and "own ancestor" in cycle.content.decode()
    hidden = client.post(f"/links/panel/{building.pk}/add/", {"role": f"{parent_child.pk}:out",
                                                              "target_id": scene["vault"].pk}, **HTMX)
    assert "does not exist" in hidden.content.decode() and "Secret Vault" not in hidden.content.decode()
    missing = client.post(f"/links/panel/{building.pk}/add/", {"role": f"{parent_child.pk}:out"})
    assert missing.status_code == 400 and "pick one" in missing.content.decode()
    bad_role = client.post(f"/links/panel/{building.pk}/add/", {"role": "999:out", "target_id": floors[2].pk}, **HTMX)
    assert bad_role.status_code == 200 and "errorlist" in bad_role.content.decode()
    assert Link.objects.count() == before


def test_editing_alias_and_tags_inline(planner, building):
    link = Link.objects.get(alias="floor-1")
    client = browser(planner)
    response = client.post(f"/links/link/{link.pk}/edit/", {
        "asset_id": building.pk, "version": 1, "alias": "first-floor", "tags": "structural, reviewed",
    }, **HTMX)
    assert response.status_code == 200
    link.refresh_from_db()
    assert (link.alias, link.tags, link.version) == ("first-floor", ["structural", "reviewed"], 2)
    stale = client.post(f"/links/link/{link.pk}/edit/", {"asset_id": building.pk, "version": 1, "tags": "x"}, **HTMX)
    assert "changed this link meanwhile" in stale.content.decode()
    link.refresh_from_db()
    assert link.tags == ["structural", "reviewed"]


def test_editing_the_alias_keeps_a_tag_that_holds_a_comma(planner, building):
    link = Link.objects.get(alias="floor-1")
    Link.objects.filter(pk=link.pk).update(tags=["north, east", "active"])
    panel = browser(planner).get(f"/links/panel/{building.pk}/", **HTMX).content.decode()
    assert 'name="tags_shown" value="north, east, active"' in panel
    response = browser(planner).post(f"/links/link/{link.pk}/edit/", {
        "asset_id": building.pk, "version": 1, "alias": "floor-one",
        "tags": "north, east, active", "tags_shown": "north, east, active",
    }, **HTMX)
    assert response.status_code == 200
    link.refresh_from_db()
    assert (link.alias, link.tags) == ("floor-one", ["north, east", "active"])


def test_removing_a_link_without_htmx_redirects_back(planner, building, floors):
    link = Link.objects.get(source=building, target=floors[1])
    response = browser(planner).post(f"/links/link/{link.pk}/delete/", {"asset_id": building.pk, "version": 1})
    assert response.status_code == 302 and response["Location"] == f"/links/panel/{building.pk}/"
    assert not Link.objects.filter(pk=link.pk).exists()


def test_view_only_users_get_no_forms_and_cannot_write(arch, building, floors, scene):
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", arch)
    client = browser(viewer)
    html = client.get(f"/links/panel/{building.pk}/").content.decode()
    assert "Add a link" not in html and "Remove" not in html
    link = Link.objects.get(alias="floor-1")
    client.post(f"/links/link/{link.pk}/delete/", {"asset_id": building.pk, "version": 1}, **HTMX)
    parent_child = link.link_type
    client.post(f"/links/panel/{building.pk}/add/", {"role": f"{parent_child.pk}:out", "target_id": floors[2].pk}, **HTMX)
    assert Link.objects.filter(pk=link.pk).exists()
    assert not Link.objects.filter(target=floors[2]).exists()


def test_forms_enforce_csrf(planner, building):
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.login(username=planner.username, password=PASSWORD)
    link = Link.objects.get(alias="floor-1")
    response = client.post(f"/links/link/{link.pk}/delete/", {"asset_id": building.pk, "version": 1})
    assert response.status_code == 403
    assert Link.objects.filter(pk=link.pk).exists()


def test_picker_searches_visible_assets_only(planner, building, scene):
    client = browser(planner)
    html = client.get("/links/picker/", {"q": "room", "asset_id": building.pk}, **HTMX).content.decode()
    assert "Conference Room A" in html and 'type="radio"' in html and 'name="target_id"' in html
    assert "Secret" not in client.get("/links/picker/", {"q": "secret"}, **HTMX).content.decode()
    itself = client.get("/links/picker/", {"q": "building", "asset_id": building.pk}, **HTMX).content.decode()
    assert "Main Building model" not in itself
    assert client.get("/links/picker/", {"q": ""}, **HTMX).content.decode().strip() == ""
    # Without JavaScript the panel itself searches.
    fallback = client.get(f"/links/panel/{building.pk}/", {"q": "room"}).content.decode()
    assert "Conference Room A" in fallback and 'value="room"' in fallback


def test_titles_are_escaped(planner, arch, building, floor_type):
    evil = make_asset(arch, floor_type, '<script>alert("x")</script>', key="evil")
    grant(planner, "change_asset", evil)
    make_link("attachment", building, evil, tags=["<img src=x onerror=alert(1)>"])
    html = browser(planner).get(f"/links/panel/{building.pk}/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_panel_query_count_does_not_grow_with_links(planner, arch, building, floor_type, django_assert_max_num_queries):
    client = browser(planner)
    client.get(f"/links/panel/{building.pk}/", **HTMX)
    with django_assert_max_num_queries(12) as captured:
        client.get(f"/links/panel/{building.pk}/", **HTMX)
    few = len(captured.captured_queries)
    for asset in chain_assets(arch, floor_type, 30, prefix="extra"):
        grant(planner, "change_asset", asset)
        make_link("attachment", building, asset)
    with django_assert_max_num_queries(few):
        client.get(f"/links/panel/{building.pk}/", **HTMX)


def test_hierarchy_page_lists_parents_and_expandable_children(planner, building, floors, scene):
    client = browser(planner)
    html = client.get(f"/links/hierarchy/{building.pk}/").content.decode()
    assert "Hierarchy of Main Building model" in html
    assert "Floor 1" in html and "Floor 2" in html and "1 hidden" in html and "Secret" not in html
    # floor-1 has a child, so its row expands lazily after itself.
    toggle = re.search(rf'hx-get="(/links/hierarchy/{floors[0].pk}/children/\?level=2)"', html)
    assert toggle and 'hx-swap="afterend"' in html
    rows = client.get(toggle.group(1).replace("&amp;", "&"), **HTMX).content.decode()
    assert "Conference Room A" in rows and "--level: 2" in rows and "<html" not in rows
    child_page = client.get(f"/links/hierarchy/{floors[0].pk}/").content.decode()
    assert "Main Building model" in child_page  # its parent


def test_large_levels_page_with_and_n_more(planner, arch, building, floor_type, monkeypatch):
    monkeypatch.setattr(queries, "CHILD_PAGE_SIZE", 3)
    for asset in chain_assets(arch, floor_type, 7, prefix="bolt"):
        grant(planner, "change_asset", asset)
        make_link("parent_child", building, asset, sequence=10)
    client = browser(planner)
    html = client.get(f"/links/hierarchy/{building.pk}/").content.decode()
    assert "… and 6 more" in html  # 9 children of the building, 3 shown
    more = re.search(r'hx-get="([^"]*shown=3)"', html).group(1).replace("&amp;", "&")
    page2 = client.get(more, **HTMX).content.decode()
    assert "… and 3 more" in page2 and page2.count('class="tree-row"') == 3
    assert client.get(f"/links/hierarchy/{building.pk}/children/", {"cursor": "bogus"}, **HTMX).status_code == 400


def test_hierarchy_query_count_is_constant(planner, arch, building, floor_type, django_assert_max_num_queries):
    client = browser(planner)
    client.get(f"/links/hierarchy/{building.pk}/children/", **HTMX)
    with django_assert_max_num_queries(10) as captured:
        client.get(f"/links/hierarchy/{building.pk}/children/", **HTMX)
    few = len(captured.captured_queries)
    for asset in chain_assets(arch, floor_type, 20, prefix="part"):
        grant(planner, "view_asset", asset)
        make_link("parent_child", building, asset)
    with django_assert_max_num_queries(few):
        client.get(f"/links/hierarchy/{building.pk}/children/", **HTMX)
