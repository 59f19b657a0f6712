"""The first page of GET /assets filtered by custom fields only is read by a statement compiled
once per shape of request (assets.services.assets.filtered_asset_page), with the filter values
bound as parameters, some of them inside JSON: held here to the ORM page it stands for, in the
full asset shape (groups included), for every kind of reader, every filter kind it compiles,
values that mean something to SQL, JSON or LIKE, several orderings and limits; and to the
same answer, 400s included, as the API gives without it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from assets.core.errors import ValidationFailed
from assets.core.pagination import paginate
from assets.queries import FieldTypeLookup, filter_assets, ordering_for
from assets.serializers import asset_json
from assets.services import assets as asset_services
from assets.services.assets import _FILTERED_PAGES, asset_page_queryset, filtered_asset_page
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_type

from .conftest import make_group
from .test_compiled_expansion import forest, readers  # noqa: F401 (forest is a fixture)

FIELDS = [
    {"code": "plate", "field_type": "STRING"},
    {"code": "fuel", "field_type": "NUMBER"},
    {"code": "axles", "field_type": "INTEGER"},
    {"code": "ok", "field_type": "BOOLEAN"},
    {"code": "twin", "field_type": "ASSET"},
    {"code": "size", "field_type": "OPTIONS", "params": {"options": [{"code": "s"}, {"code": "m"}, {"code": "xl"}]}},
    {"code": "tags", "field_type": "MULTI_OPTIONS", "params": {"options": [{"code": "red"}, {"code": "blue"}]}},
    {"code": "mixed", "field_type": "STRING"},
]
# Text that quoting, JSON or LIKE would read as syntax if a value were written into the SQL.
PLATES = ["P-17", "O'Brien", 'say "hi"', "back\\slash", "100%", "a_b", "Zürich", "東京 🚚", '{"plate": "P-17"}',
          "\\u00e9", "P-17 ", "p-17", "ÜNÏ", "%_", "", "x,y"]

# Every filter kind the compiled path takes, with values of one shape repeated (one statement
# must serve them all, each with its own values).
FILTERS = [
    *({"cf_plate": plate} for plate in PLATES),
    {"cf_plate__in": "P-17,Zürich,nothing"},
    {"cf_plate__in": "O'Brien,a_b"},
    {"cf_plate__ne": "P-17"},
    {"cf_plate__ne": 'say "hi"'},
    *({"cf_plate__contains": needle} for needle in ("%", "_", "\\", "'", '"', "ü", "P-1", "{")),
    *({"cf_plate__icontains": needle} for needle in ("ÜN", "zü", "p-", "%_", "東")),
    {"cf_plate__gt": "P"},
    {"cf_plate__lte": "O'Brien"},
    {"cf_plate__isnull": "true"},
    {"cf_plate__isnull": "false"},
    {"cf_fuel__gt": "500"},
    {"cf_fuel__gt": "-3.5"},
    {"cf_fuel__lte": "250.5"},
    {"cf_fuel": "300"},
    {"cf_fuel": "300.0"},
    {"cf_fuel": "12.25"},
    {"cf_fuel": "1e20"},  # past float8's exact integers: no containment probe (and no match)
    {"cf_fuel__in": "100,12.25,999"},
    {"cf_fuel__ne": "300"},
    {"cf_axles__gte": "3"},
    {"cf_axles": "4"},
    {"cf_ok": "true"},
    {"cf_ok": "false"},
    {"cf_ok__ne": "yes"},
    {"cf_size": "xl"},
    {"cf_size__in": "s,m"},
    {"cf_mixed": "7"},  # a STRING in one type, a NUMBER in another
    {"cf_mixed__gt": "5"},
    {"cf_nothing": "1"},  # a code no type defines (no match)
    {"cf_plate": "P-17", "cf_fuel__gt": "100"},
    {"cf_fuel__gt": "100", "cf_plate__contains": "P", "cf_ok": "true"},
]
ORDERINGS = ["title", "-created_at", "cf_fuel", "-cf_plate", "primary_device"]


@pytest.fixture
def fleet(superuser, org, other_org, forest):  # noqa: F811
    """Assets of a shared type with every kind of field in each organization; some of them in a
    group the team reader sees through, one granted to the per-object reader."""
    shared = make_type(None, "cf-fleet", FIELDS)
    numeric_mixed = make_type(None, "cf-other", [{"code": "mixed", "field_type": "NUMBER"},
                                                 {"code": "plate", "field_type": "STRING"}])
    made = {}
    for rank, organization_id in enumerate(forest):
        organization = forest[organization_id]["region"].organization
        assets = []
        for n, plate in enumerate(PLATES):
            fields = {"plate": plate, "fuel": [300, 12.25, 999, 100, -4, 250.5, 501][(n + rank) % 7],
                      "axles": n % 6, "ok": n % 3 == 0, "size": ["s", "m", "xl"][n % 3],
                      "tags": [["red"], ["blue", "red"], []][n % 3], "mixed": f"{n}"}
            assets.append(make_asset(organization, shared, f"Fleet {rank}-{n:02}", custom_fields=fields))
        assets.append(make_asset(organization, shared, f"Sparse {rank}", custom_fields={"fuel": 300}))
        assets.append(make_asset(organization, numeric_mixed, f"Other {rank}", custom_fields={"mixed": 7, "plate": "P-17"}))
        assets[0].custom_fields["twin"] = assets[1].pk
        assets[0].save()
        made[organization_id] = assets
    region = forest[other_org.pk]["region"]
    make_group(superuser, other_org, "Fleet depot", region, asset_ids=[a.pk for a in made[other_org.pk][::2]])
    return made


def page_readers(superuser, org, other_org, forest, fleet):  # noqa: F811
    users = readers(superuser, org, other_org, forest)
    on_group = next(user for user in users if user.username == "on-group")
    for asset in fleet[org.pk][1:6]:
        grant(on_group, "view_asset", asset)
    return users


def orm_page(user, params, ordering, limit, cursor=None):
    lookup = FieldTypeLookup(params, ordering, user=user)
    queryset, type_ids = filter_assets(asset_page_queryset(user), params, user=user, lookup=lookup)
    queryset, keys = ordering_for(queryset, ordering, type_ids, lookup=lookup)
    return paginate(queryset, keys, limit=limit, cursor=cursor)


def compiled_page(user, params, ordering, limit, cursor=None):
    return filtered_asset_page(user, params, ordering, limit, cursor=cursor,
                               lookup=FieldTypeLookup(params, ordering, user=user))


def query_dict(params: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def assert_same_page(user, params, ordering, limit, cursor=None):
    query = query_dict(params)
    compiled, orm = compiled_page(user, query, ordering, limit, cursor), orm_page(user, query, ordering, limit, cursor)
    where = (user.username, params, ordering, limit, cursor)
    assert compiled is not None, where
    assert [asset_json(a) for a in compiled.items] == [asset_json(a) for a in orm.items], where
    assert page_info(compiled) == page_info(orm), where
    return orm


def page_info(page) -> tuple:
    return page.has_next_page, page.end_cursor, page.has_previous_page, page.start_cursor


def test_filtered_pages_are_what_the_orm_reads(superuser, org, other_org, forest, fleet):  # noqa: F811
    found_any = set()
    for user in page_readers(superuser, org, other_org, forest, fleet):
        for params in FILTERS:
            for ordering, limit in (("title", 50), ("cf_fuel", 3)):
                if assert_same_page(user, params, ordering, limit).items:
                    found_any.add(str(params))
    # The filters select something (an empty page on both sides would prove little).
    empty = [str(params) for params in FILTERS if str(params) not in found_any]
    assert empty == [str({"cf_fuel": "1e20"}), str({"cf_nothing": "1"})]


def test_orderings_and_limits_of_filtered_pages(superuser, org, other_org, forest, fleet):  # noqa: F811
    for user in page_readers(superuser, org, other_org, forest, fleet):
        for params in ({"cf_plate__contains": "P"}, {"cf_fuel__gte": "100"}, {}):
            for ordering in ORDERINGS:
                for limit in (1, 4, 50):
                    assert_same_page(user, params, ordering, limit)


@pytest.mark.parametrize("ordering", ["title", "-key", "cf_fuel", "-cf_plate", "primary_device", "-type", "cf_size"])
def test_every_page_after_a_cursor_is_what_the_orm_reads(superuser, org, other_org, forest, fleet, ordering):  # noqa: F811
    """Walked to the end, so the cursors hold sort values of every kind: text, numbers, and
    missing ones (no primary device, no such field), which change the SQL."""
    for user in page_readers(superuser, org, other_org, forest, fleet):
        for params in ({}, {"cf_fuel__gte": "100"}, {"cf_plate__contains": "P"}):
            cursor, pages = None, 0
            while True:
                page = assert_same_page(user, params, ordering, 7, cursor)
                pages += 1
                if not page.has_next_page:
                    break
                cursor = page.end_cursor
            assert pages < 20


def test_cursors_on_dates_and_bad_cursors_are_left_to_the_full_path(superuser, fleet):
    page = orm_page(superuser, query_dict({}), "-created_at", 3)
    assert compiled_page(superuser, query_dict({}), "-created_at", 3, page.end_cursor) is None
    title_cursor = orm_page(superuser, query_dict({}), "title", 3).end_cursor
    for cursor in ("garbage", title_cursor + "x", page.end_cursor):
        with pytest.raises(ValidationFailed):
            orm_page(superuser, query_dict({}), "cf_fuel", 3, cursor)
        with pytest.raises(ValidationFailed):
            compiled_page(superuser, query_dict({}), "cf_fuel", 3, cursor)


def test_a_value_is_bound_for_its_own_request_only(superuser, org, other_org, forest, fleet):  # noqa: F811
    _FILTERED_PAGES.clear()
    user = superuser
    first = assert_same_page(user, {"cf_plate": "P-17"}, "title", 50)
    second = assert_same_page(user, {"cf_plate": "Zürich"}, "title", 50)
    third = assert_same_page(user, {"cf_plate": "P-17"}, "title", 50)
    assert len(_FILTERED_PAGES) == 1  # one shape, one statement
    assert {a.custom_fields.get("plate") for a in first.items} == {"P-17"}
    assert {a.custom_fields.get("plate") for a in second.items} == {"Zürich"}
    assert [a.pk for a in third.items] == [a.pk for a in first.items]
    # Another count of values, another type of value: other shapes.
    assert_same_page(user, {"cf_plate__in": "P-17,Zürich"}, "title", 50)
    assert_same_page(user, {"cf_fuel": "12.25"}, "title", 50)
    assert_same_page(user, {"cf_fuel": "300"}, "title", 50)
    # PostgreSQL's containment probe is a JSON integer for 300, a float for 12.25.
    assert len(_FILTERED_PAGES) == (4 if connection.vendor == "postgresql" else 3)


def test_a_reference_filter_binds_its_id_inside_the_json_it_compares(superuser, org, other_org, forest, fleet):  # noqa: F811
    """An id is a JSON number inside a parameter (JSON text on SQLite, where the parameter is
    nothing but the number's digits; inside Jsonb on PostgreSQL)."""
    for user in page_readers(superuser, org, other_org, forest, fleet):
        for assets in fleet.values():
            found = assert_same_page(user, {"cf_twin": str(assets[1].pk)}, "title", 50)
            assert {a.pk for a in found.items} <= {assets[0].pk}
        assert_same_page(user, {"cf_twin__in": ",".join(str(assets[1].pk) for assets in fleet.values())}, "title", 50)
    assert len(assert_same_page(superuser, {"cf_twin": str(fleet[org.pk][1].pk)}, "title", 50).items) == 1


def test_organization_filters_are_bound_as_values_of_their_count(superuser, org, other_org, forest, fleet):  # noqa: F811
    _FILTERED_PAGES.clear()
    both = f"{org.pk},{other_org.pk}"
    for user in page_readers(superuser, org, other_org, forest, fleet):
        for params in ({"organization_id": str(org.pk)}, {"organization_id": str(other_org.pk)},
                       {"organization_id": both}, {"organization_id": [str(org.pk), str(other_org.pk)]},
                       {"organization_id": str(org.pk), "cf_plate__contains": "P"},
                       {"organization_id": str(other_org.pk), "cf_fuel__gt": "100"}, {"organization_id": "999999"}):
            for ordering, limit in (("title", 50), ("-cf_fuel", 3)):
                page = assert_same_page(user, params, ordering, limit)
                assert {a.organization_id for a in page.items} <= {org.pk, other_org.pk}
    found = assert_same_page(superuser, {"organization_id": str(other_org.pk)}, "title", 50).items
    assert found and {a.organization_id for a in found} == {other_org.pk}
    # One organization or two: two shapes, whichever they are.
    shapes = {shape[0] for shape in _FILTERED_PAGES}
    assert shapes == {1, 2}


def test_repeated_parameters_are_ored_as_on_the_full_path(superuser, org, other_org, forest, fleet):  # noqa: F811
    for user in page_readers(superuser, org, other_org, forest, fleet):
        assert_same_page(user, {"cf_plate": ["P-17", "O'Brien"]}, "title", 50)
        assert_same_page(user, {"cf_plate": ["100%", "a_b"]}, "title", 50)


def test_requests_it_cant_compile_are_left_to_the_full_path(superuser, fleet):
    for params in ({"cf_tags": "red"}, {"cf_plate": "P-17", "type_id": "1"}, {"title_contains": "x"},
                   {"organization_id": "1", "key": "x"}):
        assert compiled_page(superuser, query_dict(params), "title", 10) is None
    assert compiled_page(superuser, query_dict({"cf_plate": "P-17"}), "nonsense", 10) is None
    assert compiled_page(superuser, query_dict({"cf_plate": "P-17"}), "cf_", 10) is None


def answer(response) -> tuple:
    body = response.json()
    body.pop("trace_id", None)
    return response.status_code, body


BAD_REQUESTS = [
    {"cf_fuel": "abc"},
    {"cf_fuel__gt": "nan"},
    {"cf_ok": "maybe"},
    {"cf_fuel__contains": "1"},
    {"cf_twin": "abc"},
    {"cf_plate__isnull": "perhaps"},
    {"cf_plate__between": "a"},
    {"cf_Bad-Code": "1"},
    {"cf_plate": "x", "ordering": "nonsense"},
    {"cf_plate": "x", "limit": "0"},
    {"cf_fuel": "abc", "ordering": "nonsense"},
    {"cf_plate__in": ",".join(["v"] * 101)},
    {"organization_id": "abc"},
    {"organization_id": "1,x", "cf_plate": "P-17"},
    {"organization_id": ",".join(["1"] * 101)},
]


def test_the_api_answers_the_same_with_and_without_the_compiled_page(
    superuser, org, other_org, forest, fleet, monkeypatch  # noqa: F811
):
    users = page_readers(superuser, org, other_org, forest, fleet)
    title_cursor = orm_page(superuser, query_dict({}), "title", 3).end_cursor
    requests = [*BAD_REQUESTS, {"cf_plate": "P-17", "limit": "2"}, {"cf_fuel__gt": "200", "ordering": "-cf_fuel"},
                {"cursor": title_cursor, "limit": "3"}, {"cursor": title_cursor, "cf_fuel__gt": "-100"},
                {"cursor": title_cursor, "ordering": "-cf_fuel"}, {"cursor": "garbage"}, {"cursor": ""},
                {"cf_plate__icontains": "ü", "fields": "plate,fuel"}, {"ordering": "cf_plate", "limit": "3"},
                {"cf_tags": "red"}]
    answers = {}
    for user in users:
        api = ApiClient(user)
        for params in requests:
            response = api.get("/assets", params)
            answers[user.username, str(params)] = answer(response)
    monkeypatch.setattr(asset_services, "filtered_asset_page", lambda *args, **kwargs: None)
    for user in users:
        api = ApiClient(user)
        for params in requests:
            response = api.get("/assets", params)
            assert answers[user.username, str(params)] == answer(response), (user.username, params)
    assert answers[superuser.username, str(BAD_REQUESTS[0])][0] == 400
    assert answers[superuser.username, str({"cursor": title_cursor, "limit": "3"})][0] == 200
    assert answers[superuser.username, str({"cf_plate": "P-17", "limit": "2"})][0] == 200
