"""The first page of GET /assets (no filter, no cursor) is read by a statement compiled once per
shape of the reader's grants (assets.services.assets.first_asset_page): held here to what the
ORM page it stands for returns, in the full asset shape (groups included), for every kind of
reader, ordering and a few limits."""

from __future__ import annotations

from assets.core.pagination import paginate
from assets.queries import ordering_for
from assets.serializers import asset_json
from assets.services.assets import _FIRST_PAGE, asset_page_queryset, first_asset_page
from tests.conftest import ApiClient

from .test_compiled_expansion import forest, readers  # noqa: F401 (forest is a fixture)

ORDERINGS = ["title", "-title", "key", "-created_at", "updated_at", "type", "-organization", "primary_device"]


def orm_page(user, ordering, limit):
    queryset, keys = ordering_for(asset_page_queryset(user), ordering)
    return paginate(queryset, keys, limit=limit)


def test_first_asset_pages_are_what_the_orm_reads(superuser, org, other_org, forest):  # noqa: F811
    for user in readers(superuser, org, other_org, forest):
        for ordering in ORDERINGS:
            for limit in (1, 4, 50):
                compiled, orm = first_asset_page(user, ordering, limit), orm_page(user, ordering, limit)
                where = (user.username, ordering, limit)
                assert [asset_json(a) for a in compiled.items] == [asset_json(a) for a in orm.items], where
                assert (compiled.has_next_page, compiled.end_cursor) == (orm.has_next_page, orm.end_cursor), where


def test_the_api_answers_the_same_with_and_without_the_compiled_page(superuser, org, other_org, forest):  # noqa: F811
    for user in readers(superuser, org, other_org, forest):
        api = ApiClient(user)
        for ordering in ("title", "-primary_device"):
            fast = api.get("/assets", {"ordering": ordering, "limit": 3})
            # `count=false` is a parameter the compiled path leaves to paginate: the same answer.
            slow = api.get("/assets", {"ordering": ordering, "limit": 3, "count": "false"})
            assert fast.status_code == slow.status_code
            assert fast.json() == slow.json(), (user.username, ordering)
            if fast.status_code == 200 and fast.json()["page_info"]["has_next_page"]:
                following = api.get("/assets", {"ordering": ordering, "limit": 3,
                                                "cursor": fast.json()["page_info"]["end_cursor"]})
                assert following.status_code == 200


def test_a_custom_field_ordering_and_bad_orderings_are_left_to_the_full_path(superuser):
    assert first_asset_page(superuser, "cf_fuel", 10) is None
    assert first_asset_page(superuser, "nonsense", 10) is None
    kept = len(_FIRST_PAGE._compiled)
    response = ApiClient(superuser).get("/assets", {"ordering": "nonsense"})
    assert response.status_code == 400
    assert len(_FIRST_PAGE._compiled) == kept
