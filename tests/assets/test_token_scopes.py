"""Tokens as good as NetBox's: read-only, organization-scoped, limited to client address ranges,
revocable by a superuser; all shown by GET /auth/tokens and the admin."""

from __future__ import annotations

import pytest
from django.test import Client

from assets.models import ApiToken
from groups import services as group_services
from links.models import Link, LinkType
from tests.conftest import ApiClient
from tests.factories import PASSWORD, grant, make_asset, make_org, make_type, make_user

from .helpers import assert_problem


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_for(username, **options) -> tuple[dict, ApiClient]:
    response = ApiClient().post("/auth/tokens", {"username": username, "password": PASSWORD, **options})
    assert response.status_code == 201, response.content
    body = response.json()
    return body, ApiClient(token=body["token"])


@pytest.fixture
def two_orgs(db):
    """Two organizations with an asset, a group, a file-less link inside each, and a cross link."""
    north, south = make_org("north"), make_org("south")
    world = {}
    for org in (north, south):
        asset_type = make_type(org, f"{org.key}_type")
        first = make_asset(org, asset_type, f"{org.key} one", key=f"{org.key}-1")
        second = make_asset(org, asset_type, f"{org.key} two", key=f"{org.key}-2")
        world[org.key] = {"org": org, "type": asset_type, "assets": [first, second]}
    root = make_user("root-of-both", superuser=True)
    for key in world:
        world[key]["group"] = group_services.create_group(
            root, organization_id=world[key]["org"].pk, title=f"{key} depot",
            asset_ids=[a.pk for a in world[key]["assets"]],
        )
    related = LinkType.objects.get(organization__isnull=True, code="related")
    for key in world:
        one, two = world[key]["assets"]
        world[key]["link"] = Link.objects.create(link_type=related, source=one, target=two, kind=related.kind)
    world["cross"] = Link.objects.create(
        link_type=related, source=world["north"]["assets"][0], target=world["south"]["assets"][0], kind=related.kind
    )
    return world


# --- read-only --------------------------------------------------------------------------------------
def test_read_only_token_reads_but_every_write_is_403(two_orgs):
    user = make_user("reader")
    grant(user, "change_org_assets", two_orgs["north"]["org"])
    created, api = token_for("reader", read_only=True)
    assert created["read_only"] is True
    asset = two_orgs["north"]["assets"][0]
    assert api.get(f"/assets/{asset.pk}").status_code == 200
    assert api.get("/assets").status_code == 200
    body = {"organization_id": two_orgs["north"]["org"].pk, "type_id": two_orgs["north"]["type"].pk,
            "title": "new", "custom_fields": {}}
    for response in (
        api.post("/assets", body),
        api.patch(f"/assets/{asset.pk}", {"title": "renamed"}),
        api.put(f"/assets/{asset.pk}/links", {"links": []}),
        api.delete(f"/assets/{asset.pk}"),
        api.delete(f"/auth/tokens/{created['id']}"),
    ):
        problem = assert_problem(response, 403, "FORBIDDEN")
        assert "read-only" in problem["detail"]
    asset.refresh_from_db()
    assert asset.title == "north one" and asset.version == 1
    # The same user's full token may write.
    _, writer = token_for("reader")
    assert writer.patch(f"/assets/{asset.pk}", {"title": "renamed"}).status_code == 200


