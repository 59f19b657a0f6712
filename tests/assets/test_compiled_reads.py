"""The reads every request makes run SQL compiled once per process (assets.core.db.compiled): the token
with its user's permission snapshot in one query, and GET /assets/{id} in that same statement. These pin the
query counts, that the compiled reads answer what the ORM answers, and that nothing is cached
from one request to the next."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as Team
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import remove_perm

from assets.access.permissions import PermissionSnapshot
from assets.access.tokens import issue_token, user_for_token
from assets.core.db.compiled import CompiledQuery, NotCompilable
from assets.models import Asset
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_device, make_org, make_type, make_user

from .helpers import assert_problem


@pytest.fixture
def truck(org, truck_type):
    return make_asset(org, truck_type, "Truck B-44", custom_fields={"license_plate": "HH-TL 4421"})


def warm(api, asset) -> None:
    """The first request of a token also stamps its last use (once per five minutes)."""
    assert api.get(f"/assets/{asset.pk}").status_code in (200, 404)


def test_detail_with_a_wide_grant_is_one_query(viewer_api, truck, django_assert_num_queries):
    warm(viewer_api, truck)
    with django_assert_num_queries(1):
        response = viewer_api.get(f"/assets/{truck.pk}")
    assert response.status_code == 200
    assert response.json()["custom_fields"] == {"license_plate": "HH-TL 4421"}


def test_detail_with_an_object_grant_asks_once_more(truck, django_assert_num_queries):
    user = make_user()
    grant(user, "view_asset", truck)
    api = ApiClient(user)
    warm(api, truck)
    with django_assert_num_queries(2):
        assert api.get(f"/assets/{truck.pk}").status_code == 200


def test_detail_of_a_missing_or_odd_id_read_along_with_the_token(viewer_api, truck, django_assert_num_queries):
    warm(viewer_api, truck)
    with django_assert_num_queries(1):
        assert_problem(viewer_api.get(f"/assets/{truck.pk + 1000}"), 404, "NOT_FOUND")
    assert viewer_api.get("/assets/abc").status_code == 400
    assert_problem(viewer_api.get("/assets/99999999999999999999"), 404, "NOT_FOUND")


def test_detail_of_a_group_grant_holder(org, truck):
    from groups.models import AssetGroup, GroupMembership

    depot = AssetGroup.objects.create(organization=org, title="Depot")
    GroupMembership.objects.create(group=depot, asset=truck, root=depot)
    user = make_user()
    grant(user, "groups.view_group_assets", depot)
    body = ApiClient(user).get(f"/assets/{truck.pk}").json()
    assert body["groups"] == [{"id": depot.pk, "title": "Depot"}]


def test_detail_lists_devices_and_groups_in_order(org, truck, admin_api):
    from groups.models import AssetGroup, GroupMembership

    tracker = make_device(org, "GPS Unit #117", "IMEI-1")
    truck.custom_fields["tracker"] = tracker.pk
    truck.save()
    from assets.models import AssetDeviceLink

    AssetDeviceLink.objects.create(asset=truck, device=tracker, field_code="tracker", is_primary=True)
    groups = []
    for title in ("Zulu", "Alpha"):
        group = AssetGroup.objects.create(organization=org, title=title)
        GroupMembership.objects.create(group=group, asset=truck, root=group)
        groups.append(group)
    detail = admin_api.get(f"/assets/{truck.pk}").json()
    listed = admin_api.get("/assets", {"key": truck.key}).json()["items"][0]
    assert detail == listed
    assert [g["title"] for g in detail["groups"]] == ["Alpha", "Zulu"]
    assert detail["primary_device"] == {"id": tracker.pk, "title": "GPS Unit #117"}


def test_view_only_grant_on_another_organization_is_404(truck, django_assert_max_num_queries):
    user = make_user()
    grant(user, "view_org_assets", make_org("other"))
    api = ApiClient(user)
    warm(api, truck)
    with django_assert_max_num_queries(3):
        response = api.get(f"/assets/{truck.pk}")
    assert_problem(response, 404, "NOT_FOUND")


@pytest.mark.parametrize("asset_id", ["0", "9223372036854775808", "99999999999999999999999"])
def test_ids_no_row_can_have_are_404_without_asking_the_database(viewer_api, truck, asset_id,
                                                                   django_assert_num_queries):
    warm(viewer_api, truck)
    with django_assert_num_queries(1):  # the token
        response = viewer_api.get(f"/assets/{asset_id}")
    assert_problem(response, 404, "NOT_FOUND")


def test_grants_and_revocations_apply_to_the_next_request(truck, viewer, viewer_api, org):
    user = make_user()
    api = ApiClient(user)
    assert api.get(f"/assets/{truck.pk}").status_code == 404
    grant(user, "view_org_assets", org)
    assert api.get(f"/assets/{truck.pk}").status_code == 200
    remove_perm("assets.view_org_assets", user, org)
    assert api.get(f"/assets/{truck.pk}").status_code == 404


def test_a_revoked_token_stops_at_once(truck, viewer):
    token, raw = issue_token(viewer)
    api = ApiClient(token=raw)
    assert api.get(f"/assets/{truck.pk}").status_code == 200
    assert api.delete(f"/auth/tokens/{token.pk}").status_code == 204
    assert_problem(api.get(f"/assets/{truck.pk}"), 401, "UNAUTHENTICATED")


def test_the_snapshot_read_with_the_token_equals_the_standalone_one(org):
    user = make_user()
    team = Team.objects.create(name="dispatch")
    user.groups.add(team)
    grant(user, "assets.add_asset")
    grant(team, "assets.view_organization")
    grant(user, "view_org_assets", org)
    other = make_org("other")
    grant(team, "change_org_assets", other)
    _, raw = issue_token(user)
    with_token = user_for_token(raw)._permission_snapshot
    alone = PermissionSnapshot(user)
    assert with_token.global_perms == alone.global_perms == {"assets.add_asset", "assets.view_organization"}
    assert with_token.org_perms == alone.org_perms == {org.pk: {"view_org_assets"}, other.pk: {"change_org_assets"}}


def test_a_permission_added_after_the_names_were_read_is_named_in_the_snapshot(org):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    user = make_user()
    grant(user, "view_org_assets", org)
    assert PermissionSnapshot(user).org_perms == {org.pk: {"view_org_assets"}}  # the names are read
    added = Permission.objects.create(
        codename="audit_assets", name="Can audit assets", content_type=ContentType.objects.get_for_model(Asset)
    )
    user.user_permissions.add(added)
    assert PermissionSnapshot(user).global_perms == {"assets.audit_assets"}


def test_a_user_without_grants_has_an_empty_snapshot(db):
    snap = PermissionSnapshot(make_user())
    assert snap.global_perms == set() and snap.org_perms == {}


def test_compiled_queries_are_logged_with_their_sql(viewer_api, truck):
    warm(viewer_api, truck)
    with CaptureQueriesContext(connection) as captured:
        viewer_api.get(f"/assets/{truck.pk}")
    assert len(captured.captured_queries) == 1
    sql = captured.captured_queries[0]["sql"]
    assert "assets_apitoken" in sql and "auth_user_user_permissions" in sql
    assert "assets_asset" in sql and str(truck.pk) in sql


def test_compiled_objects_match_the_orm(org, truck_type):
    assets = [make_asset(org, truck_type, f"Truck {n}", custom_fields={"license_plate": f"P-{n}"}) for n in range(3)]
    query = CompiledQuery(lambda organization: Asset.objects.select_related("type").filter(organization=organization),
                          organization=int)
    found = sorted(query.objects(organization=org.pk), key=lambda asset: asset.pk)
    assert [(a.pk, a.key, a.custom_fields, a.type.code, a.created_at) for a in found] == [
        (a.pk, a.key, a.custom_fields, a.type.code, a.created_at)
        for a in Asset.objects.select_related("type").filter(pk__in=[a.pk for a in assets]).order_by("pk")
    ]
    assert query.objects(organization=make_org("empty").pk) == []


def test_a_placeholder_that_does_not_reach_the_sql_is_refused(db):
    query = CompiledQuery(lambda pk: Asset.objects.filter(pk__gt=pk + 1), pk=int)
    with pytest.raises(ValueError, match="placeholders"):
        query.rows(pk=1)
    with pytest.raises(TypeError):
        CompiledQuery(lambda when: Asset.objects.all(), when=bytes)


def test_placeholders_inside_json_parameters_are_encoded_again_on_every_call(org, truck_type):
    plates = ["P-1", 'q"uote', "back\\slash", "Zürich", "100%"]
    for n, plate in enumerate(plates):
        make_asset(org, truck_type, f"Truck {n}", custom_fields={"license_plate": plate, "axles": n})
    # SQLite has no JSON containment; a key's equality takes the value as JSON text there.
    by_axles = {"custom_fields__contains": {"axles": None}} if connection.vendor == "postgresql" else {}
    query = CompiledQuery(
        lambda plate, axles: Asset.objects.filter(
            custom_fields__license_plate=plate, custom_fields__axles=axles,
            **{name: {"axles": axles} for name in by_axles},
        ).values_list("title", flat=True),
        plate=str, axles=int,
    )
    for n, plate in enumerate(plates):
        assert query.rows(plate=plate, axles=n) == [(f"Truck {n}",)]
        assert query.rows(plate=plate, axles=n + 1) == []


def test_a_placeholder_derived_into_other_text_is_refused(db):
    query = CompiledQuery(lambda needle: Asset.objects.filter(title__icontains=needle), needle=str)
    with pytest.raises(NotCompilable):
        query.rows(needle="x")


# --- pages: the session's user lookup brings the snapshot along ---------------------------------
def test_a_page_reads_the_user_and_grants_in_one_query(org, truck, client):
    user = make_user()
    grant(user, "view_org_assets", org)
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost")
    assert response.status_code == 200
    sqls = [query["sql"] for query in captured.captured_queries]
    user_queries = [sql for sql in sqls if 'FROM "auth_user"' in sql]
    assert len(user_queries) == 1 and "auth_user_user_permissions" in user_queries[0]
    assert [sql for sql in sqls if "auth_user_user_permissions" in sql] == user_queries


def test_a_deactivated_user_is_signed_out(org, truck, client):
    user = make_user()
    grant(user, "view_org_assets", org)
    client.force_login(user)
    assert client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost").status_code == 200
    user.is_active = False
    user.save()
    response = client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_page_sees_a_revoked_grant_at_once(org, truck, client):
    user = make_user()
    grant(user, "view_org_assets", org)
    client.force_login(user)
    assert client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost").status_code == 200
    remove_perm("assets.view_org_assets", user, org)
    assert client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost").status_code == 404


# --- kinds of per-object grants: conditions leave out the kinds a user doesn't hold -------------
def page_sql(api, params=None) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/assets", params or {}).status_code == 200
    return next(q["sql"] for q in captured.captured_queries if 'FROM "assets_asset"' in q["sql"])


def test_an_organization_wide_user_gets_no_object_grant_subqueries(org, truck):
    user = make_user()
    grant(user, "view_org_assets", org)
    sql = page_sql(ApiClient(user))
    for table in ("assets_assetuserobjectpermission", "assets_assetteamobjectpermission",
                  "groups_assetgroupuserobjectpermission", "groups_assetgroupteamobjectpermission"):
        assert table not in sql


def test_each_kind_of_grant_held_brings_its_subquery_and_its_assets(org, truck_type):
    from groups.models import AssetGroup, GroupMembership

    by_object, by_team, by_group, hidden = (make_asset(org, truck_type, title) for title in ("A", "B", "C", "D"))
    depot = AssetGroup.objects.create(organization=org, title="Depot")
    GroupMembership.objects.create(group=depot, asset=by_group, root=depot)
    user = make_user()
    team = Team.objects.create(name="yard")
    user.groups.add(team)
    api = ApiClient(user)
    assert api.get("/assets").json()["items"] == []
    grant(user, "view_asset", by_object)
    assert "assets_assetuserobjectpermission" in page_sql(api)
    grant(team, "view_asset", by_team)
    assert "assets_assetteamobjectpermission" in page_sql(api)
    grant(team, "groups.view_group_assets", depot)
    sql = page_sql(api)
    assert "groups_assetgroupteamobjectpermission" in sql and "groups_assetgroupuserobjectpermission" not in sql
    titles = [item["title"] for item in api.get("/assets").json()["items"]]
    assert titles == ["A", "B", "C"]
    assert hidden.title not in titles


def test_the_snapshot_tells_the_kinds_held(org, truck):
    from groups.models import AssetGroup

    user = make_user()
    assert PermissionSnapshot(user).kinds_held == set()
    grant(user, "view_asset", truck)
    grant(user, "groups.view_group", AssetGroup.objects.create(organization=org, title="Depot"))
    _, raw = issue_token(user)
    assert user_for_token(raw)._permission_snapshot.kinds_held == PermissionSnapshot(user).kinds_held == {
        "asset", "group"
    }


def test_a_page_asks_no_query_for_rights_no_grant_could_give(org, truck, client):
    user = make_user()
    grant(user, "view_org_assets", org)
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("SELECT 0", "SELECT CASE"))]
    assert f'/assets/{truck.pk}/edit/' not in response.content.decode()


def test_a_page_shows_the_rights_an_object_grant_gives(org, truck, client):
    user = make_user()
    grant(user, "view_org_assets", org)
    grant(user, "change_asset", truck)
    client.force_login(user)
    page = client.get(f"/assets/{truck.pk}/", HTTP_HOST="localhost").content.decode()
    assert f'/assets/{truck.pk}/edit/' in page and f'/assets/{truck.pk}/delete/' not in page


# --- custom-field types of a list request: SQL kept per permission key -------------------------
def test_field_types_answer_what_the_orm_answers_and_follow_grants_at_once(org, truck_type):
    from assets.access.permissions import forget
    from assets.models import CustomFieldDefinition
    from assets.queries import field_types_by_code
    from assets.services.asset_types import visible_types

    other = make_org("other-fleet")
    van = make_type(other, "van", [{"code": "license_plate", "field_type": "NUMBER"}])
    truck = make_asset(org, truck_type, "Truck", custom_fields={"license_plate": "HH-1"})
    user = make_user()

    def orm(codes):
        found = {}
        for definition in CustomFieldDefinition.objects.filter(
            code__in=codes, asset_type__in=visible_types(user)[0].values("pk")
        ):
            found.setdefault(definition.code, {})[definition.asset_type_id] = definition.field_type
        return found

    def both(codes=("license_plate", "fuel_capacity_l")):
        forget(user)  # a new request reads the grants again
        found = field_types_by_code(codes, user=user)
        assert found == orm(codes)
        return found

    assert both() == {}
    grant(user, "view_asset", truck)
    assert both() == {"license_plate": {truck_type.pk: "STRING"}, "fuel_capacity_l": {truck_type.pk: "NUMBER"}}
    grant(user, "view_org_assets", other)
    assert both()["license_plate"] == {truck_type.pk: "STRING", van.pk: "NUMBER"}
    assert field_types_by_code(["license_plate"], [van.pk], user) == {"license_plate": {van.pk: "NUMBER"}}
    remove_perm("assets.view_asset", user, truck)
    assert both() == {"license_plate": {van.pk: "NUMBER"}}
    remove_perm("assets.view_org_assets", user, other)
    assert both() == {}
    assert field_types_by_code(["license_plate"]) == {"license_plate": {truck_type.pk: "STRING", van.pk: "NUMBER"}}


def test_keyed_queries_keep_statements_per_key_not_rows(org, truck_type):
    from assets.core.db import KeyedQueries

    queries = KeyedQueries(size=2)
    make_asset(org, truck_type, "Truck 1")

    def titles(organization_id):
        return lambda: Asset.objects.filter(organization_id=organization_id).order_by("title").values_list("title")

    assert queries.rows(org.pk, titles(org.pk)) == [("Truck 1",)]
    make_asset(org, truck_type, "Truck 2")
    assert queries.rows(org.pk, titles(org.pk)) == [("Truck 1",), ("Truck 2",)]
    assert queries.rows("none", lambda: Asset.objects.none().values_list("title")) == []
    assert queries.rows(0, titles(0)) == []
    assert len(queries._queries) == 2
