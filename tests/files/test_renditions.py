"""Thumbnails and previews are rendered by the worker after the upload has answered: the file shape
says pending, then ready with the URLs (or failed); the pixel limit holds in the task too."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from assets.files.models import AssetFile

from .conftest import image_size, jpeg_bytes, png_bytes, stored_files, upload

pytestmark = pytest.mark.with_worker


def file_of(api, asset_id):
    return api.get(f"/assets/{asset_id}").json()["file"]


def test_the_upload_answers_pending_and_the_worker_renders_them(admin_api, asset, media_root, task_worker):
    response = upload(admin_api, asset.pk, jpeg_bytes(1600, 1200), "truck.jpg")
    assert response.status_code == 200, response.content
    file = response.json()["file"]
    assert file["thumbnail"] == {"status": "pending", "url": None}
    assert file["preview"] == {"status": "pending", "url": None}
    assert file["thumbnail_url"] is None and (file["width"], file["height"]) == (1600, 1200)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    base = f"/files/assets/{asset.pk}"
    assert admin_api.client.get(f"{base}/thumbnail/", **admin_api.headers).status_code == 404

    task_worker.drain()

    file = file_of(admin_api, asset.pk)
    assert file["thumbnail"]["status"] == "ready" and file["thumbnail"]["url"] == file["thumbnail_url"]
    assert file["preview"]["status"] == "ready" and file["preview"]["url"] == file["preview_url"]
    response = admin_api.client.get(file["thumbnail_url"], **admin_api.headers)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    record = AssetFile.objects.get()
    assert image_size(media_root / record.thumbnail_name) == (256, 192)
    assert image_size(media_root / record.preview_name) == (1280, 960)


def test_a_file_replaced_before_the_worker_ran_leaves_nothing_behind(admin_api, asset, media_root, task_worker):
    upload(admin_api, asset.pk, jpeg_bytes(400, 300), "first.jpg")
    upload(admin_api, asset.pk, png_bytes(300, 300), "second.png")
    task_worker.drain()
    record = AssetFile.objects.get()
    assert record.name == "second.png" and record.renditions == "ready"
    assert sorted(name.rsplit("/", 1)[-1] for name in stored_files(media_root)) == [
        "original.png", "preview.png", "thumbnail.png"]


def test_the_pixel_limit_holds_in_the_task(admin_api, asset, media_root, task_worker, settings):
    upload(admin_api, asset.pk, jpeg_bytes(800, 600), "truck.jpg")
    # The stored original is checked again, not trusted: a limit lowered since applies.
    settings.ASSET_IMAGE_MAX_PIXELS = 1000
    task_worker.drain()
    file = file_of(admin_api, asset.pk)
    assert file["thumbnail"] == {"status": "failed", "url": None}
    assert [name.rsplit("/", 1)[-1] for name in stored_files(media_root)] == ["original.jpg"]


def test_files_that_are_not_images_have_no_renditions(admin_api, asset, task_worker):
    file = upload(admin_api, asset.pk, b"%PDF-1.4\n%%EOF\n", "manual.pdf").json()["file"]
    assert file["thumbnail"] is None and file["preview"] is None
    assert not DBTaskResult.objects.exists()


def test_a_rolled_back_upload_renders_nothing(admin_api, asset, media_root, task_worker):
    response = upload(admin_api, asset.pk, jpeg_bytes(400, 300), "truck.jpg", query="?version=99")
    assert response.status_code == 409
    assert not DBTaskResult.objects.exists()
    assert stored_files(media_root) == []
