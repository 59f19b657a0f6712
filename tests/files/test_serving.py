"""Files are served through a view that checks the asset's permissions, never as static files."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .conftest import jpeg_bytes, png_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(admin_api, asset):
    return upload(admin_api, asset.pk, jpeg_bytes(600, 400, orientation=6), "truck.jpg").json()["file"]


@pytest.fixture
def viewer(asset):
    user = make_user("viewer")
    grant(user, "view_asset", asset)
    return user


def test_original_is_streamed_with_its_type_and_nosniff(admin_api, asset, photo):
    response = admin_api.client.get(photo["url"], **admin_api.headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert 'filename="truck.jpg"' in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content) == jpeg_bytes(600, 400, orientation=6)


@pytest.mark.parametrize("kind", ["thumbnail", "preview"])
def test_renditions_are_served_as_images(admin_api, photo, kind):
    response = admin_api.client.get(photo[f"{kind}_url"], **admin_api.headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert 'filename="truck-' + kind + '.jpg"' in response["Content-Disposition"]


def test_non_image_files_are_downloaded_not_shown(admin_api, asset):
    file = upload(admin_api, asset.pk, b"<html><script>alert(1)</script></html>", "page.html").json()["file"]
    assert file["mime_type"] == "text/plain"
    response = admin_api.client.get(file["url"], **admin_api.headers)
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="page.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pdf_is_an_attachment(admin_api, asset):
    file = upload(admin_api, asset.pk, b"%PDF-1.4\n%%EOF\n", "manual.pdf").json()["file"]
    response = admin_api.client.get(file["url"], **admin_api.headers)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_viewer_may_read_the_file_by_session_and_by_token(asset, photo, viewer):
    browser = Client()
    browser.force_login(viewer)
    assert browser.get(photo["url"]).status_code == 200
    api = ApiClient(viewer)
    assert api.client.get(photo["thumbnail_url"], **api.headers).status_code == 200


def test_user_without_view_permission_gets_404(org, asset, photo):
    outsider = make_user("outsider")
    other_org = make_org("boston")
    grant(outsider, "change_org_assets", other_org)
    browser = Client()
    browser.force_login(outsider)
    for url in (photo["url"], photo["thumbnail_url"], photo["preview_url"]):
        assert browser.get(url).status_code == 404
    api = ApiClient(outsider)
    response = api.client.get(photo["url"], **api.headers)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert api.get(f"/assets/{asset.pk}/file").status_code == 404


def test_anonymous_browser_is_sent_to_login_and_bad_token_gets_401(photo):
    response = Client().get(photo["url"])
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    response = Client().get(photo["url"], HTTP_AUTHORIZATION="Bearer art_not-a-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert Client().get(photo["url"], HTTP_AUTHORIZATION="Basic dXNlcjpwdw==").status_code == 401


def test_unknown_kind_missing_rendition_and_missing_file_are_404(admin_api, asset, media_root):
    base = f"/files/assets/{asset.pk}"
    assert admin_api.client.get(f"{base}/original/", **admin_api.headers).status_code == 404  # no file yet
    upload(admin_api, asset.pk, b"%PDF-1.4\n%%EOF\n", "manual.pdf")
    assert admin_api.client.get(f"{base}/thumbnail/", **admin_api.headers).status_code == 404  # PDFs have none
    assert admin_api.client.get(f"{base}/secret/", **admin_api.headers).status_code == 404
    assert admin_api.client.get("/files/assets/999999/original/", **admin_api.headers).status_code == 404
    for name in stored_files(media_root):
        (media_root / name).unlink()  # lost behind the repository's back
    assert admin_api.client.get(f"{base}/original/", **admin_api.headers).status_code == 404


def test_unchanged_file_answers_304_and_stale_token_is_not_cached(admin_api, photo):
    first = admin_api.client.get(photo["url"], **admin_api.headers)
    again = admin_api.client.get(photo["url"], HTTP_IF_NONE_MATCH=first["ETag"], **admin_api.headers)
    assert again.status_code == 304
    path = photo["url"].split("?")[0]
    assert admin_api.client.get(path + "?v=old", **admin_api.headers)["Cache-Control"] == "private, no-cache"


def test_serving_is_read_only(admin_api, photo):
    assert admin_api.client.post(photo["url"], **admin_api.headers).status_code == 405


def test_remote_file_url_redirects_to_the_remote_location(admin_api, asset):
    admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": "https://cdn.example.com/shirt.png"})
    response = admin_api.client.get(f"/files/assets/{asset.pk}/original/", **admin_api.headers)
    assert response.status_code == 302
    assert response["Location"] == "https://cdn.example.com/shirt.png"


def test_files_of_other_organizations_stay_hidden_in_listing_and_serving(org, asset, photo, admin_api):
    other = make_org("other")
    other_type = make_type(other, "box")
    hidden = make_asset(other, other_type, "Hidden")
    upload(admin_api, hidden.pk, png_bytes(4, 4), "hidden.png")
    member = make_user("member")
    grant(member, "view_org_assets", org)
    api = ApiClient(member)
    items = api.get("/assets").json()["items"]
    assert [item["id"] for item in items] == [asset.pk]
    assert api.client.get(f"/files/assets/{hidden.pk}/original/", **api.headers).status_code == 404
