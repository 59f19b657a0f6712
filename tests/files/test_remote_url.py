"""A file kept elsewhere (Quable's remotePath): the URL is stored, never fetched."""

from __future__ import annotations

import re

import pytest

from assets.files.models import AssetFile
from assets.models import Asset, ChangeLogEntry

from .conftest import png_bytes, upload

pytestmark = pytest.mark.django_db

SHIRT = "https://www.crafters.fr/images/stories/633_chemise_homme_black_face.png"
BAD_URLS = ["ftp://files.example.com/shirt.png", "javascript:alert(1)", "file:///etc/passwd", "shirt.png",
            "https://", "http://exa mple.com/x.png", "data:image/png;base64,AAAA", "https://" + "a" * 2100 + ".com"]


def new_asset_body(org, truck_type, **extra):
    return {"organization_id": org.pk, "type_id": truck_type.pk, "title": "Blue shirt",
            "custom_fields": {"license_plate": "B-TL 9"}, **extra}


def test_create_with_remote_url_stores_it_as_the_file(admin_api, org, truck_type):
    response = admin_api.post("/assets", new_asset_body(org, truck_type, remote_url=SHIRT))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1
    file = body["file"]
    assert file["remote_url"] == SHIRT
    assert file["url"] == SHIRT
    assert file["name"] == "633_chemise_homme_black_face.png"
    assert file["mime_type"] == "image/png"
    assert file["thumbnail_url"] is None and file["preview_url"] is None
    assert file["size"] is None
    assert admin_api.get(f"/assets/{body['id']}").json()["file"]["url"] == SHIRT


@pytest.mark.parametrize("url", BAD_URLS)
def test_create_with_a_bad_remote_url_is_a_400_and_creates_nothing(admin_api, org, truck_type, url):
    response = admin_api.post("/assets", new_asset_body(org, truck_type, remote_url=url))
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "remote_url"
    assert not Asset.objects.exists()


@pytest.mark.parametrize("url", BAD_URLS[:3])
def test_patch_and_put_with_a_bad_remote_url_are_400_and_change_nothing(admin_api, asset, url):
    response = admin_api.patch(f"/assets/{asset.pk}", {"title": "Renamed", "remote_url": url})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "remote_url"
    response = admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": url})
    assert response.status_code == 400
    asset.refresh_from_db()
    assert (asset.title, asset.version) == ("Truck 1", 1)
    assert not AssetFile.objects.exists()


def test_remote_url_must_be_a_string(admin_api, asset):
    assert admin_api.patch(f"/assets/{asset.pk}", {"remote_url": 42}).status_code == 400
    assert admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": ""}).status_code == 400
    assert admin_api.put(f"/assets/{asset.pk}/file", {}).status_code == 400


def test_patch_with_remote_url_and_fields_is_one_version(admin_api, asset):
    response = admin_api.patch(f"/assets/{asset.pk}", {"version": 1, "title": "Shirt", "remote_url": SHIRT})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["title"] == "Shirt"
    assert body["file"]["url"] == SHIRT


def test_patch_with_only_remote_url_checks_the_version(admin_api, asset):
    assert admin_api.patch(f"/assets/{asset.pk}", {"version": 5, "remote_url": SHIRT}).status_code == 409
    response = admin_api.patch(f"/assets/{asset.pk}", {"version": 1, "remote_url": SHIRT})
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_patch_remote_url_null_removes_the_file(admin_api, asset):
    admin_api.patch(f"/assets/{asset.pk}", {"remote_url": SHIRT})
    response = admin_api.patch(f"/assets/{asset.pk}", {"remote_url": None})
    assert response.status_code == 200
    assert response.json()["file"] is None
    assert response.json()["version"] == 3
    # nothing to remove: no new version
    assert admin_api.patch(f"/assets/{asset.pk}", {"remote_url": None}).json()["version"] == 3


def test_put_remote_url_replaces_an_upload_and_is_logged(admin_api, asset):
    upload(admin_api, asset.pk, png_bytes(4, 4), "logo.png")
    response = admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": SHIRT, "version": 2})
    assert response.status_code == 200, response.content
    assert response.json()["file"]["url"] == SHIRT
    assert response.json()["version"] == 3
    entry = ChangeLogEntry.objects.filter(object_type="asset", object_id=asset.pk).latest("id")
    assert entry.before["file"]["name"] == "logo.png"
    assert entry.after["file"]["remote_url"] == SHIRT


