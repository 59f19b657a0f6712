"""Replacing and removing files leaves nothing behind, and only once the transaction commits.

These tests run in real transactions (transaction=True) so on_commit behaves as in production."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from assets.files import services as file_services
from assets.files.models import AssetFile
from assets.models import Asset
from assets.services import assets as asset_services
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_user

from .conftest import jpeg_bytes, png_bytes, stored_files, upload

transactional = pytest.mark.django_db(transaction=True)


@transactional
def test_replacing_the_file_removes_the_old_file_and_renditions(admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(600, 400), "first.jpg")
    first = stored_files(media_root)
    assert len(first) == 3
    response = upload(admin_api, asset.pk, png_bytes(50, 50), "second.png")
    assert response.status_code == 200
    assert response.json()["version"] == 3
    second = stored_files(media_root)
    assert len(second) == 3
    assert not set(first) & set(second)
    assert sorted(name.rsplit("/", 1)[-1] for name in second) == ["original.png", "preview.png", "thumbnail.png"]
    # the old upload's folder is gone too, not only its files
    assert len(list((media_root / "assets" / str(asset.pk)).iterdir())) == 1


@transactional
def test_replacing_an_image_with_a_pdf_drops_the_renditions(admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(60, 40), "photo.jpg")
    file = upload(admin_api, asset.pk, b"%PDF-1.4\n%%EOF\n", "manual.pdf").json()["file"]
    assert file["thumbnail_url"] is None
    assert [name.rsplit("/", 1)[-1] for name in stored_files(media_root)] == ["original.pdf"]


@transactional
def test_delete_file_endpoint_removes_stored_files(admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(60, 40), "photo.jpg")
    response = admin_api.delete(f"/assets/{asset.pk}/file?version=2")
    assert response.status_code == 204
    assert stored_files(media_root) == []
    assert not (media_root / "assets" / str(asset.pk)).exists()
    assert admin_api.get(f"/assets/{asset.pk}").json()["file"] is None
    assert Asset.objects.get(pk=asset.pk).version == 3
    again = admin_api.delete(f"/assets/{asset.pk}/file")
    assert again.status_code == 404


@transactional
def test_delete_file_with_stale_version_keeps_everything(admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(60, 40), "photo.jpg")
    response = admin_api.delete(f"/assets/{asset.pk}/file?version=1")
    assert response.status_code == 409
    assert len(stored_files(media_root)) == 3
    assert AssetFile.objects.filter(asset=asset).exists()


@transactional
def test_deleting_the_asset_removes_its_files(admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(60, 40), "photo.jpg")
    assert admin_api.delete(f"/assets/{asset.pk}").status_code == 204
    assert stored_files(media_root) == []
    assert not AssetFile.objects.exists()


@transactional
def test_files_stay_when_the_deleting_transaction_rolls_back(superuser, admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(60, 40), "photo.jpg")
    before = stored_files(media_root)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        asset_services.delete_asset(superuser, asset.pk)
        assert not AssetFile.objects.filter(asset_id=asset.pk).exists()
        raise Abort
    assert stored_files(media_root) == before
    assert AssetFile.objects.filter(asset=asset).exists()
    with pytest.raises(Abort), transaction.atomic():
        file_services.delete_file(superuser, asset.pk)
        raise Abort
    assert stored_files(media_root) == before
    # the surviving row still serves its file
    url = admin_api.get(f"/assets/{asset.pk}").json()["file"]["url"]
    assert admin_api.client.get(url, **admin_api.headers).status_code == 200


@transactional
def test_a_failed_upload_write_removes_the_files_it_stored(superuser, asset, media_root, monkeypatch):
    # The asset is deleted between the permission check and the locked write.
    lock = file_services._lock

    def delete_then_lock(asset_id):
        Asset.objects.filter(pk=asset_id).delete()
        return lock(asset_id)

    monkeypatch.setattr(file_services, "_lock", delete_then_lock)
    with pytest.raises(file_services.NotFound):
        file_services.upload_file(superuser, asset.pk, SimpleUploadedFile("a.png", png_bytes(30, 30)))
    assert stored_files(media_root) == []


@transactional
def test_replacing_with_a_remote_url_removes_the_stored_files(admin_api, asset, media_root):
    upload(admin_api, asset.pk, jpeg_bytes(60, 40), "photo.jpg")
    response = admin_api.patch(f"/assets/{asset.pk}", {"remote_url": "https://dam.example.com/photo.jpg"})
    assert response.status_code == 200
    assert response.json()["file"]["url"] == "https://dam.example.com/photo.jpg"
    assert stored_files(media_root) == []


@transactional
def test_change_permission_is_needed_to_upload_or_remove(org, asset, media_root):
    viewer = make_user("viewer")
    grant(viewer, "view_asset", asset)
    api = ApiClient(viewer)
    response = upload(api, asset.pk, png_bytes(4, 4), "x.png")
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert stored_files(media_root) == []
    assert api.put(f"/assets/{asset.pk}/file", {"remote_url": "https://example.com/x.png"}).status_code == 403
    assert api.delete(f"/assets/{asset.pk}/file").status_code == 403
    assert api.patch(f"/assets/{asset.pk}", {"remote_url": "https://example.com/x.png"}).status_code == 403

    stranger = ApiClient(make_user("stranger"))
    assert upload(stranger, asset.pk, png_bytes(4, 4), "x.png").status_code == 404
    assert stranger.delete(f"/assets/{asset.pk}/file").status_code == 404
    assert stored_files(media_root) == []

    anonymous = ApiClient()
    assert upload(anonymous, asset.pk, png_bytes(4, 4), "x.png").status_code == 401

    editor = make_user("asset-editor")
    grant(editor, "change_asset", asset)
    assert upload(ApiClient(editor), asset.pk, png_bytes(4, 4), "x.png").status_code == 200


@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL; SQLite serializes writers")
@transactional
def test_concurrent_uploads_leave_exactly_one_file_set(superuser, truck_type, org, media_root):
    target = make_asset(org, truck_type, "Race")
    barrier = threading.Barrier(4)
    errors = []

    def worker(n):
        try:
            barrier.wait()
            file_services.upload_file(superuser, target.pk, SimpleUploadedFile(f"{n}.png", png_bytes(20 + n, 20)))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    record = AssetFile.objects.get(asset=target)
    assert sorted(stored_files(media_root)) == sorted(record.storage_names())
    assert Asset.objects.get(pk=target.pk).version == 5