# --- organization scope -----------------------------------------------------------------------------
def test_scoped_token_of_a_superuser_sees_and_changes_only_its_organizations(two_orgs):
    make_user("boss", superuser=True)
    north, south = two_orgs["north"], two_orgs["south"]
    created, api = token_for("boss", organization_ids=[north["org"].pk])
    assert created["organization_ids"] == [north["org"].pk]

    assert [o["id"] for o in api.get("/organizations").json()["items"]] == [north["org"].pk]
    assert_problem(api.get(f"/organizations/{south['org'].pk}"), 404, "NOT_FOUND")
    listed = {a["id"] for a in api.get("/assets").json()["items"]}
    assert listed == {a.pk for a in north["assets"]}
    hidden = south["assets"][0]
    assert_problem(api.get(f"/assets/{hidden.pk}"), 404, "NOT_FOUND")
    assert_problem(api.patch(f"/assets/{hidden.pk}", {"title": "x"}), 404, "NOT_FOUND")
    assert_problem(api.delete(f"/assets/{hidden.pk}"), 404, "NOT_FOUND")
    # Groups and links obey the same scope.
    assert {g["id"] for g in api.get("/groups").json()["items"]} == {north["group"].pk}
    assert_problem(api.get(f"/groups/{south['group'].pk}"), 404, "NOT_FOUND")
    assert {link["id"] for link in api.get("/links").json()["items"]} == {north["link"].pk}
    assert_problem(api.get(f"/links/{two_orgs['cross'].pk}"), 404, "NOT_FOUND")
    panel = api.get(f"/assets/{north['assets'][0].pk}/links").json()
    assert sum(panel["unauthorized_counts"].values()) == 1  # the cross link, counted, not shown
    # No superuser shortcut: the scoped token can't make what only superusers may.
    assert_problem(api.post("/organizations", {"key": "new-top", "title": "New"}), 403, "FORBIDDEN")
    assert_problem(api.get("/users"), 403, "FORBIDDEN")
    # Inside the scope it changes what its user may.
    mine = north["assets"][0]
    assert api.patch(f"/assets/{mine.pk}", {"title": "renamed"}).status_code == 200
    assert api.get("/me").json()["memberships"][0]["organization"]["id"] == north["org"].pk


def test_scope_intersects_per_object_and_group_grants(two_orgs):
    """The user's own grants elsewhere (on one asset, on a group) don't reach past the scope."""
    north, south = two_orgs["north"], two_orgs["south"]
    user = make_user("mixed")
    grant(user, "view_org_assets", north["org"])
    grant(user, "change_asset", south["assets"][0])
    grant(user, "groups.view_group_assets", south["group"])
    _, full = token_for("mixed")
    assert {a["id"] for a in full.get("/assets").json()["items"]} == {
        *(a.pk for a in north["assets"]), *(a.pk for a in south["assets"])
    }
    _, scoped = token_for("mixed", organization_ids=[north["org"].pk])
    assert {a["id"] for a in scoped.get("/assets").json()["items"]} == {a.pk for a in north["assets"]}
    assert_problem(scoped.get(f"/assets/{south['assets'][0].pk}"), 404, "NOT_FOUND")
    assert_problem(scoped.patch(f"/assets/{south['assets'][0].pk}", {"title": "x"}), 404, "NOT_FOUND")
    assert_problem(scoped.get(f"/groups/{south['group'].pk}"), 404, "NOT_FOUND")
    assert [o["id"] for o in scoped.get("/organizations").json()["items"]] == [north["org"].pk]
    # Scoped to the other organization, it sees only what the per-object grants give there.
    _, south_only = token_for("mixed", organization_ids=[south["org"].pk])
    assert {a["id"] for a in south_only.get("/assets").json()["items"]} == {a.pk for a in south["assets"]}
    assert_problem(south_only.get(f"/assets/{north['assets'][0].pk}"), 404, "NOT_FOUND")


