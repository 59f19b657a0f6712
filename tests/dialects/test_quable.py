"""Seed 004 (Quable DAM) replayed against /compat/quable/{organization key}/api/: assets with a
remote file or a staged upload, fetch, partial update, delete and links, with hydra errors;
and the staged uploads underneath (claimed once, by their uploader, before they expire)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from assets.files.models import AssetFile, StagedUpload
from assets.models import Asset
from groups.models import AssetGroup, GroupMembership
from links.models import Link, LinkType
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user
from tests.files.conftest import media_root, stored_files

__all__ = ["media_root"]  # autouse: every test here stores files in a throw-away MEDIA_ROOT

BASE = "/compat/quable/education-developers/api/"
REMOTE = ("https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQK__EYbk6y0la-IHFnoViF-ZRSkdam5yxhhtbsh3lG8YUQBuYEW7"
          "LLyi3qxl_vmu0-PyI&usqp=CAU")
ASSET_KEYS = {
    "@context", "@type", "@id", "name", "active", "attributes", "metadata", "url", "originalFilename", "thumbnailUrl",
    "previewUrl", "classifications", "documentLinks", "variantLinks", "dateCreated", "dateModified", "thumbnails",
    "id", "legacyId",
}


@pytest.fixture
def instance(db):
    org = make_org("education-developers", title="Education developers")
    make_type(org, "dam_asset", [
        {"code": "date_shooting", "field_type": "DATETIME"},
        {"code": "mannequin", "field_type": "STRING"},
        {"code": "reference_name", "field_type": "LOCALIZED_STRING"},
    ])
    AssetGroup.objects.create(organization=org, title="DAM sort", code="dam_sort")
    return org


@pytest.fixture
def author(instance):
    user = make_user("author")
    grant(user, "change_org_assets", instance)
    grant(user, "delete_org_assets", instance)
    grant(user, "manage_org", instance)
    return user


@pytest.fixture
def quable(compat, author):
    return compat(BASE, author)


def jpeg(name="shirt.jpg", size=(30, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 40, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def upload(client, file=None, **fields):
    return client.client.post(f"{BASE}files", {"fileType": "asset", "file": file or jpeg(), **fields}, **client.headers)


def test_create_with_a_remote_file(quable, author, instance):
    response = quable.post("assets", {
        "id": "myAssetIdentifier",
        "classification": {"id": "dam_sort"},
        "attributes": {"date_shooting": "2023-11-09T10:00:00", "mannequin": "Jane Doe"},
        "remotePath": REMOTE,
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ASSET_KEYS
    asset = Asset.objects.get(key="myAssetIdentifier")
    assert (body["@type"], body["@id"], body["id"], body["legacyId"], body["active"]) == (
        "Asset", "/api/assets/myAssetIdentifier", "myAssetIdentifier", asset.pk, True)
    assert body["attributes"]["mannequin"] == "Jane Doe"
    assert body["url"] == REMOTE
    (classification,) = body["classifications"]
    assert (classification["@type"], classification["@id"], classification["id"], classification["catalogId"]) == (
        "Classification", "/api/classifications/dam_sort", "dam_sort", None)
    assert classification["legacyId"] == AssetGroup.objects.get(code="dam_sort").pk
    assert (body["documentLinks"], body["variantLinks"]) == ([], [])
    # What the dialect wrote is what the REST API reads.
    rest = ApiClient(author).get(f"/assets/{asset.pk}").json()
    assert rest["key"] == "myAssetIdentifier" and rest["type"]["code"] == "dam_asset"
    assert rest["custom_fields"]["mannequin"] == "Jane Doe"
    assert rest["file"]["remote_url"] == REMOTE
    assert GroupMembership.objects.filter(asset=asset, group__code="dam_sort").exists()


def test_two_step_upload_then_create(quable, media_root):
    response = upload(quable)
    assert response.status_code == 201, response.content
    staged = response.json()
    assert {"name", "location", "metadatas", "id", "type", "status", "dateModified", "dateCreated"} <= set(staged)
    assert (staged["name"], staged["type"], staged["status"]) == ("shirt.jpg", "asset", "available")
    assert staged["metadatas"] == {"mime_type": "image/jpeg"}
    assert staged["location"]["filename"] == staged["id"]
    response = quable.post("assets", {"id": "blueshirt", "file": {"id": staged["id"]}, "classification": {"id": "dam_sort"}})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["originalFilename"] == "shirt.jpg"
    assert body["metadata"]["mime_type"] == "image/jpeg"
    assert (body["metadata"]["width"], body["metadata"]["height"], body["metadata"]["orientation"]) == ("30", "40", "portrait")
    assert body["url"].startswith("http://localhost/")
    # The worker renders the thumbnails after the upload (tests/files/test_renditions.py).
    assert body["thumbnails"] == {"preview": None, "thumbnail": None}
    assert quable.client.get(body["url"].removeprefix("http://localhost"), **quable.headers).status_code == 200
    assert not StagedUpload.objects.exists()
    # The upload is used up: a second asset can't take it.
    again = quable.post("assets", {"id": "redshirt", "file": {"id": staged["id"]}})
    assert again.status_code == 400 and "does not exist" in again.json()["hydra:description"]
    assert not Asset.objects.filter(key="redshirt").exists()


def test_fetch_update_delete(quable, author, instance):
    quable.post("assets", {"id": "7c5f3868-d166-4bda-b5bd-front", "attributes": {"mannequin": "Jane"}})
    response = quable.get("assets/7c5f3868-d166-4bda-b5bd-front")
    assert response.status_code == 200 and set(response.json()) == ASSET_KEYS
    version = Asset.objects.get().version
    response = quable.put("assets/7c5f3868-d166-4bda-b5bd-front", {
        "id": "7c5f3868-d166-4bda-b5bd-front",
        "attributes": {"reference_name": {"fr_FR": "Chemise bleue", "en_US": "Blue short"}},
    })
    assert response.status_code == 200, response.content
    attributes = response.json()["attributes"]
    # Only what the body names changes.
    assert attributes["mannequin"] == "Jane"
    assert attributes["reference_name"] == {"fr_FR": "Chemise bleue", "en_US": "Blue short"}
    asset = Asset.objects.get()
    assert asset.version == version + 1
    assert ApiClient(author).get(f"/assets/{asset.pk}").json()["custom_fields"]["reference_name"]["en_US"] == "Blue short"
    response = quable.delete("assets/7c5f3868-d166-4bda-b5bd-front")
    assert response.status_code == 204 and response.content == b""
    assert not Asset.objects.exists()
    assert quable.get("assets/7c5f3868-d166-4bda-b5bd-front").status_code == 404


def test_put_replaces_the_file_with_a_staged_upload(quable):
    quable.post("assets", {"id": "shirt", "remotePath": REMOTE})
    staged = upload(quable).json()
    response = quable.put("assets/shirt", {"file": {"id": staged["id"]}})
    assert response.status_code == 200 and response.json()["originalFilename"] == "shirt.jpg"
    assert AssetFile.objects.get().remote_url == ""


def test_link_a_document_to_an_asset(quable, author, instance):
    quable.post("assets", {"id": "TheDocumentIdentifier"})
    quable.post("assets", {"id": "TheAssetIdentifier"})
    response = quable.post("links", {
        "origin": {"id": "TheDocumentIdentifier"}, "target": {"id": "TheAssetIdentifier"},
        "linkType": {"id": "attachment"}, "attributes": [], "sequence": 1,
    })
    assert response.status_code == 201, response.content
    link = Link.objects.get()
    assert (link.source.key, link.target.key, link.link_type.code, link.sequence) == (
        "TheDocumentIdentifier", "TheAssetIdentifier", "attachment", 1)
    body = quable.get("assets/TheAssetIdentifier").json()
    assert body["documentLinks"] == [{"@type": "DocumentLink", "id": str(link.pk), "origin": {"id": "TheDocumentIdentifier"},
                                      "linkType": {"id": "attachment"}, "sequence": 1}]
    assert ApiClient(author).get(f"/links/{link.pk}").json()["link_type"]["code"] == "attachment"


@pytest.mark.parametrize("body, field", [
    ({"id": "a", "attributes": {"colour": "red"}}, "attributes.colour"),
    ({"id": "a", "classification": {"id": "no_such_sort"}}, "classification.id"),
    ({"id": "a", "file": {"id": "c52c1695-a303-4d7f-9bc5-c50142843325"}}, "file_id"),
    ({"id": "a", "file": {"id": "not-a-uuid"}}, "file_id"),
    ({"id": "a", "remotePath": "ftp://example.com/x.png"}, "remote_url"),
    ({"id": "a", "remotePath": REMOTE, "file": {"id": "x"}}, "file_id"),
    ({"id": "a b"}, "key"),
    ({"id": "a", "attributes": {"date_shooting": "yesterday"}}, "date_shooting"),
])
def test_bad_create_is_a_400_and_writes_nothing(quable, body, field):
    response = quable.post("assets", body)
    assert response.status_code == 400, response.content
    problem = response.json()
    assert problem["@type"] == "hydra:Error" and problem["hydra:description"]
    assert any(field in v["propertyPath"] for v in problem.get("violations", [])), problem
    assert not Asset.objects.exists() and not AssetFile.objects.exists()


def test_schema_errors_are_hydra_400s(quable):
    for body in ({"classification": {"id": "dam_sort"}}, {"id": 7}, {"id": "a", "unknown": 1}):
        response = quable.post("assets", body)
        assert response.status_code == 400 and response.json()["@type"] == "hydra:Error"


def test_duplicate_id_is_a_409(quable):
    assert quable.post("assets", {"id": "shirt"}).status_code == 201
    response = quable.post("assets", {"id": "shirt"})
    assert response.status_code == 409 and Asset.objects.count() == 1


def test_organization_without_dam_asset_is_a_400(compat, author):
    bare = make_org("bare")
    grant(author, "change_org_assets", bare)
    response = compat("/compat/quable/bare/api/", author).post("assets", {"id": "x"})
    assert response.status_code == 400 and "dam_asset" in response.json()["hydra:description"]


def test_link_rejections(quable):
    quable.post("assets", {"id": "doc"})
    quable.post("assets", {"id": "img"})
    for body, status in [
        ({"origin": {"id": "doc"}, "target": {"id": "nope"}, "linkType": {"id": "attachment"}}, 400),
        ({"origin": {"id": "doc"}, "target": {"id": "img"}, "linkType": {"id": "no_such_type"}}, 400),
        ({"origin": {"id": "doc"}, "target": {"id": "doc"}, "linkType": {"id": "attachment"}}, 400),
    ]:
        assert quable.post("links", body).status_code == status, body
    body = {"origin": {"id": "doc"}, "target": {"id": "img"}, "linkType": {"id": "attachment"}}
    assert quable.post("links", body).status_code == 201
    assert quable.post("links", body).status_code == 409
    assert Link.objects.count() == 1


def test_hidden_assets_read_like_missing_ones(compat, quable, instance):
    quable.post("assets", {"id": "secret"})
    outsider = make_user("outsider")
    other_instance_user = compat(BASE, outsider)
    assert other_instance_user.get("assets/secret").status_code == 404
    partial = make_user("partial")
    shown = make_asset(instance, instance.asset_types.get(code="dam_asset"), "Shown", key="shown")
    grant(partial, "view_asset", shown)
    client = compat(BASE, partial)
    hidden, missing = client.get("assets/secret"), client.get("assets/nothing")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["hydra:description"] == "asset secret does not exist"
    assert str(Asset.objects.get(key="secret").pk) not in hidden.content.decode()
    assert client.get("assets/shown").status_code == 200
    # View-only: every write is a 403.
    assert client.put("assets/shown", {"name": "Renamed"}).status_code == 403
    assert client.delete("assets/shown").status_code == 403
    assert upload(client).status_code == 403
    assert not StagedUpload.objects.exists()


def test_staged_upload_belongs_to_its_uploader(compat, quable, instance):
    staged = upload(quable).json()
    colleague = make_user("colleague")
    grant(colleague, "change_org_assets", instance)
    response = compat(BASE, colleague).post("assets", {"id": "theirs", "file": {"id": staged["id"]}})
    assert response.status_code == 400
    assert StagedUpload.objects.filter(pk=staged["id"]).exists()


def test_expired_uploads_are_refused_and_purged(quable, media_root, django_capture_on_commit_callbacks):
    kept = upload(quable).json()
    expired = upload(quable).json()
    StagedUpload.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = quable.post("assets", {"id": "late", "file": {"id": expired["id"]}})
    assert response.status_code == 400 and not Asset.objects.exists()
    before = stored_files(media_root)
    assert any(expired["id"].replace("-", "") in name for name in before)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_staged_uploads", stdout=out)
    assert "1 expired staged upload removed" in out.getvalue()
    after = stored_files(media_root)
    assert not any(expired["id"].replace("-", "") in name for name in after)
    assert any(kept["id"].replace("-", "") in name for name in after)
    assert [str(pk) for pk in StagedUpload.objects.values_list("pk", flat=True)] == [kept["id"]]
    # The kept one is still usable; its files now belong to the asset and survive a purge.
    assert quable.post("assets", {"id": "on-time", "file": {"id": kept["id"]}}).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_staged_uploads", stdout=io.StringIO())
    assert stored_files(media_root) == after


def test_upload_rejections(quable):
    assert upload(quable, fileType="document").status_code == 400
    response = quable.client.post(f"{BASE}files", {"fileType": "asset"}, **quable.headers)
    assert response.status_code == 400 and response.json()["@type"] == "hydra:Error"
    assert not StagedUpload.objects.exists()


def test_unknown_instance_and_anonymous(compat, author):
    assert compat("/compat/quable/nowhere/api/", author).get("assets/x").status_code == 404
    assert compat(BASE).get("assets/x").status_code == 401


def test_link_type_restrictions_apply(quable, instance):
    LinkType.objects.create(organization=instance, code="variant", name="Variant", kind="directed",
                            target_type_codes=["photo"])
    quable.post("assets", {"id": "doc"})
    quable.post("assets", {"id": "img"})
    response = quable.post("links", {"origin": {"id": "doc"}, "target": {"id": "img"}, "linkType": {"id": "variant"}})
    assert response.status_code == 400


def test_oversized_and_broken_uploads_are_4xx(quable, settings):
    settings.ASSET_FILE_MAX_BYTES = 100
    response = upload(quable)
    assert response.status_code == 413 and response.json()["@type"] == "hydra:Error"
    broken = quable.client.post(f"{BASE}files", b"--x\r\nnot a part", content_type="multipart/form-data; boundary=x",
                                **quable.headers)
    assert broken.status_code == 400
    assert not StagedUpload.objects.exists()


def test_session_upload_needs_csrf_and_big_bodies_are_4xx(instance, author, settings):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(username="author", password=PASSWORD)
    response = client.post(f"{BASE}files", {"fileType": "asset", "file": jpeg()})
    assert response.status_code == 403 and response.json()["@type"] == "hydra:Error"
    settings.ASSET_FILE_MAX_BYTES = 100
    response = client.post(f"{BASE}files", {"fileType": "asset", "file": jpeg(size=(400, 400))})
    assert 400 <= response.status_code < 500
