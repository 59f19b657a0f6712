"""The file panel and thumbnail partials, the panel's form posts and the admin."""

from __future__ import annotations

import re

import pytest
from django.template import RequestContext, Template
from django.test import Client, RequestFactory, override_settings

from assets.files.models import AssetFile
from assets.services.assets import get_asset
from tests.factories import grant, make_user

from .conftest import jpeg_bytes, png_bytes, stored_files, upload

pytestmark = pytest.mark.django_db

PANEL = Template("{% load asset_files %}{% asset_file_panel asset %}")
THUMBNAIL = Template("{% load asset_files %}{% asset_thumbnail asset %}")


def render(template, user, asset) -> str:
    request = RequestFactory().get("/assets/1/")
    request.user = user
    return template.render(RequestContext(request, {"asset": get_asset(user, asset.pk)}))


def csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie
    return client, client.cookies["csrftoken"].value


def test_panel_shows_preview_metadata_and_forms_to_editors(superuser, admin_api, asset):
    upload(admin_api, asset.pk, jpeg_bytes(300, 200, orientation=6), "<shirt>.jpg")
    html = render(PANEL, superuser, asset)
    assert f'id="asset-file-panel-{asset.pk}"' in html
    assert f'src="/files/assets/{asset.pk}/preview/?v=' in html
    assert "200 × 300 px, portrait" in html
    assert "&lt;shirt&gt;.jpg" not in html  # unsafe characters never reach the name…
    assert "_shirt_.jpg" in html
    assert "Acme Cameras" in html  # EXIF detail table
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Remove file" in html


def test_panel_escapes_metadata(superuser, admin_api, asset):
    upload(admin_api, asset.pk, jpeg_bytes(20, 10, exif_extra={0x010E: "<script>alert(1)</script>"}), "x.jpg")
    html = render(PANEL, superuser, asset)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_panel_for_viewers_has_no_forms(admin_api, asset):
    viewer = make_user("viewer")
    grant(viewer, "view_asset", asset)
    upload(admin_api, asset.pk, png_bytes(10, 10), "logo.png")
    html = render(PANEL, viewer, asset)
    assert "logo.png" in html
    assert "<form" not in html


def test_panel_without_file_says_so(superuser, asset):
    html = render(PANEL, superuser, asset)
    assert "No file." in html
    assert "Upload a file" in html


def test_thumbnail_partial_shows_image_badge_or_dash(superuser, admin_api, asset, org, truck_type):
    from tests.factories import make_asset

    assert "no file" in render(THUMBNAIL, superuser, asset)
    upload(admin_api, asset.pk, png_bytes(10, 10), "logo.png")
    assert f'<img src="/files/assets/{asset.pk}/thumbnail/?v=' in render(THUMBNAIL, superuser, asset)
    manual = make_asset(org, truck_type, "Manual")
    upload(admin_api, manual.pk, b"%PDF-1.4\n%%EOF\n", "manual.pdf")
    assert ">PDF<" in render(THUMBNAIL, superuser, manual)
    shape = admin_api.get(f"/assets/{manual.pk}").json()
    assert ">PDF<" in Template("{% load asset_files %}{% asset_thumbnail shape %}").render(
        RequestContext(RequestFactory().get("/"), {"shape": shape})
    )


