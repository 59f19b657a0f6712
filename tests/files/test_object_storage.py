"""Asset files on S3-compatible object storage (a moto server on loopback): stored in the bucket,
private there, served to readers of the asset through short-lived presigned URLs."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.conftest import ApiClient
from tests.factories import make_user

from . import s3
from .conftest import jpeg_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def endpoint():
    with s3.s3_server() as url:
        yield url


@pytest.fixture
def bucket(endpoint, settings):
    name = s3.new_bucket(endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_settings(endpoint, name)}
    settings.ASSET_FILE_DELIVERY = "redirect"
    return name


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_upload_goes_to_the_bucket_not_to_local_disk(admin_api, asset, endpoint, bucket, media_root):
    response = upload(admin_api, asset.pk, jpeg_bytes(600, 400), "truck.jpg")
    assert response.status_code == 200, response.content
    keys = s3.keys(endpoint, bucket)
    assert len(keys) >= 1 and all(key.startswith(f"assets/{asset.pk}/") for key in keys)
    assert any(key.endswith("/original.jpg") for key in keys)
    assert stored_files(media_root) == []


def test_download_redirects_to_a_presigned_url_that_serves_the_file(admin_api, asset, endpoint, bucket):
    content = jpeg_bytes(300, 200)
    file = upload(admin_api, asset.pk, content, "truck.jpg").json()["file"]
    response = admin_api.client.get(file["url"], **admin_api.headers)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith(f"{endpoint}/{bucket}/assets/{asset.pk}/") and "Signature=" in location
    status, headers, body = fetch(location)
    assert status == 200 and body == content
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"].startswith("inline")


def test_objects_are_private_without_the_signature(admin_api, asset, endpoint, bucket):
    file = upload(admin_api, asset.pk, b"%PDF-1.4\n%%EOF\n", "manual.pdf").json()["file"]
    location = admin_api.client.get(file["url"], **admin_api.headers)["Location"]
    status, headers, _ = fetch(location)
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(location.split("?", 1)[0])
    assert refused.value.code == 403


def test_streaming_is_a_setting(admin_api, asset, bucket, settings):
    settings.ASSET_FILE_DELIVERY = "stream"
    content = jpeg_bytes(120, 80)
    file = upload(admin_api, asset.pk, content, "truck.jpg").json()["file"]
    response = admin_api.client.get(file["url"], **admin_api.headers)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content


def test_files_go_with_their_asset(admin_api, asset, endpoint, bucket, django_capture_on_commit_callbacks):
    upload(admin_api, asset.pk, jpeg_bytes(300, 200), "truck.jpg")
    assert s3.keys(endpoint, bucket)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.delete(f"/api/v1/assets/{asset.pk}")
    assert response.status_code == 204
    assert s3.keys(endpoint, bucket) == []


def test_remote_url_is_not_stored_and_still_redirects_there(admin_api, asset, endpoint, bucket):
    response = admin_api.patch(f"/api/v1/assets/{asset.pk}", {"remote_url": "https://example.com/manual.pdf"})
    assert response.status_code == 200, response.content
    file = response.json()["file"]
    assert file["url"] == "https://example.com/manual.pdf"
    assert s3.keys(endpoint, bucket) == []


def test_no_presigned_url_for_an_asset_the_user_may_not_view(admin_api, asset, bucket):
    file = upload(admin_api, asset.pk, jpeg_bytes(300, 200), "truck.jpg").json()["file"]
    stranger = ApiClient(make_user("stranger"))
    response = stranger.client.get(file["url"], **stranger.headers)
    assert response.status_code == 404
    assert "Location" not in response and "Signature" not in response.content.decode()