def test_scoped_token_serves_files_only_inside_its_organizations(two_orgs, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    make_user("boss", superuser=True)
    _, full = token_for("boss")
    north, south = two_orgs["north"]["assets"][0], two_orgs["south"]["assets"][0]
    for asset in (north, south):
        response = full.client.post(f"/api/v1/assets/{asset.pk}/file", {"file": _text_file()}, **full.headers)
        assert response.status_code == 200, response.content
    _, scoped = token_for("boss", organization_ids=[two_orgs["north"]["org"].pk])
    ok = scoped.client.get(f"/files/assets/{north.pk}/original/", **scoped.headers)
    assert ok.status_code == 200
    hidden = scoped.client.get(f"/files/assets/{south.pk}/original/", **scoped.headers)
    assert hidden.status_code == 404


def _text_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("notes.txt", b"plain text notes\n", content_type="text/plain")


def test_scope_must_name_visible_organizations(two_orgs):
    user = make_user("northerner")
    grant(user, "view_org_assets", two_orgs["north"]["org"])
    invisible = two_orgs["south"]["org"].pk
    for ids in ([invisible], [99_999_999]):
        problem = assert_problem(
            ApiClient().post("/auth/tokens", {"username": "northerner", "password": PASSWORD, "organization_ids": ids}),
            400, "VALIDATION_ERROR",
        )
        assert problem["errors"][0] == {"field": "organization_ids", "message": f"organization {ids[0]} does not exist"}
    assert not ApiToken.objects.filter(user=user).exists()


# --- allowed client addresses -------------------------------------------------------------------------
def test_token_limited_to_address_ranges_refuses_other_clients(two_orgs):
    make_user("ops", superuser=True)
    created, api = token_for("ops", allowed_ips=["10.1.0.0/16", "2001:db8::/32", "192.0.2.7"])
    assert created["allowed_ips"] == ["10.1.0.0/16", "192.0.2.7/32", "2001:db8::/32"]
    for address in ("10.1.2.3", "192.0.2.7", "2001:db8::1"):
        assert api.get("/me", REMOTE_ADDR=address).status_code == 200, address
    for address in ("10.2.0.1", "127.0.0.1", "192.0.2.8", "2001:db9::1"):
        problem = assert_problem(api.get("/me", REMOTE_ADDR=address), 403, "FORBIDDEN")
        assert "address" in problem["detail"]
    asset = two_orgs["north"]["assets"][0]
    assert api.client.get(f"/files/assets/{asset.pk}/original/", REMOTE_ADDR="10.2.0.1", **api.headers).status_code == 403


@pytest.mark.parametrize("ranges", [["not-an-ip"], ["10.0.0.0/33"], "10.0.0.0/8", [7]])
def test_allowed_ips_are_validated(db, ranges):
    make_user("ops")
    problem = assert_problem(
        ApiClient().post("/auth/tokens", {"username": "ops", "password": PASSWORD, "allowed_ips": ranges}),
        400, "VALIDATION_ERROR",
    )
    assert problem["errors"][0]["field"].startswith("allowed_ips")


# --- listing and revoking -----------------------------------------------------------------------------
def test_superuser_revokes_and_lists_another_users_token(db):
    make_user("alice")
    root = make_user("root", superuser=True)
    created, alice_api = token_for("alice", name="laptop", read_only=True)
    admin = ApiClient(root)
    listed = admin.get("/auth/tokens", {"user_id": created["user_id"]}).json()["items"]
    assert [t["id"] for t in listed] == [created["id"]]
    assert listed[0] | {"created_at": None, "last_used_at": None} == {
        "id": created["id"], "user_id": created["user_id"], "name": "laptop", "prefix": created["token"][:12],
        "created_at": None, "expires_at": None, "revoked_at": None, "last_used_at": None, "read_only": True,
        "organization_ids": [], "allowed_ips": [],
    }
    assert admin.delete(f"/auth/tokens/{created['id']}").status_code == 204
    assert_problem(alice_api.get("/me"), 401, "UNAUTHENTICATED")
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is not None


def test_others_may_neither_revoke_nor_list_a_users_tokens(db):
    make_user("alice")
    bob = make_user("bob")
    created, alice_api = token_for("alice")
    bob_api = ApiClient(bob)
    assert_problem(bob_api.delete(f"/auth/tokens/{created['id']}"), 404, "NOT_FOUND")
    assert_problem(bob_api.get("/auth/tokens", {"user_id": created["user_id"]}), 403, "FORBIDDEN")
    assert alice_api.get("/me").status_code == 200


def test_admin_shows_the_token_restrictions(db):
    root = make_user("root", superuser=True)
    token_for("root", name="ci", read_only=True, allowed_ips=["10.0.0.0/8"])
    client = Client()
    client.force_login(root)
    page = client.get("/admin/assets/apitoken/")
    assert page.status_code == 200
    assert b"10.0.0.0/8" in page.content and b"Read only" in page.content


def test_createtoken_takes_the_same_restrictions(two_orgs):
    import io

    from django.core.management import call_command

    make_user("ops", superuser=True)
    out = io.StringIO()
    call_command("createtoken", "ops", "--read-only", "--organization-id", str(two_orgs["north"]["org"].pk),
                 "--allowed-ip", "10.0.0.0/8", stdout=out)
    token = ApiToken.objects.get(user__username="ops")
    assert (token.read_only, token.organization_ids, token.allowed_ips) == (
        True, [two_orgs["north"]["org"].pk], ["10.0.0.0/8"]
    )
    api = ApiClient(token=out.getvalue().strip())
    assert {a["id"] for a in api.get("/assets", REMOTE_ADDR="10.0.0.1").json()["items"]} == {
        a.pk for a in two_orgs["north"]["assets"]
    }