def test_remote_url_without_a_file_name_still_works(admin_api, asset):
    url = "https://encrypted-tbn0.gstatic.com/images?q=tbn:ANd9GcQK&usqp=CAU"
    file = admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": url}).json()["file"]
    assert file["url"] == url
    assert file["name"] == "images"
    assert file["mime_type"] is None


INTERNAL_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # the cloud's metadata service
    "http://127.0.0.1:8000/admin/", "http://[::1]/x.png", "http://[::ffff:127.0.0.1]/x.png",
    "http://10.0.0.7/x.png", "http://192.168.1.1/x.png", "http://172.16.0.1/x.png", "http://0.0.0.0/x.png",
    "http://localhost:5432/", "https://user:secret@cdn.example.com/x.png", "https://token@cdn.example.com/x.png",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_remote_urls_at_internal_hosts_or_with_credentials_are_refused(admin_api, org, truck_type, asset, url):
    response = admin_api.post("/assets", new_asset_body(org, truck_type, remote_url=url))
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "remote_url"
    assert admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": url}).status_code == 400
    assert admin_api.patch(f"/assets/{asset.pk}", {"remote_url": url}).status_code == 400
    assert not AssetFile.objects.exists()


def test_the_file_endpoint_does_not_redirect_to_a_host_that_resolves_internally(admin_api, asset):
    """A stored URL whose name DNS now resolves to loopback (here `localhost`, through the
    resolver as any name) is not redirected to."""
    AssetFile.objects.create(asset=asset, remote_url="http://localhost/x.png", name="x.png")
    response = admin_api.client.get(f"/files/assets/{asset.pk}/original/", **admin_api.headers)
    assert response.status_code == 404
    assert "Location" not in response


# Public hosts in every form URLValidator reads: IP literals, internationalised names (raw and
# punycode), any port up to 65535, the scheme in capitals, surrounding spaces (stripped).
PUBLIC_URLS = [
    "http://8.8.8.8/x.png", "https://[2001:4860:4860::8888]:8443/x.png", "https://bücher.example/x.png",
    "https://xn--bcher-kva.example/x.png", "https://cdn.example.com:65535/x.png", "HTTPS://CDN.EXAMPLE.COM/x.png",
    "  https://cdn.example.com/x.png\n",
]
# What no address makes acceptable: a port past 65535, credentials, a space in the host, no host.
MALFORMED_URLS = ["https://cdn.example.com:65536/x.png", "https://cdn.example.com:99999/x.png",
                  "https://user:secret@cdn.example.com/x.png", "http://exa mple.com/x.png", "https://"]


def _url_patterns(api) -> dict[str, str]:
    components = api.get("/openapi.json").json()["components"]["schemas"]
    url_branches = {
        "RemoteFileIn": components["RemoteFileIn"]["properties"]["remote_url"],
        "AssetPatch": components["AssetPatch"]["properties"]["remote_url"]["anyOf"][0],
        "EventRuleCreate": components["EventRuleCreate"]["properties"]["url"],
    }
    return {name: branch["pattern"] for name, branch in url_branches.items()}


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_the_document_admits_every_public_url_the_server_takes(admin_api, asset, url):
    # The pattern is read as schemathesis and jsonschema read it (Python's re.search).
    assert all(re.search(pattern, url) for pattern in _url_patterns(admin_api).values())
    response = admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": url})
    assert response.status_code == 200, response.content
    assert response.json()["file"]["remote_url"] == url.strip()


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_the_document_refuses_what_the_server_refuses_for_any_address(admin_api, asset, url):
    assert not any(re.search(pattern, url) for pattern in _url_patterns(admin_api).values())
    response = admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": url})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "remote_url"


@pytest.mark.parametrize("url", INTERNAL_URLS[:8])
def test_internal_addresses_are_the_documented_server_rule_not_syntax(admin_api, asset, url):
    """Loopback, private and link-local literals are well-formed URLs: the document admits them
    and says in the description that the server refuses them."""
    patterns = _url_patterns(admin_api)
    assert all(re.search(pattern, url) for pattern in patterns.values())
    assert "private" in admin_api.get("/openapi.json").json()["components"]["schemas"]["RemoteFileIn"][
        "properties"]["remote_url"]["description"]
    assert admin_api.put(f"/assets/{asset.pk}/file", {"remote_url": url}).status_code == 400
