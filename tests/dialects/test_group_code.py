"""The optional group `code` (Quable's classification id): a slug unique per organization (a
database constraint), written through the REST API, the group pages, the admin and imports, and
shown in exports."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from groups.models import AssetGroup
from tests.conftest import ApiClient
from tests.factories import PASSWORD, make_org, make_user


@pytest.fixture
def root(db):
    return make_user("root", superuser=True)


@pytest.fixture
def quable(db):
    return make_org("quable-demo")


def test_rest_create_patch_and_uniqueness(root, quable):
    api = ApiClient(root)
    response = api.post("/groups", {"organization_id": quable.pk, "title": "DAM sort", "code": "dam_sort"})
    assert response.status_code == 201 and response.json()["code"] == "dam_sort"
    group_id = response.json()["id"]
    duplicate = api.post("/groups", {"organization_id": quable.pk, "title": "Other", "code": "dam_sort"})
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "code"
    other = make_org("elsewhere")
    assert api.post("/groups", {"organization_id": other.pk, "title": "X", "code": "dam_sort"}).status_code == 201
    bad = api.post("/groups", {"organization_id": quable.pk, "title": "Bad", "code": "dam sort!"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "code"
    second = api.post("/groups", {"organization_id": quable.pk, "title": "Second"}).json()
    assert second["code"] is None
    clash = api.patch(f"/groups/{second['id']}", {"code": "dam_sort"})
    assert clash.status_code == 409
    assert api.patch(f"/groups/{group_id}", {"code": "dam-sort-2"}).json()["code"] == "dam-sort-2"
    assert api.patch(f"/groups/{group_id}", {"code": None}).json()["code"] is None
    assert api.get(f"/groups/{group_id}").json()["code"] is None


def test_database_refuses_a_duplicate_code(quable):
    AssetGroup.objects.create(organization=quable, title="A", code="dam_sort")
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetGroup.objects.create(organization=quable, title="B", code="dam_sort")
    # Many groups without a code are fine.
    AssetGroup.objects.create(organization=quable, title="C")
    AssetGroup.objects.create(organization=quable, title="D")


def test_group_pages_edit_the_code(root, quable):
    client = Client()
    client.login(username="root", password=PASSWORD)
    response = client.post("/groups/create/", {"organization_id": quable.pk, "title": "DAM sort", "code": "dam_sort"})
    assert response.status_code == 302
    group = AssetGroup.objects.get(title="DAM sort")
    assert group.code == "dam_sort"
    page = client.get(f"/groups/{group.pk}/")
    assert b'name="code" value="dam_sort"' in page.content
    client.post(f"/groups/{group.pk}/rename/", {"title": "DAM sort", "code": "sorted", "version": group.version})
    group.refresh_from_db()
    assert group.code == "sorted"
    # A form without the field leaves the code alone; an empty one clears it.
    client.post(f"/groups/{group.pk}/rename/", {"title": "Renamed", "version": group.version})
    group.refresh_from_db()
    assert (group.title, group.code) == ("Renamed", "sorted")
    client.post(f"/groups/{group.pk}/rename/", {"title": "Renamed", "code": "", "version": group.version})
    group.refresh_from_db()
    assert group.code is None
    AssetGroup.objects.create(organization=quable, title="Taken", code="taken")
    response = client.post(f"/groups/{group.pk}/rename/", {"title": "Renamed", "code": "taken", "version": group.version},
                           follow=True)
    assert b"code" in response.content
    group.refresh_from_db()
    assert group.code is None


def test_admin_edits_the_code(root, quable):
    client = Client()
    client.login(username="root", password=PASSWORD)
    response = client.post("/admin/groups/assetgroup/add/", {
        "organization": quable.pk, "title": "DAM sort", "code": "dam_sort", "description": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    group = AssetGroup.objects.get(title="DAM sort")
    assert group.code == "dam_sort"
    listing = client.get("/admin/groups/assetgroup/", {"q": "dam_sort"})
    assert b"DAM sort" in listing.content
    response = client.post("/admin/groups/assetgroup/add/", {
        "organization": quable.pk, "title": "Again", "code": "dam_sort", "description": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and not AssetGroup.objects.filter(title="Again").exists()


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_export_shows_codes_and_import_writes_them(root, quable, tmp_path):
    source = tmp_path / "groups.csv"
    source.write_text("path,code,description\nDAM,dam_root,\nDAM/Sort,dam_sort,\nDAM/Plain,,\n")
    _run("import_groups", str(source), "--organization", "quable-demo", "--user", "root")
    assert dict(AssetGroup.objects.values_list("title", "code")) == {"DAM": "dam_root", "Sort": "dam_sort", "Plain": None}
    export = tmp_path / "export.csv"
    _run("export_groups", str(export), "--organization", "quable-demo")
    lines = export.read_text().splitlines()
    assert lines[0] == "path,code,description,exclusive"
    assert "DAM/Sort,dam_sort,,false" in lines
    # Codes can be swapped and changed on --update; a duplicate in the file is an error.
    source.write_text("path,code\nDAM/Sort,dam_plain\nDAM/Plain,dam_sort\n")
    _run("import_groups", str(source), "--organization", "quable-demo", "--user", "root", "--update")
    assert dict(AssetGroup.objects.values_list("title", "code"))["Plain"] == "dam_sort"
    source.write_text("path,code\nDAM/Sort,same\nDAM/Plain,same\n")
    with pytest.raises(CommandError, match="1 errors"):
        _run("import_groups", str(source), "--organization", "quable-demo", "--user", "root", "--update")
    assert dict(AssetGroup.objects.values_list("title", "code"))["Sort"] == "dam_plain"
    # A file without the column leaves the codes alone.
    source.write_text("path,description\nDAM/Sort,described\n")
    _run("import_groups", str(source), "--organization", "quable-demo", "--user", "root", "--update")
    assert AssetGroup.objects.get(title="Sort").code == "dam_plain"
