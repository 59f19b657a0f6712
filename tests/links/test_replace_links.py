"""PUT /assets/{id}/links: Laserfiche's "assign links" replaces every outgoing link of an entry,
all or nothing."""

from __future__ import annotations

import pytest

from assets.models import ChangeLogEntry
from links.models import Link
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .conftest import make_link, system_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def repo(db):
    return make_org("laserfiche-repo", title="Laserfiche Repository")


@pytest.fixture
def entries(repo):
    email_type = make_type(repo, "email", title="Email")
    document_type = make_type(repo, "document", title="Document")
    email = make_asset(repo, email_type, "Email", key="email-10")
    attachments = [make_asset(repo, document_type, f"EmailAttachment {n}", key=f"email-attachment-{n}") for n in (15, 16, 17)]
    return email, attachments


@pytest.fixture
def clerk(repo):
    user = make_user("clerk")
    grant(user, "change_org_assets", repo)
    return user


def test_put_assigns_links_and_returns_the_full_list(clerk, entries):
    email, attachments = entries
    api = ApiClient(clerk)
    response = api.put(f"/assets/{email.pk}/links", {"links": [
        {"target_id": attachments[0].pk, "link_type": system_type("attachment").pk},
        {"target_id": attachments[1].pk, "link_type": "attachment", "sequence": -1, "properties": {"page": 2}},
    ]})
    assert response.status_code == 200, response.content
    links = response.json()["links"]
    assert [(link["target"]["key"], link["link_type"]["source_label"], link["link_type"]["target_label"])
            for link in links] == [("email-attachment-16", "Message", "Attachment"),
                                   ("email-attachment-15", "Message", "Attachment")]
    assert links[0]["properties"] == {"page": 2}
    assert Link.objects.filter(source=email).count() == 2


def test_put_replaces_the_whole_set_and_keeps_unchanged_links(clerk, entries):
    email, attachments = entries
    kept = make_link("attachment", email, attachments[0], tags=["x"])
    make_link("attachment", email, attachments[1])
    incoming = make_link("attachment", attachments[2], email)
    api = ApiClient(clerk)
    response = api.put(f"/assets/{email.pk}/links", {"links": [
        {"target_id": attachments[0].pk, "link_type": "attachment", "tags": ["x"]},
        {"target_id": attachments[2].pk, "link_type": "related", "tags": ["new"]},
    ]})
    assert response.status_code == 200, response.content
    result = {(link["target"]["key"], link["link_type"]["code"]): link for link in response.json()["links"]}
    assert set(result) == {("email-attachment-15", "attachment"), ("email-attachment-17", "related")}
    assert result[("email-attachment-15", "attachment")]["id"] == kept.pk
    assert result[("email-attachment-15", "attachment")]["version"] == 1
    # Incoming links are not the asset's to replace.
    assert Link.objects.filter(pk=incoming.pk).exists()
    changed = api.put(f"/assets/{email.pk}/links", {"links": [
        {"target_id": attachments[0].pk, "link_type": "attachment", "tags": ["y"]},
    ]}).json()["links"]
    assert [(link["id"], link["tags"], link["version"]) for link in changed] == [(kept.pk, ["y"], 2)]
    actions = sorted(ChangeLogEntry.objects.filter(object_type="link").values_list("action", flat=True))
    assert actions == ["create", "delete", "delete", "update"]


def test_empty_list_removes_every_outgoing_link(clerk, entries):
    email, attachments = entries
    for attachment in attachments:
        make_link("attachment", email, attachment)
    response = ApiClient(clerk).put(f"/assets/{email.pk}/links", {"links": []})
    assert response.status_code == 200 and response.json() == {"links": []}
    assert not Link.objects.filter(source=email).exists()


def _state():
    return sorted(Link.objects.values_list("link_type__code", "source_id", "target_id", "alias", "tags", "version"))


