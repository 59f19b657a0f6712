"""Seed 002 (Laserfiche entry links) replayed against /compat/laserfiche/repository/v1/: the
seed's PUT (with its trailing comma), the documented response, the entry read its links point
to, link definitions, and all-or-nothing replacement."""

from __future__ import annotations

import json

import pytest

from links.models import Link, LinkType
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

BASE = "/compat/laserfiche/repository/v1/"


@pytest.fixture
def repo(db):
    return make_org("r-abc123", title="Laserfiche repository")


@pytest.fixture
def documents(repo):
    doc = make_type(repo, "document", title="Document")
    return {
        "email": make_asset(repo, doc, "Email", key="email"),
        "attachment": make_asset(repo, doc, "EmailAttachment", key="email-attachment"),
        "agenda": make_asset(repo, doc, "Agenda", key="agenda"),
    }


@pytest.fixture
def clerk(repo):
    user = make_user("clerk")
    grant(user, "change_org_assets", repo)
    return user


@pytest.fixture
def lf(compat, clerk):
    return compat(BASE, clerk)


def put_links(client, source, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.client.put(f"{BASE}Repositories/r-abc123/Entries/{source.pk}/links", data,
                             content_type="application/json", **client.headers)


def test_seed_put_returns_the_documented_list(lf, clerk, documents):
    email, attachment = documents["email"], documents["attachment"]
    # The seed's body, trailing comma included.
    body = '[\n  {\n    "targetId": ' + str(attachment.pk) + ',\n    "linkTypeId": 1,\n  }\n]'
    response = put_links(lf, email, body)
    assert response.status_code == 200, response.content
    (value,) = response.json()["value"]
    link = Link.objects.get()
    assert link.link_type.code == "attachment"
    assert value == {
        "linkId": link.pk,
        "sourceId": email.pk,
        "sourceFullPath": "\\Email",
        "sourceLabel": "Message",
        "targetId": attachment.pk,
        "targetFullPath": "\\EmailAttachment",
        "targetLabel": "Attachment",
        "description": "",
        "linkTypeDescription": "Message / attachment",
        "linkTypeId": 1,
        "sourceLink": f"http://localhost{BASE}Repositories/r-abc123/Entries/{email.pk}",
        "targetLink": f"http://localhost{BASE}Repositories/r-abc123/Entries/{attachment.pk}",
        "linkProperties": None,
    }
    # The links point at entries that can be read, with their fullPath.
    entry = lf.get(value["targetLink"].removeprefix("http://localhost")).json()
    assert (entry["id"], entry["name"], entry["fullPath"], entry["entryType"]) == (
        attachment.pk, "EmailAttachment", "\\EmailAttachment", "Document")
    assert lf.get(f"Repositories/r-abc123/Entries/{email.pk}/links").json() == response.json()
    # What the dialect wrote is what the REST API reads.
    rest = ApiClient(clerk).get(f"/assets/{email.pk}/links").json()
    assert [(o["asset_id"], o["link_type"]) for o in rest["other"]] == [(attachment.pk, "attachment")]


def test_put_replaces_and_an_empty_list_removes_all(lf, documents):
    email, attachment, agenda = documents["email"], documents["attachment"], documents["agenda"]
    put_links(lf, email, [{"targetId": attachment.pk, "linkTypeId": 1}])
    kept = Link.objects.get().pk
    response = put_links(lf, email, [
        {"targetId": attachment.pk, "linkTypeId": 1},
        {"targetId": agenda.pk, "linkTypeId": 1, "description": "agenda", "customProperties": {"page": 3}},
    ])
    assert response.status_code == 200
    values = response.json()["value"]
    assert [v["targetId"] for v in values] == [attachment.pk, agenda.pk]
    assert values[0]["linkId"] == kept
    assert (values[1]["description"], values[1]["linkProperties"]) == ("agenda", {"page": 3})
    response = put_links(lf, email, [])
    assert response.status_code == 200 and response.json() == {"value": []}
    assert not Link.objects.exists()


def test_link_definitions_list_message_attachment_as_1(lf, documents):
    response = lf.get("Repositories/r-abc123/LinkDefinitions")
    assert response.status_code == 200
    definitions = {d["linkTypeId"]: d for d in response.json()["value"]}
    assert definitions[1] == {"linkTypeId": 1, "sourceLabel": "Message", "targetLabel": "Attachment",
                              "linkTypeDescription": "Message / attachment"}
    # Every definition listed can be used in a PUT, under the id listed.
    supersedes = next(d["linkTypeId"] for d in definitions.values() if d["sourceLabel"] == "Supersedes")
    response = put_links(lf, documents["agenda"], [{"targetId": documents["email"].pk, "linkTypeId": supersedes}])
    assert response.status_code == 200
    assert Link.objects.get().link_type.code == "supersedes"
    assert len(definitions) == LinkType.objects.filter(organization__isnull=True).count()


def test_one_bad_entry_changes_nothing(lf, documents):
    email, attachment, agenda = documents["email"], documents["attachment"], documents["agenda"]
    put_links(lf, email, [{"targetId": attachment.pk, "linkTypeId": 1}])
    before = list(Link.objects.values_list("pk", "target_id", "version"))
    for body, status in [
        ([{"targetId": agenda.pk, "linkTypeId": 1}, {"targetId": 999999, "linkTypeId": 1}], 404),
        ([{"targetId": agenda.pk, "linkTypeId": 1}, {"targetId": agenda.pk, "linkTypeId": 424242}], 400),
        ([{"targetId": agenda.pk, "linkTypeId": 1}, {"targetId": email.pk, "linkTypeId": 1}], 400),
        ([{"targetId": agenda.pk, "linkTypeId": 1}, {"targetId": agenda.pk, "linkTypeId": 1}], 400),
        ([{"targetId": agenda.pk, "linkTypeId": 1}, {"targetId": "x", "linkTypeId": 1}], 400),
        ([{"targetId": agenda.pk, "linkTypeId": 1, "colour": "red"}], 400),
        ({"targetId": agenda.pk, "linkTypeId": 1}, 400),
        ("[{", 400),
    ]:
        response = put_links(lf, email, body)
        assert response.status_code == status, (body, response.content)
        problem = response.json()
        assert problem["status"] == status and problem["title"] and "traceId" in problem
        assert list(Link.objects.values_list("pk", "target_id", "version")) == before


def test_cycle_of_a_hierarchical_definition_is_refused(lf, documents):
    email, agenda = documents["email"], documents["agenda"]
    parent_child = LinkType.objects.get(organization__isnull=True, code="parent_child")
    definitions = lf.get("Repositories/r-abc123/LinkDefinitions").json()["value"]
    lf_id = next(d["linkTypeId"] for d in definitions if d["sourceLabel"] == parent_child.source_label)
    assert put_links(lf, email, [{"targetId": agenda.pk, "linkTypeId": lf_id}]).status_code == 200
    response = put_links(lf, agenda, [{"targetId": email.pk, "linkTypeId": lf_id}])
    assert response.status_code == 409 and "ancestor" in response.json()["title"]
    assert Link.objects.count() == 1


def test_entries_of_another_repository_are_unknown(lf, clerk, documents):
    other = make_org("r-other")
    grant(clerk, "change_org_assets", other)
    stranger = make_asset(other, make_type(other, "document"), "Stranger")
    response = put_links(lf, documents["email"], [{"targetId": stranger.pk, "linkTypeId": 1}])
    assert response.status_code == 404
    assert lf.get(f"Repositories/r-abc123/Entries/{stranger.pk}").status_code == 404
    assert lf.get(f"Repositories/r-other/Entries/{documents['email'].pk}/links").status_code == 404
    assert not Link.objects.exists()


def test_hidden_targets_are_never_named_and_stay(compat, lf, documents):
    email, attachment, agenda = documents["email"], documents["attachment"], documents["agenda"]
    put_links(lf, email, [{"targetId": attachment.pk, "linkTypeId": 1}, {"targetId": agenda.pk, "linkTypeId": 1}])
    partial = make_user("partial")
    grant(partial, "change_asset", email)
    grant(partial, "change_asset", agenda)
    client = compat(BASE, partial)
    response = client.get(f"Repositories/r-abc123/Entries/{email.pk}/links")
    assert [v["targetId"] for v in response.json()["value"]] == [agenda.pk]
    assert b"EmailAttachment" not in response.content
    # Replacing what they see leaves the link they can't see alone.
    assert put_links(client, email, []).json() == {"value": []}
    assert list(Link.objects.values_list("target_id", flat=True)) == [attachment.pk]
    hidden = put_links(client, email, [{"targetId": attachment.pk, "linkTypeId": 1}])
    missing = put_links(client, email, [{"targetId": 999999, "linkTypeId": 1}])
    assert hidden.status_code == missing.status_code == 404
    assert client.get(f"Repositories/r-abc123/Entries/{attachment.pk}").status_code == 404


def test_view_only_is_403_and_anonymous_401(compat, repo, lf, documents):
    viewer = make_user("viewer")
    grant(viewer, "view_org_assets", repo)
    client = compat(BASE, viewer)
    assert client.get(f"Repositories/r-abc123/Entries/{documents['email'].pk}/links").status_code == 200
    response = put_links(client, documents["email"], [{"targetId": documents["agenda"].pk, "linkTypeId": 1}])
    assert response.status_code == 403 and response.json()["status"] == 403
    assert not Link.objects.exists()
    assert compat(BASE).get("Repositories/r-abc123/LinkDefinitions").status_code == 401
    assert client.get("Repositories/r-nowhere/LinkDefinitions").status_code == 404


def test_bad_entry_ids_are_4xx(lf, documents):
    for entry in ("abc", "0", "9" * 30):
        response = lf.get(f"Repositories/r-abc123/Entries/{entry}")
        assert response.status_code in (400, 404), (entry, response.status_code)


def test_ids_beyond_64_bits_are_4xx(lf, documents):
    huge = 2**70
    response = put_links(lf, documents["email"], [{"targetId": huge, "linkTypeId": 1}])
    assert response.status_code in (400, 404), response.content
    response = put_links(lf, documents["email"], [{"targetId": documents["agenda"].pk, "linkTypeId": huge}])
    assert response.status_code == 400
    assert not Link.objects.exists()
