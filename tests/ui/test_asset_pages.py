"""Asset list, detail, create, edit and delete pages through the Django test client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Asset, ChangeLogEntry
from assets.services.assets import update_asset
from tests.factories import make_asset, make_device

pytestmark = pytest.mark.django_db

LIST = reverse("asset_list")


def _titles(response) -> list[str]:
    return [row["asset"].title for row in response.context["rows"]]


# --- sign-in and layout -------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/assets/", "/assets/new/", "/types/", "/devices/", "/changes/"])
def test_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_login_page_signs_in_and_lands_on_dashboard(client, world):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    wrong = client.post("/login/", {"username": "viewer", "password": "nope"})
    assert wrong.status_code == 200 and b"Wrong username or password" in wrong.content
    response = client.post("/login/", {"username": "viewer", "password": "test-pass-123"})
    assert response.status_code == 302 and response["Location"] == "/"
    # Signed in already: the login page moves on.
    assert client.get("/login/").status_code == 302


def test_unknown_page_is_the_404_page_in_the_layout(client_for, world):
    response = client_for(world.viewer).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Nothing here" in response.content and b'class="topbar"' in response.content


# --- list ---------------------------------------------------------------------------------------
def test_list_shows_only_visible_assets(client_for, world):
    response = client_for(world.viewer).get(LIST)
    assert response.status_code == 200
    titles = _titles(response)
    assert "Truck B-44" in titles and "Secret prototype" not in titles


def test_list_of_user_without_grants_says_so(client_for, world):
    response = client_for(world.outsider).get(LIST)
    assert response.status_code == 200
    assert b"You don't have access to any assets yet" in response.content
    assert response.context["rows"] == []


def test_list_filters_by_custom_field_and_sorts_numerically(client_for, world):
    client = client_for(world.viewer)
    response = client.get(LIST, {
        "organization_id": world.org.pk, "type_id": world.truck.pk, "cf_fuel_capacity_l__gte": "200",
        "ordering": "-cf_fuel_capacity_l",
    })
    assert response.status_code == 200
    assert _titles(response) == ["Truck B-44", "Truck B-12"]
    # The type's fields became filter inputs named like the API's parameters.
    assert b'name="cf_license_plate__icontains"' in response.content
    assert b'name="cf_fuel_capacity_l__gte"' in response.content
    ascending = client.get(LIST, {"organization_id": world.org.pk, "type_id": world.truck.pk,
                                  "ordering": "cf_fuel_capacity_l"})
    assert _titles(ascending) == ["Truck M-07", "Truck B-12", "Truck B-44"]


def test_list_filters_by_title_and_option(client_for, world):
    client = client_for(world.viewer)
    by_title = client.get(LIST, {"title_contains": "m-07"})
    assert _titles(by_title) == ["Truck M-07"]
    by_option = client.get(LIST, {"type_id": world.truck.pk, "organization_id": world.org.pk, "cf_color": "red"})
    assert _titles(by_option) == ["Truck B-44"]


def test_list_drops_filters_it_does_not_offer_from_the_canonical_url(client_for, world):
    response = client_for(world.viewer).get(
        LIST, {"type_id": world.secret_type.pk, "cf_nope": "1", "ordering": "cf_nope"}, HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == LIST


def test_list_reports_a_bad_filter_value_instead_of_failing(client_for, world):
    response = client_for(world.viewer).get(LIST, {
        "organization_id": world.org.pk, "type_id": world.truck.pk, "cf_fuel_capacity_l__gte": "lots",
    })
    assert response.status_code == 400
    assert b"can&#x27;t be applied" in response.content or b"can't be applied" in response.content
    assert b"is not a number" in response.content


def test_list_reports_a_bad_cursor(client_for, world):
    response = client_for(world.viewer).get(LIST, {"cursor": "garbage"})
    assert response.status_code == 400
    assert b"cursor" in response.content


def test_htmx_request_gets_only_the_results_and_the_canonical_url(client_for, world):
    client = client_for(world.viewer)
    response = client.get(
        LIST, {"organization_id": world.org.pk, "type_id": world.truck.pk, "title_contains": "", "limit": "25"},
        HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{LIST}?organization_id={world.org.pk}",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="results-title"' in body
    assert response["HX-Push-Url"] == f"{LIST}?organization_id={world.org.pk}&type_id={world.truck.pk}&limit=25"
    # The type changed, so its field filters come along out of band; the type select doesn't.
    assert 'id="cf-filters" hx-swap-oob="true"' in body
    assert 'id="type-filter" hx-swap-oob="true"' not in body
    assert "HX-Request" in response["Vary"]


def test_htmx_request_with_unchanged_scope_leaves_the_inputs_alone(client_for, world):
    query = f"organization_id={world.org.pk}&type_id={world.truck.pk}"
    response = client_for(world.viewer).get(
        f"{LIST}?{query}&title_contains=truck", HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{LIST}?{query}",
    )
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body  # the ordering input
    assert 'id="cf-filters" hx-swap-oob' not in body


def test_keyset_pages_walk_the_whole_list(client_for, world):
    client = client_for(world.viewer)
    for n in range(30):
        make_asset(world.org, world.boat, f"Boat {n:02}", custom_fields={"hull_id": f"H{n}"})
    first = client.get(LIST, {"organization_id": world.org.pk, "type_id": world.boat.pk, "limit": "25"})
    assert len(first.context["rows"]) == 25 and first.context["page"].has_next_page
    assert "1–25 of 31" in first.content.decode()
    second = client.get(f"{LIST}?{first.context['pager']['next']}")
    seen = _titles(first) + _titles(second)
    assert len(seen) == 31 and len(set(seen)) == 31
    assert not second.context["page"].has_next_page
    assert second.content.decode().count("26–31 of 31") == 2  # the pager above and below the table
    back = client.get(f"{LIST}?{second.context['pager']['previous']}")
    assert _titles(back) == _titles(first)
    assert "1–25 of 31" in back.content.decode() and "previous" not in back.context["pager"]


@pytest.mark.parametrize("ordering", ["title", "-key", "type", "-organization", "created_at"])
def test_previous_walks_back_over_the_same_rows_in_every_ordering(client_for, world, ordering):
    client = client_for(world.root)
    for n in range(55):  # duplicate titles: the id tie-breaker has to work both ways
        make_asset(world.org, world.boat, f"Boat {n % 4}", key=f"boat-{n:02}", custom_fields={"hull_id": f"H{n}"})
    response = client.get(LIST, {"organization_id": "", "ordering": ordering, "limit": "25"})
    forward = [_titles(response)]
    while "next" in response.context["pager"]:
        response = client.get(f"{LIST}?{response.context['pager']['next']}")
        forward.append(_titles(response))
    assert [len(p) for p in forward] == [25, 25, 10]
    assert response.context["pager"]["start"] == 51 and response.context["pager"]["count"] == 60
    backward = [forward[-1]]
    while "previous" in response.context["pager"]:
        response = client.get(f"{LIST}?{response.context['pager']['previous']}")
        backward.append(_titles(response))
    assert backward[::-1] == forward


@pytest.mark.parametrize("ordering", ["primary_device", "-primary_device"])
def test_the_primary_device_column_sorts_and_pages_both_ways(client_for, world, ordering):
    from assets.models import AssetDeviceLink

    for n in range(55):  # every other truck has a tracker, the titles repeat: NULLs and ties both ways
        truck = make_asset(world.org, world.truck, f"Truck {n:02}", key=f"t-{n:02}", custom_fields={"license_plate": f"P{n}"})
        if n % 2:
            device = make_device(world.org, f"Tracker {n % 5}", f"imei-{n}")
            AssetDeviceLink.objects.create(asset=truck, device=device, field_code="tracker", is_primary=True)
    client = client_for(world.root)
    response = client.get(LIST, {"organization_id": world.org.pk, "ordering": ordering, "limit": "25"})
    header = next(c for c in response.context["columns"] if c.label == "Primary device")
    assert header.aria_sort == ("ascending" if ordering == "primary_device" else "descending")
    forward = [_rows(response)]
    while "next" in response.context["pager"]:
        response = client.get(f"{LIST}?{response.context['pager']['next']}")
        forward.append(_rows(response))
    shown = [device for page in forward for _, device in page]
    assert len(shown) == 59 and len({key for page in forward for key, _ in page}) == 59
    titled = [d for d in shown if d is not None]
    assert titled == sorted(titled, reverse=ordering.startswith("-")) and shown[len(titled):] == [None] * (59 - len(titled))
    backward = [forward[-1]]
    while "previous" in response.context["pager"]:
        response = client.get(f"{LIST}?{response.context['pager']['previous']}")
        backward.append(_rows(response))
    assert backward[::-1] == forward


def _rows(response) -> list[tuple[str, str | None]]:
    return [(row["asset"].key, row["primary"].title if row["primary"] else None) for row in response.context["rows"]]


def test_search_finds_an_asset_by_title_or_key(client_for, world):
    client = client_for(world.viewer)
    assert _titles(client.get(LIST, {"q": "trailer-t"})) == ["Trailer T-1"]  # only its key matches
    assert _titles(client.get(LIST, {"q": "TRUCK M"})) == ["Truck M-07"]
    assert _titles(client.get(LIST, {"title_contains": "b-12"})) == ["Truck B-12"]  # old bookmarks


def test_total_is_capped_on_huge_lists(client_for, world, monkeypatch):
    from assets.views import asset_list

    monkeypatch.setattr(asset_list, "COUNT_CAP", 2)
    body = client_for(world.viewer).get(LIST).content.decode()
    assert "1–4 of more than 2" in body


def test_list_uses_the_switcher_organization_by_default(client_for, world):
    client = client_for(world.root)
    client.post(reverse("switch_organization"), {"organization_id": world.other_org.pk, "next": LIST})
    response = client.get(LIST)
    assert _titles(response) == ["Secret prototype"]
    everything = client.get(LIST, {"organization_id": ""})
    assert "Truck B-44" in _titles(everything)


def _fill(world, count):
    for n in range(count):
        make_asset(
            world.org, world.truck, f"Bulk truck {n:03}", key=f"bulk-{n:03}",
            custom_fields={"license_plate": f"BULK {n}", "fuel_capacity_l": n, "trailer": world.trailer.pk},
        )


# 13 with the total ("1–50 of N", counted in SQL); 15 since the saved views: the user's views,
# and with a type the columns they chose. The same at 10 and 100 rows.
LIST_QUERY_BOUND = 15


@pytest.mark.parametrize("count", [10, 100])
def test_list_query_count_does_not_grow_with_rows(client_for, world, count, django_assert_max_num_queries):
    _fill(world, count)
    client = client_for(world.viewer)
    params = {"organization_id": world.org.pk, "type_id": world.truck.pk, "limit": "100",
              "cf_fuel_capacity_l__gte": "0", "ordering": "-cf_fuel_capacity_l"}
    client.get(LIST, params)  # the first choice of an organization also saves it for the switcher
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(LIST, params)
    assert len(response.context["rows"]) == min(count + 3, 100)


@pytest.mark.parametrize("count", [10, 100])
def test_unfiltered_list_query_count_does_not_grow_with_rows(client_for, world, count, django_assert_max_num_queries):
    _fill(world, count)
    client = client_for(world.root)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(LIST, {"limit": "100"})
    assert len(response.context["rows"]) == min(count + 5, 100)


# --- detail -------------------------------------------------------------------------------------
def test_detail_renders_values_by_field_type(client_for, world):
    response = client_for(world.viewer).get(reverse("asset_detail", args=[world.truck_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "HH-TL 4421" in body
    assert "<span class=\"badge\">Red</span>" in body  # option shown by title
    assert 'href="https://example.com/manual.pdf"' in body
    assert 'lang="fr-FR">Camion</dd>' in body
    assert "GPS Unit #117" in body and "Primary" in body
    assert f'href="/assets/{world.trailer.pk}/">Trailer T-1</a>' in body
    assert 'id="file-panel"' in body and "No file." in body
    # No edit/delete buttons for someone who may only view.
    assert reverse("asset_edit", args=[world.truck_a.pk]) not in body


def test_detail_of_invisible_asset_is_404(client_for, world):
    assert client_for(world.viewer).get(reverse("asset_detail", args=[world.secret.pk])).status_code == 404
    assert client_for(world.outsider).get(reverse("asset_detail", args=[world.truck_a.pk])).status_code == 404
    assert client_for(world.viewer).get(reverse("asset_detail", args=[999999])).status_code == 404


def test_detail_never_shows_a_javascript_url_as_a_link(client_for, world):
    asset = make_asset(world.org, world.truck, "Odd", custom_fields={"license_plate": "X", "manual": "javascript:alert(1)"})
    body = client_for(world.viewer).get(reverse("asset_detail", args=[asset.pk])).content.decode()
    assert 'href="javascript:' not in body and "javascript:alert(1)" in body


def test_detail_escapes_user_text(client_for, world):
    asset = make_asset(world.org, world.truck, "<script>alert('x')</script>",
                       custom_fields={"license_plate": "<b>bold</b>"})
    body = client_for(world.viewer).get(reverse("asset_detail", args=[asset.pk])).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body


def test_detail_loads_links_panel_only_when_the_links_app_serves_it(client_for, world):
    from django.urls import Resolver404, resolve

    body = client_for(world.viewer).get(reverse("asset_detail", args=[world.truck_a.pk])).content.decode()
    try:
        resolve(f"/links/panel/{world.truck_a.pk}/")
    except Resolver404:
        assert "Links aren't available yet." in body
    else:
        assert f'hx-get="/links/panel/{world.truck_a.pk}/" hx-trigger="load"' in body


def test_detail_shows_history_with_diff(client_for, world):
    update_asset(world.dispatcher, world.truck_b.pk, custom_fields={"set": {"license_plate": "B-TL 9999"}})
    body = client_for(world.viewer).get(reverse("asset_detail", args=[world.truck_b.pk])).content.decode()
    assert "custom_fields.license_plate" in body
    assert "&quot;B-TL 1212&quot;" in body and "&quot;B-TL 9999&quot;" in body


def test_detail_query_count(client_for, world, django_assert_max_num_queries):
    client = client_for(world.dispatcher)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("asset_detail", args=[world.truck_a.pk])).status_code == 200


# --- create -------------------------------------------------------------------------------------
def test_new_asset_chooser_lists_types_including_inherited(client_for, world):
    response = client_for(world.dispatcher).get(reverse("asset_create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Delivery Truck" in body and "Vehicle" in body and "Secret thing" not in body


def test_new_asset_needs_change_permission(client_for, world):
    assert client_for(world.viewer).get(reverse("asset_create")).status_code == 403
    url = f"{reverse('asset_create')}?organization_id={world.org.pk}&type_id={world.truck.pk}"
    assert client_for(world.viewer).get(url).status_code == 403
    assert client_for(world.viewer).post(url, {"title": "X"}).status_code == 403
    assert not Asset.objects.filter(title="X").exists()


def test_new_asset_of_unavailable_type_is_404(client_for, world):
    url = f"{reverse('asset_create')}?organization_id={world.org.pk}&type_id={world.secret_type.pk}"
    assert client_for(world.dispatcher).get(url).status_code == 404


def test_create_shows_service_errors_on_their_fields_then_succeeds(client_for, world):
    client = client_for(world.dispatcher)
    url = f"{reverse('asset_create')}?organization_id={world.org.pk}&type_id={world.truck.pk}"
    form = client.get(url)
    assert form.status_code == 200 and b'name="cf_license_plate"' in form.content
    bad = client.post(url, {"title": "", "key": "no spaces allowed", "cf_fuel_capacity_l": "12abc"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["cf_fuel_capacity_l"] == ["must be a number"]
    bad = client.post(url, {"title": "", "key": "no spaces allowed", "cf_fuel_capacity_l": "120"})
    errors = bad.context["form"].errors
    assert errors["title"] == ["must not be empty"]
    assert "letters, digits" in errors["key"][0]
    assert errors["cf_license_plate"] == ["is required"]
    ok = client.post(url, {
        "title": "Truck N-01", "key": "truck-n-01", "cf_license_plate": "N-TL 1", "cf_fuel_capacity_l": "300.5",
        "cf_tracker": str(world.spare_device.pk), "primary_device": "tracker", "cf_color": "white",
        "cf_name_i18n": "en_US: Truck\nde_DE: Lastwagen", "cf_trailer": str(world.trailer.pk),
    })
    assert ok.status_code == 302
    asset = Asset.objects.get(key="truck-n-01")
    assert ok["Location"] == reverse("asset_detail", args=[asset.pk])
    assert asset.custom_fields == {
        "license_plate": "N-TL 1", "fuel_capacity_l": 300.5, "tracker": world.spare_device.pk, "color": "white",
        "name_i18n": {"en_US": "Truck", "de_DE": "Lastwagen"}, "trailer": world.trailer.pk,
    }
    assert asset.device_links.get().is_primary


def test_create_maps_duplicate_key_and_taken_device(client_for, world):
    client = client_for(world.dispatcher)
    url = f"{reverse('asset_create')}?organization_id={world.org.pk}&type_id={world.truck.pk}"
    taken = client.post(url, {"title": "T", "cf_license_plate": "P", "cf_tracker": str(world.device.pk)})
    # The device already belongs to Truck B-44, so it isn't even offered.
    assert taken.status_code == 400 and "cf_tracker" in taken.context["form"].errors
    dup = client.post(url, {"title": "T", "key": "truck-b-44", "cf_license_plate": "P"})
    assert dup.status_code == 400 and dup.context["form"].errors["key"] == ["already taken"]


def test_create_form_has_csrf_protection(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.dispatcher)
    url = f"{reverse('asset_create')}?organization_id={world.org.pk}&type_id={world.truck.pk}"
    assert b'name="csrfmiddlewaretoken"' in client.get(url).content
    assert client.post(url, {"title": "No token", "cf_license_plate": "P"}).status_code == 403
    assert not Asset.objects.filter(title="No token").exists()


# --- edit ---------------------------------------------------------------------------------------
def test_edit_needs_change_permission(client_for, world):
    url = reverse("asset_edit", args=[world.truck_a.pk])
    assert client_for(world.viewer).get(url).status_code == 403
    assert client_for(world.viewer).post(url, {"title": "Hacked"}).status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404
    world.truck_a.refresh_from_db()
    assert world.truck_a.title == "Truck B-44"


def test_edit_prefills_values_and_saves_only_what_changed(client_for, world):
    client = client_for(world.dispatcher)
    url = reverse("asset_edit", args=[world.truck_a.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if not isinstance(value, list)}
    assert data["cf_name_i18n"] == "en_US: Truck\nfr_FR: Camion"
    assert data["primary_device"] == "tracker"
    data["title"] = "Truck B-44 (renamed)"
    data["cf_fuel_capacity_l"] = ""
    response = client.post(url, data)
    assert response.status_code == 302
    world.truck_a.refresh_from_db()
    assert world.truck_a.title == "Truck B-44 (renamed)"
    assert "fuel_capacity_l" not in world.truck_a.custom_fields
    assert world.truck_a.custom_fields["name_i18n"] == {"fr_FR": "Camion", "en_US": "Truck"}
    entry = ChangeLogEntry.objects.filter(object_type="asset", object_id=world.truck_a.pk).latest("id")
    assert set(entry.after["custom_fields"]) == set(entry.before["custom_fields"]) - {"fuel_capacity_l"}


def test_edit_rejects_unsetting_a_required_field(client_for, world):
    client = client_for(world.dispatcher)
    url = reverse("asset_edit", args=[world.truck_b.pk])
    response = client.post(url, {"title": "Truck B-12", "key": "truck-b-12", "cf_license_plate": "", "version": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["cf_license_plate"] == ["is required and can't be unset"]


def test_edit_with_stale_version_shows_both_versions_and_keeps_input(client_for, world):
    client = client_for(world.dispatcher)
    url = reverse("asset_edit", args=[world.truck_b.pk])
    client.get(url)
    update_asset(world.manager, world.truck_b.pk, title="Truck B-12 (theirs)")
    response = client.post(url, {
        "title": "Truck B-12 (mine)", "key": "truck-b-12", "cf_license_plate": "B-TL 1212",
        "cf_fuel_capacity_l": "260", "version": "1",
    })
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this asset" in body
    assert "Truck B-12 (mine)" in body and "Truck B-12 (theirs)" in body
    assert 'name="version" value="2"' in body
    world.truck_b.refresh_from_db()
    assert world.truck_b.title == "Truck B-12 (theirs)" and world.truck_b.custom_fields["fuel_capacity_l"] == 250
    # Saving again, having seen the current version, is a deliberate overwrite.
    again = client.post(url, {
        "title": "Truck B-12 (mine)", "key": "truck-b-12", "cf_license_plate": "B-TL 1212",
        "cf_fuel_capacity_l": "260", "version": "2",
    })
    assert again.status_code == 302
    world.truck_b.refresh_from_db()
    assert world.truck_b.title == "Truck B-12 (mine)" and world.truck_b.custom_fields["fuel_capacity_l"] == 260


def test_edit_query_count(client_for, world, django_assert_max_num_queries):
    client = client_for(world.dispatcher)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("asset_edit", args=[world.truck_a.pk])).status_code == 200


# --- delete -------------------------------------------------------------------------------------
def test_delete_needs_delete_permission(client_for, world):
    url = reverse("asset_delete", args=[world.truck_c.pk])
    assert client_for(world.dispatcher).get(url).status_code == 403
    assert client_for(world.dispatcher).post(url).status_code == 403
    assert Asset.objects.filter(pk=world.truck_c.pk).exists()


def test_delete_confirms_then_deletes(client_for, world):
    client = client_for(world.root)
    url = reverse("asset_delete", args=[world.truck_c.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": "1"})
    assert response.status_code == 302
    assert not Asset.objects.filter(pk=world.truck_c.pk).exists()


def test_delete_with_stale_version_deletes_nothing(client_for, world):
    client = client_for(world.root)
    update_asset(world.root, world.truck_c.pk, title="Changed meanwhile")
    response = client.post(reverse("asset_delete", args=[world.truck_c.pk]), {"version": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("asset_detail", args=[world.truck_c.pk])
    assert Asset.objects.filter(pk=world.truck_c.pk).exists()


def test_delete_blocked_by_a_reference_shows_a_message_not_a_500(client_for, world, monkeypatch):
    from assets.core.errors import InUse
    from links.extension import LinksExtension

    def blocking_hook(self, user, assets):
        raise InUse("still used by 1 links")

    monkeypatch.setattr(LinksExtension, "before_delete_many", blocking_hook)
    response = client_for(world.root).post(reverse("asset_delete", args=[world.truck_c.pk]), {"version": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("asset_detail", args=[world.truck_c.pk])
    assert Asset.objects.filter(pk=world.truck_c.pk).exists()


def test_asset_file_shows_in_the_detail_panel_and_as_a_list_thumbnail(client_for, world):
    from assets.files import services as file_services

    file_services.set_remote_url(world.dispatcher, world.truck_b.pk, "https://cdn.example.com/truck-b-12.jpg")
    client = client_for(world.viewer)
    detail = client.get(reverse("asset_detail", args=[world.truck_b.pk])).content.decode()
    assert "https://cdn.example.com/truck-b-12.jpg" in detail
    listing = client.get(LIST, {"organization_id": world.org.pk, "type_id": world.truck.pk})
    row = next(r for r in listing.context["rows"] if r["asset"].pk == world.truck_b.pk)
    assert row["file"]["remote_url"] == "https://cdn.example.com/truck-b-12.jpg"
    assert 'class="row-thumb"' in listing.content.decode()


def test_list_filters_by_group_with_or_without_subgroups(client_for, world):
    from groups.services import add_members, create_group

    north = create_group(world.root, organization_id=world.org.pk, title="North")
    hamburg = create_group(world.root, organization_id=world.org.pk, title="Hamburg depot", parent_id=north.pk)
    add_members(world.root, hamburg.pk, [world.truck_a.pk])
    add_members(world.root, north.pk, [world.truck_b.pk])
    client = client_for(world.viewer)
    page = client.get(LIST, {"organization_id": world.org.pk})
    assert [label for _, label in page.context["state"].groups] == ["North", "— Hamburg depot"]
    only_north = client.get(LIST, {"organization_id": world.org.pk, "group_id": north.pk})
    assert _titles(only_north) == ["Truck B-12"]
    with_subgroups = client.get(LIST, {"organization_id": world.org.pk, "group_id": north.pk,
                                       "include_descendants": "true"})
    assert _titles(with_subgroups) == ["Truck B-12", "Truck B-44"]
    detail = client.get(reverse("asset_detail", args=[world.truck_a.pk])).content.decode()
    assert f'href="/groups/{hamburg.pk}/">Hamburg depot</a>' in detail


def test_group_filter_offers_only_groups_the_user_can_see(client_for, world):
    from groups.services import create_group

    create_group(world.root, organization_id=world.other_org.pk, title="Secret group")
    groups = client_for(world.viewer).get(LIST).context["state"].groups
    assert "Secret group" not in " ".join(label for _, label in groups)


@pytest.mark.parametrize("ordering", ["cf_hull_id", "-cf_hull_id"])
def test_previous_walks_back_over_a_custom_field_with_empty_values(client_for, world, ordering):
    """NULLs come last going forward, so going back starts among them and then crosses into the
    values (the reverse cursor flips NULLS LAST to NULLS FIRST)."""
    client = client_for(world.root)
    for n in range(60):
        make_asset(world.org, world.boat, f"Boat {n:02}", key=f"boat-{n:02}",
                   custom_fields={"hull_id": f"H{n % 7}"} if n % 3 else {})
    params = {"organization_id": world.org.pk, "type_id": world.boat.pk, "ordering": ordering, "limit": "25"}
    response = client.get(LIST, params)
    forward = [_titles(response)]
    while "next" in response.context["pager"]:
        response = client.get(f"{LIST}?{response.context['pager']['next']}")
        forward.append(_titles(response))
    assert [len(p) for p in forward] == [25, 25, 11]
    backward = [forward[-1]]
    while "previous" in response.context["pager"]:
        response = client.get(f"{LIST}?{response.context['pager']['previous']}")
        backward.append(_titles(response))
    assert backward[::-1] == forward
