"""/link-types: read-only system types from the migration, organization types managed by holders of
manage_org, inherited by child organizations (the Quable `product_visual` type as example)."""

from __future__ import annotations

import pytest

from assets.models import ChangeLogEntry
from links.models import LinkType
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

from .conftest import make_link, system_type

pytestmark = pytest.mark.django_db

PRODUCT_VISUAL = {
    "code": "product_visual", "name": "Product visual", "kind": "directed",
    "source_label": "Document", "target_label": "Visual",
    "source_type_codes": ["document"], "target_type_codes": ["image"],
}


@pytest.fixture
def quable(db):
    return make_org("quable-demo", title="Quable Education")


@pytest.fixture
def manager(quable):
    user = make_user("pim-manager")
    grant(user, "manage_org", quable)
    grant(user, "change_org_assets", quable)
    return user


def test_system_link_types_come_from_the_migration(admin_api):
    body = admin_api.get("/link-types").json()
    system = {item["code"]: item for item in body["items"] if item["origin"] == "SYSTEM"}
    assert set(system) == {"parent_child", "related", "attachment", "supersedes"}
    assert (system["parent_child"]["kind"], system["parent_child"]["allow_alias"]) == ("hierarchical", True)
    assert (system["parent_child"]["source_label"], system["parent_child"]["target_label"]) == ("Parent", "Child")
    assert system["related"]["kind"] == "peer"
    assert (system["attachment"]["source_label"], system["attachment"]["target_label"]) == ("Message", "Attachment")
    assert (system["supersedes"]["source_label"], system["supersedes"]["target_label"]) == ("Supersedes", "Superseded by")
    assert not any(item["can_be_deleted"] for item in system.values())


def test_system_types_are_read_only(admin_api):
    parent_child = system_type("parent_child")
    patch = admin_api.patch(f"/link-types/{parent_child.pk}", {"name": "Mine"})
    assert patch.status_code == 403 and patch.json()["code"] == "FORBIDDEN"
    assert admin_api.delete(f"/link-types/{parent_child.pk}").status_code == 403
    created = admin_api.post("/link-types", {**PRODUCT_VISUAL, "organization_id": None})
    assert created.status_code == 400


def test_manager_creates_updates_and_deletes_an_organization_type(manager, quable):
    api = ApiClient(manager)
    created = api.post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk})
    assert created.status_code == 201, created.content
    link_type = created.json()
    assert (link_type["origin"], link_type["can_be_deleted"], link_type["version"]) == ("ORGANIZATION", True, 1)
    assert link_type["target_type_codes"] == ["image"]
    listed = api.get("/link-types", {"organization_id": quable.pk}).json()["items"]
    assert {item["code"] for item in listed} == {"parent_child", "related", "attachment", "supersedes", "product_visual"}
    patched = api.patch(f"/link-types/{link_type['id']}", {"name": "Visual of product", "version": 1})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert api.patch(f"/link-types/{link_type['id']}", {"code": "other"}).status_code == 400
    assert api.patch(f"/link-types/{link_type['id']}", {"kind": "peer"}).status_code == 400
    assert api.patch(f"/link-types/{link_type['id']}", {"name": "x", "version": 1}).status_code == 409
    assert api.delete(f"/link-types/{link_type['id']}?version=2").status_code == 204
    assert list(
        ChangeLogEntry.objects.filter(object_type="link_type").order_by("id").values_list("action", flat=True)
    ) == ["create", "update", "delete"]


def test_quable_document_to_asset_links_with_sequence_and_attributes(manager, quable):
    api = ApiClient(manager)
    api.post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk})
    document = make_asset(quable, make_type(quable, "document"), "Blue shirt product sheet", key="shirt-doc")
    image_type = make_type(quable, "image")
    images = [make_asset(quable, image_type, title, key=key) for key, title in
              (("blueshirt", "Blue shirt"), ("shirt-front", "Shirt front"))]
    for sequence, image in enumerate(images, start=1):
        response = api.post("/links", {"link_type": "product_visual", "source_id": document.pk, "target_id": image.pk,
                                       "sequence": sequence, "properties": {"role": "visual"}})
        assert response.status_code == 201, response.content
    other = [(i["asset_key"], i["label"], i["sequence"]) for i in api.get(f"/assets/{document.pk}/links").json()["other"]]
    assert other == [("blueshirt", "Visual", 1), ("shirt-front", "Visual", 2)]
    backwards = api.post("/links", {"link_type": "product_visual", "source_id": images[0].pk, "target_id": document.pk})
    assert backwards.status_code == 400


