"""The tree browser pages: full renders without JavaScript, htmx partials, forms that call the
services, errors as messages, CSRF on every form."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from assets.models import Asset
from groups.models import AssetGroup, GroupMembership
from groups.queries import tree_problems
from tests.factories import grant, make_user

from .conftest import make_group


def browser(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_tree_page_lists_roots_without_javascript(superuser, org, germany):
    make_group(superuser, org, "Boston boats")
    response = browser(superuser).get(f"/groups/?organization={org.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Boston boats" in html and "Germany" in html
    # Subgroups load lazily, with a plain link as the no-JavaScript way down.
    assert f'hx-get="/groups/{germany["root"].pk}/children/"' in html
    assert f'href="/groups/{germany["root"].pk}/"' in html
    assert "North" not in html


def test_group_page_opens_the_path_and_shows_members(superuser, org, germany, trucks):
    response = browser(superuser).get(f"/groups/{germany['hamburg'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Germany", "North", "South", "Hamburg depot", "Berlin depot", "Truck 1", "Truck 2"):
        assert title in html
    assert 'aria-current="page">Hamburg depot' in html
    assert f'id="tree-node-{germany["south"].pk}"' in html
    assert f'id="tree-node-{germany["munich"].pk}"' not in html  # South stays closed
    assert html.count('name="csrfmiddlewaretoken"') >= 6


def test_children_partial_is_a_fragment_of_rows(superuser, germany):
    response = browser(superuser).get(f"/groups/{germany['north'].pk}/children/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.index("Berlin depot") < html.index("Hamburg depot")


def test_large_levels_show_fifty_and_and_n_more(superuser, org):
    parent = make_group(superuser, org, "Depots")
    for n in range(53):
        make_group(superuser, org, f"Depot {n:02}", parent)
    client = browser(superuser)
    first = client.get(f"/groups/{parent.pk}/children/").content.decode()
    assert first.count('class="tree-node') == 50
    assert "… and 3 more" in first
    more_url = re.search(r'hx-get="([^"]+)" hx-target="closest li"', first).group(1).replace("&amp;", "&")
    rest = client.get(more_url).content.decode()
    assert rest.count('class="tree-node') == 3 and "more" not in rest
    assert "Depot 52" in rest
    # Without JavaScript the link opens the group page past the first fifty.
    page_url = re.search(r'<a href="([^"]+)" hx-get', first).group(1).replace("&amp;", "&")
    assert "Depot 52" in client.get(page_url).content.decode()


def test_roots_partial_pages_the_top_level(superuser, org):
    for n in range(52):
        make_group(superuser, org, f"Fleet {n:02}")
    client = browser(superuser)
    page = client.get(f"/groups/?organization={org.pk}").content.decode()
    assert "… and 2 more" in page
    more_url = re.search(r'hx-get="(/groups/roots/[^"]+)"', page).group(1).replace("&amp;", "&")
    assert client.get(more_url).content.decode().count('class="tree-node') == 2
    assert client.get(f"/groups/roots/?organization={org.pk}&after=garbage").status_code == 404


def test_members_partial_pages(superuser, org, vehicle_type):
    from tests.factories import make_asset

    assets = [make_asset(org, vehicle_type, f"Boat {n:02}") for n in range(30)]
    group = make_group(superuser, org, "Boston boats", asset_ids=[a.pk for a in assets])
    client = browser(superuser)
    page = client.get(f"/groups/{group.pk}/").content.decode()
    assert "Boat 24" in page and "Boat 25" not in page
    next_url = re.search(r'hx-get="(/groups/\d+/members/[^"]+)"', page).group(1).replace("&amp;", "&")
    rest = client.get(next_url).content.decode()
    assert "Boat 25" in rest and "Boat 29" in rest


def test_create_rename_move_delete_through_the_page(superuser, org, germany):
    client = browser(superuser)
    created = client.post("/groups/create/", {"organization_id": org.pk, "parent_id": germany["north"].pk,
                                              "title": "Kiel depot"}, follow=True)
    kiel = AssetGroup.objects.get(title="Kiel depot")
    assert created.redirect_chain[-1][0] == f"/groups/{kiel.pk}/"
    assert "Created group 'Kiel depot'." in messages_of(created)
    assert kiel.exclusive is True

    client.post(f"/groups/{kiel.pk}/rename/", {"title": "Kiel harbour", "description": "Port", "version": 1})
    kiel.refresh_from_db()
    assert kiel.title == "Kiel harbour" and kiel.version == 2

    client.post(f"/groups/{kiel.pk}/move/", {"parent_id": germany["south"].pk, "version": 2})
    kiel.refresh_from_db()
    assert kiel.parent_id == germany["south"].pk

    deleted = client.post(f"/groups/{kiel.pk}/delete/", {"version": 3}, follow=True)
    assert not AssetGroup.objects.filter(pk=kiel.pk).exists()
    assert deleted.redirect_chain[-1][0] == f"/groups/{germany['south'].pk}/"
    assert tree_problems() == []


def test_create_root_from_the_tree_page(superuser, org):
    response = browser(superuser).post("/groups/create/", {"organization_id": org.pk, "title": "Regions",
                                                           "exclusive": "on"})
    assert response.status_code == 302
    assert AssetGroup.objects.get(title="Regions").exclusive is True


def test_page_errors_become_messages(superuser, org, germany):
    client = browser(superuser)
    cycle = client.post(f"/groups/{germany['north'].pk}/move/", {"parent_id": germany["hamburg"].pk}, follow=True)
    assert any("can't move under itself" in m for m in messages_of(cycle))
    in_use = client.post(f"/groups/{germany['north'].pk}/delete/", {}, follow=True)
    assert any("subgroup" in m for m in messages_of(in_use))
    assert AssetGroup.objects.filter(pk=germany["north"].pk).exists()
    stale = client.post(f"/groups/{germany['north'].pk}/rename/", {"title": "Nord", "version": 99}, follow=True)
    assert any("Someone else changed this group" in m for m in messages_of(stale))
    blank = client.post("/groups/create/", {"organization_id": org.pk, "title": ""}, follow=True)
    assert any("title" in m for m in messages_of(blank))
    bad_parent = client.post(f"/groups/{germany['north'].pk}/move/", {"parent_id": "abc"}, follow=True)
    assert any("parent_id" in m for m in messages_of(bad_parent))
    assert tree_problems() == []


def test_add_and_remove_members_from_the_page(superuser, germany, trucks):
    client = browser(superuser)
    berlin = germany["berlin"]
    picker = client.get(f"/groups/{berlin.pk}/asset-picker/", {"q": "truck 1"}).content.decode()
    assert "Truck 1" in picker and "<html" not in picker
    added = client.post(f"/groups/{berlin.pk}/members/add/", {"asset_id": trucks[0].pk}, follow=True)
    assert any("moved here" in m for m in messages_of(added))
    assert GroupMembership.objects.get(asset=trucks[0]).group_id == berlin.pk
    client.post(f"/groups/{berlin.pk}/members/{trucks[0].pk}/remove/")
    assert not GroupMembership.objects.filter(asset=trucks[0]).exists()
    bad = client.post(f"/groups/{berlin.pk}/members/add/", {"asset_id": "x"}, follow=True)
    assert any("tick at least one asset" in m for m in messages_of(bad))


def test_search_without_javascript_renders_the_picker_in_the_page(superuser, germany, trucks):
    html = browser(superuser).get(f"/groups/{germany['berlin'].pk}/", {"q": "Truck 6"}).content.decode()
    assert f'name="asset_id" value="{trucks[5].pk}"' in html


def test_viewer_sees_no_forms_and_posts_are_refused(viewer, germany, trucks):
    client = browser(viewer)
    html = client.get(f"/groups/{germany['hamburg'].pk}/").content.decode()
    assert "Rename or describe" not in html and "Add assets" not in html
    response = client.post(f"/groups/{germany['hamburg'].pk}/rename/", {"title": "x"}, follow=True)
    assert any("not change" in m for m in messages_of(response))
    assert AssetGroup.objects.get(pk=germany["hamburg"].pk).title == "Hamburg depot"


def test_invisible_groups_are_404_pages(outsider, germany):
    client = browser(outsider)
    group = germany["hamburg"].pk
    for url in (f"/groups/{group}/", f"/groups/{group}/children/", f"/groups/{group}/members/",
                f"/groups/{group}/asset-picker/?q=a"):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/groups/{group}/rename/", {"title": "x"})
    assert response.status_code == 302
    assert AssetGroup.objects.get(pk=group).title == "Hamburg depot"


def test_pages_need_a_login(germany):
    response = Client().get("/groups/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_forms_need_csrf(superuser, org):
    client = browser(superuser, enforce_csrf_checks=True)
    response = client.post("/groups/create/", {"organization_id": org.pk, "title": "Sneaky"})
    assert response.status_code == 403
    assert not AssetGroup.objects.filter(title="Sneaky").exists()


def test_titles_are_escaped(superuser, org):
    group = make_group(superuser, org, "<script>alert(1)</script>")
    html = browser(superuser).get(f"/groups/{group.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_subtree_grant_holder_sees_the_granted_group_at_the_top(org, germany):
    user = make_user()
    grant(user, "view_group", germany["north"])
    html = browser(user).get(f"/groups/?organization={org.pk}").content.decode()
    assert "North" in html and "Germany" not in html and "South" not in html


def test_bad_parameters_are_404_not_500(superuser, org, germany):
    client = browser(superuser)
    assert client.get("/groups/?organization=abc").status_code == 404
    assert client.get("/groups/?organization=999999").status_code == 404
    assert client.get(f"/groups/{germany['north'].pk}/?after=garbage").status_code == 404
    assert client.get(f"/groups/{germany['north'].pk}/children/?after=garbage").status_code == 404
    assert client.get(f"/groups/{germany['north'].pk}/members/?members_after=garbage").status_code == 404
    assert client.get("/groups/roots/?organization=999999").status_code == 404


@pytest.mark.parametrize("url", ["/groups/create/", "/groups/1/rename/", "/groups/1/members/add/"])
def test_write_views_send_a_get_to_the_page_of_their_form(superuser, url):
    response = browser(superuser).get(url)
    assert response.status_code == 302
    assert response["Location"] == ("/groups/" if url == "/groups/create/" else "/groups/1/")


def test_assets_stay_when_their_group_is_deleted_from_the_page(superuser, germany, trucks):
    browser(superuser).post(f"/groups/{germany['hamburg'].pk}/delete/", {})
    assert Asset.objects.filter(pk=trucks[0].pk).exists()


def test_out_of_range_ids_in_page_urls_are_404(superuser, germany):
    client = browser(superuser)
    huge = 99999999999999999999
    for url in (f"/groups/{huge}/", f"/groups/{huge}/children/", f"/groups/{huge}/members/",
                f"/groups/{huge}/asset-picker/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/groups/{huge}/members/{huge}/remove/").status_code == 302