@pytest.mark.parametrize(
    "bad_entry, status, code",
    [
        ({"link_type": "attachment", "tags": "oops"}, 400, "VALIDATION_ERROR"),
        ({"link_type": "no_such_type"}, 400, "VALIDATION_ERROR"),
        ({"link_type": "related", "alias": "x"}, 400, "VALIDATION_ERROR"),
        ({"link_type": "attachment", "target_id": 999999}, 404, "NOT_FOUND"),
        ({"link_type": "attachment", "self": True}, 400, "VALIDATION_ERROR"),
        ({"link_type": "attachment", "duplicate": True}, 400, "VALIDATION_ERROR"),
        ({"link_type": "parent_child", "cycle": True}, 409, "CYCLE"),
        ({"link_type": "related", "peer_duplicate": True}, 409, "DUPLICATE"),
    ],
)
def test_one_bad_entry_changes_nothing(clerk, entries, bad_entry, status, code):
    email, attachments = entries
    make_link("attachment", email, attachments[0])
    make_link("parent_child", attachments[2], email)
    make_link("related", attachments[1], email)
    before = _state()
    entry = {k: v for k, v in bad_entry.items() if k in ("link_type", "tags", "alias", "target_id")}
    entry.setdefault("target_id", attachments[1].pk)
    if bad_entry.get("self"):
        entry["target_id"] = email.pk
    if bad_entry.get("cycle"):
        entry["target_id"] = attachments[2].pk
    links = [{"target_id": attachments[1].pk, "link_type": "supersedes"}, entry]
    if bad_entry.get("duplicate"):
        links.append(dict(entry))
    response = ApiClient(clerk).put(f"/assets/{email.pk}/links", {"links": links})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert _state() == before
    assert not ChangeLogEntry.objects.filter(object_type="link").exists()


def test_every_bad_entry_is_reported_at_once(clerk, entries):
    email, attachments = entries
    response = ApiClient(clerk).put(f"/assets/{email.pk}/links", {"links": [
        {"target_id": attachments[0].pk, "link_type": "attachment", "tags": [""]},
        {"target_id": attachments[1].pk, "link_type": "attachment"},
        {"target_id": attachments[2].pk, "link_type": "nope"},
    ]})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["links.0.tags", "links.2.link_type"]


def test_put_needs_change_on_every_target_it_writes_or_removes(repo, entries):
    email, attachments = entries
    user = make_user("partial")
    grant(user, "change_asset", email)
    grant(user, "change_asset", attachments[0])
    grant(user, "view_asset", attachments[1])
    make_link("attachment", email, attachments[1])
    hidden = make_link("attachment", email, attachments[2])
    api = ApiClient(user)
    # Removing the link to the view-only attachment is refused; nothing changes.
    refused = api.put(f"/assets/{email.pk}/links", {"links": [{"target_id": attachments[0].pk, "link_type": "attachment"}]})
    assert refused.status_code == 403
    assert Link.objects.filter(source=email).count() == 2
    # Keeping it unchanged needs no write; the link to the asset they can't see stays untouched.
    response = api.put(f"/assets/{email.pk}/links", {"links": [
        {"target_id": attachments[0].pk, "link_type": "attachment"},
        {"target_id": attachments[1].pk, "link_type": "attachment"},
    ]})
    assert response.status_code == 200, response.content
    assert sorted(link["target"]["key"] for link in response.json()["links"]) == [
        "email-attachment-15", "email-attachment-16"
    ]
    assert Link.objects.filter(pk=hidden.pk).exists()
    assert api.put(f"/assets/{email.pk}/links", {"links": [{"target_id": attachments[2].pk, "link_type": "attachment"}]}).status_code == 404


def test_put_on_a_missing_or_invisible_asset_is_404(clerk, entries):
    stranger_org = make_org("elsewhere")
    stranger_asset = make_asset(stranger_org, make_type(stranger_org, "thing"))
    api = ApiClient(clerk)
    assert api.put("/assets/999999/links", {"links": []}).status_code == 404
    assert api.put(f"/assets/{stranger_asset.pk}/links", {"links": []}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"links": "all"}, {"links": [1]}, {"links": [{"target_id": 1}]}, "[]"])
def test_malformed_put_bodies_are_400(clerk, entries, body):
    email, _ = entries
    response = ApiClient(clerk).put(f"/assets/{email.pk}/links", body)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