def test_child_organizations_inherit_types_and_codes_resolve_to_the_nearest(manager, quable):
    child = make_org("quable-fr", parent=quable)
    grant(manager, "change_org_assets", child)
    ApiClient(manager).post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk})
    items = ApiClient(manager).get("/link-types", {"organization_id": child.pk}).json()["items"]
    inherited = next(item for item in items if item["code"] == "product_visual")
    assert inherited["origin"] == "PARENT_ORGANIZATION" and inherited["can_be_deleted"] is False
    # A link from an asset of the child organization may use the inherited type by code.
    doc = make_asset(child, make_type(child, "document"), "Fiche")
    image = make_asset(child, make_type(child, "image"), "Photo")
    response = ApiClient(manager).post("/links", {"link_type": "product_visual", "source_id": doc.pk, "target_id": image.pk})
    assert response.status_code == 201
    # ...but not a type of an unrelated organization.
    elsewhere = make_org("elsewhere")
    foreign = LinkType.objects.create(organization=elsewhere, code="foreign", name="Foreign", kind="directed")
    refused = ApiClient(manager).post("/links", {"link_type": foreign.pk, "source_id": doc.pk, "target_id": image.pk})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [
        ({"code": "Bad Code"}, "code"),
        ({"code": "9lives"}, "code"),
        ({"kind": "sideways"}, "kind"),
        ({"name": ""}, "name"),
        ({"source_type_codes": ["not a code"]}, "source_type_codes"),
        ({"allow_alias": "maybe"}, "allow_alias"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_link_types_are_400(manager, quable, body, field):
    response = ApiClient(manager).post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk, **body})
    assert response.status_code == 400, response.content
    assert any(field in e["field"] for e in response.json()["errors"])


def test_duplicate_codes_are_409(manager, quable):
    api = ApiClient(manager)
    assert api.post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk}).status_code == 201
    again = api.post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk})
    assert again.status_code == 409 and again.json()["code"] == "DUPLICATE"
    system_code = api.post("/link-types", {**PRODUCT_VISUAL, "code": "related", "organization_id": quable.pk})
    assert system_code.status_code == 409 and system_code.json()["code"] == "DUPLICATE"


def test_managing_types_needs_manage_org(quable):
    editor = make_user("editor-only")
    grant(editor, "change_org_assets", quable)
    api = ApiClient(editor)
    assert api.post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk}).status_code == 403
    link_type = LinkType.objects.create(organization=quable, code="x", name="X", kind="peer")
    assert api.get(f"/link-types/{link_type.pk}").status_code == 200
    assert api.patch(f"/link-types/{link_type.pk}", {"name": "Y"}).status_code == 403
    assert api.delete(f"/link-types/{link_type.pk}").status_code == 403
    stranger = ApiClient(make_user("stranger"))
    assert stranger.get(f"/link-types/{link_type.pk}").status_code == 404
    assert stranger.post("/link-types", {**PRODUCT_VISUAL, "organization_id": quable.pk}).status_code == 404
    assert {i["code"] for i in stranger.get("/link-types").json()["items"]} == {
        "parent_child", "related", "attachment", "supersedes"
    }


def test_type_in_use_cannot_be_deleted_or_narrowed(manager, quable):
    link_type = LinkType.objects.create(organization=quable, code="uses", name="Uses", kind="hierarchical",
                                        allow_alias=True)
    asset_type = make_type(quable, "part")
    make_link(link_type, make_asset(quable, asset_type), make_asset(quable, asset_type), alias="left")
    api = ApiClient(manager)
    assert api.get(f"/link-types/{link_type.pk}").json()["can_be_deleted"] is False
    deleted = api.delete(f"/link-types/{link_type.pk}")
    assert deleted.status_code == 409 and deleted.json()["code"] == "IN_USE"
    no_alias = api.patch(f"/link-types/{link_type.pk}", {"allow_alias": False})
    assert no_alias.status_code == 409 and no_alias.json()["affected_links"] == 1
    narrowed = api.patch(f"/link-types/{link_type.pk}", {"target_type_codes": ["image"]})
    assert narrowed.status_code == 409
    assert api.patch(f"/link-types/{link_type.pk}", {"target_type_codes": ["part"]}).status_code == 200


def test_missing_link_type_is_404(admin_api):
    assert admin_api.get("/link-types/999999").status_code == 404
    assert admin_api.patch("/link-types/999999", {"name": "x"}).status_code == 404
    assert admin_api.delete("/link-types/999999").status_code == 404