def test_upload_form_stores_the_file_and_redirects_back(superuser, asset, media_root):
    client, token = csrf_client(superuser)
    response = client.post(
        f"/files/assets/{asset.pk}/upload/",
        {"file": _named(png_bytes(20, 10), "logo.png"), "next": f"/assets/{asset.pk}/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/assets/{asset.pk}/"
    assert AssetFile.objects.get(asset=asset).name == "logo.png"
    assert len(stored_files(media_root)) == 3


def test_upload_form_needs_the_csrf_token(superuser, asset, media_root):
    client, _ = csrf_client(superuser)
    response = client.post(f"/files/assets/{asset.pk}/upload/", {"file": _named(png_bytes(4, 4), "x.png")})
    assert response.status_code == 403
    assert stored_files(media_root) == []


def test_upload_form_rejects_foreign_next_urls(superuser, asset):
    client, token = csrf_client(superuser)
    response = client.post(
        f"/files/assets/{asset.pk}/upload/",
        {"file": _named(png_bytes(4, 4), "x.png"), "next": "https://evil.example.com/", "csrfmiddlewaretoken": token},
    )
    assert response["Location"] == "/"


def test_htmx_upload_returns_the_panel_with_the_error(superuser, asset, media_root):
    client, token = csrf_client(superuser)
    response = client.post(
        f"/files/assets/{asset.pk}/upload/",
        {"file": _named(b"MZ\x90\x00" + bytes(300), "x.jpg"), "csrfmiddlewaretoken": token},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="asset-file-panel-{asset.pk}"' in html
    assert "not accepted" in html
    assert stored_files(media_root) == []


@override_settings(ASSET_FILE_MAX_BYTES=1000)
def test_too_large_upload_through_the_form_is_a_message_not_an_error_page(superuser, asset, media_root):
    client, token = csrf_client(superuser)
    response = client.post(
        f"/files/assets/{asset.pk}/upload/",
        {"file": _named(b"x" * 200_000, "big.txt"), "csrfmiddlewaretoken": token, "next": "/somewhere/"},
        follow=False,
    )
    assert response.status_code == 302
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("at most 1000 bytes" in m for m in messages)
    assert stored_files(media_root) == []


def test_remote_url_and_delete_forms(superuser, asset, media_root):
    client, token = csrf_client(superuser)
    response = client.post(
        f"/files/assets/{asset.pk}/remote/", {"remote_url": "javascript:alert(1)", "csrfmiddlewaretoken": token},
        HTTP_HX_REQUEST="true",
    )
    assert "http:// or https://" in response.content.decode()
    assert not AssetFile.objects.exists()
    client.post(f"/files/assets/{asset.pk}/remote/", {"remote_url": "https://cdn.example.com/a.png",
                                                      "csrfmiddlewaretoken": token})
    assert AssetFile.objects.get(asset=asset).remote_url == "https://cdn.example.com/a.png"
    response = client.post(f"/files/assets/{asset.pk}/delete/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not AssetFile.objects.exists()
    response = client.post(f"/files/assets/{asset.pk}/delete/", {"csrfmiddlewaretoken": token},
                           HTTP_HX_REQUEST="true")
    assert "has no file" in response.content.decode()


def test_forms_answer_404_for_invisible_assets_and_403_message_for_viewers(asset, media_root):
    stranger = make_user("stranger")
    client, token = csrf_client(stranger)
    response = client.post(f"/files/assets/{asset.pk}/upload/",
                           {"file": _named(png_bytes(4, 4), "x.png"), "csrfmiddlewaretoken": token})
    assert response.status_code == 404
    viewer = make_user("viewer")
    grant(viewer, "view_asset", asset)
    client, token = csrf_client(viewer)
    response = client.post(f"/files/assets/{asset.pk}/delete/", {"csrfmiddlewaretoken": token},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert re.search(r"may view asset .* but not change it", response.content.decode())
    assert stored_files(media_root) == []


def test_forms_send_anonymous_users_to_login(asset):
    response = Client().post(f"/files/assets/{asset.pk}/delete/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Client().get(f"/files/assets/{asset.pk}/upload/").url == f"/assets/{asset.pk}/"  # whose page asks to sign in


def test_admin_lists_files_and_deletes_through_the_service(superuser, admin_api, asset):
    upload(admin_api, asset.pk, png_bytes(4, 4), "logo.png")
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/asset_files/assetfile/").status_code == 200
    record = AssetFile.objects.get(asset=asset)
    assert client.get(f"/admin/asset_files/assetfile/{record.pk}/change/").status_code == 200
    response = client.post(f"/admin/asset_files/assetfile/{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AssetFile.objects.exists()
    asset.refresh_from_db()
    assert asset.version == 3


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_htmx_upload_sends_the_new_version_to_the_page_header(superuser, asset, media_root):
    client, token = csrf_client(superuser)
    before = asset.version
    response = client.post(f"/files/assets/{asset.pk}/upload/",
                           {"file": _named(png_bytes(4, 4), "x.png"), "csrfmiddlewaretoken": token},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    asset.refresh_from_db()
    assert asset.version > before
    assert f'<span id="asset-version" class="meta-group" hx-swap-oob="true"><span>Version {asset.version}</span>' in body
