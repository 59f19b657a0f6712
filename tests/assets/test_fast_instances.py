"""assets.core.db.instances.FastFromDb: an asset loaded from a row without Model.__init__ is the
instance Django's own loading gives (same attributes, same state, same behaviour on save)."""

from __future__ import annotations

import pytest
from django.db import models
from django.db.models.signals import post_init

from assets.access.tokens import issue_token
from assets.models import ApiToken, Asset
from tests.factories import make_asset, make_user


def _django_from_db(rows):
    return [models.Model.from_db.__func__(Asset, "default", [f.attname for f in Asset._meta.concrete_fields], row)
            for row in rows]


def _state(instance):
    return {key: value for key, value in vars(instance).items() if key != "_state"}, (
        instance._state.adding, instance._state.db)


def test_a_loaded_asset_is_the_instance_django_builds(db, org, truck_type, monkeypatch):
    make_asset(org, truck_type, "Truck 1", custom_fields={"license_plate": "HH-1"})
    make_asset(org, truck_type, "Truck 2")
    inits = []
    django_init = Asset.__init__
    monkeypatch.setattr(Asset, "__init__", lambda self, *a, **k: inits.append(1) or django_init(self, *a, **k))
    fast = list(Asset.objects.order_by("pk"))
    assert inits == []  # loaded without __init__
    monkeypatch.undo()
    rows = list(Asset.objects.order_by("pk").values_list(*[f.attname for f in Asset._meta.concrete_fields]))
    slow = _django_from_db(rows)
    assert [_state(a) for a in fast] == [_state(a) for a in slow]
    assert [(a.pk, a.organization, a.type, a.custom_fields) for a in fast] == \
        [(a.pk, a.organization, a.type, a.custom_fields) for a in slow]
    assert fast[0]._state.adding is False and fast[0]._state.db == "default"


def test_a_loaded_token_is_the_instance_django_builds(db, monkeypatch):
    user = make_user("token-owner")
    issue_token(user, name="first")
    issue_token(user, name="second", read_only=True, allowed_ips=["10.0.0.0/8"])
    monkeypatch.setattr(ApiToken, "__init__", lambda self, *a, **k: pytest.fail("loaded through __init__"))
    fast = list(ApiToken.objects.select_related("user").order_by("pk"))
    monkeypatch.undo()
    names = [f.attname for f in ApiToken._meta.concrete_fields]
    slow = [models.Model.from_db.__func__(ApiToken, "default", names, row)
            for row in ApiToken.objects.order_by("pk").values_list(*names)]
    assert [_state(t)[0] | {"user": t.user} for t in fast] == [_state(t)[0] | {"user": t.user} for t in slow]
    assert [_state(t)[1] for t in fast] == [_state(t)[1] for t in slow]


def test_a_fast_loaded_asset_saves_and_refreshes_like_any_other(db, org, truck_type):
    make_asset(org, truck_type, "Truck 1")
    asset = Asset.objects.get()
    asset.title = "Renamed"
    asset.save(update_fields=["title"])
    asset.refresh_from_db()
    assert asset.title == "Renamed" and Asset.objects.get().title == "Renamed"


def test_deferred_reads_and_signal_receivers_take_djangos_way(db, org, truck_type):
    make_asset(org, truck_type, "Truck 1")
    deferred = Asset.objects.only("title").get()
    assert deferred.get_deferred_fields() >= {"custom_fields", "key"}
    assert deferred.key == Asset.objects.get().key  # loaded on access
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Asset)
    try:
        loaded = Asset.objects.get()
    finally:
        post_init.disconnect(receiver, sender=Asset)
    assert seen == [loaded]


def test_related_or_none_reads_what_select_related_loaded_and_the_orm_otherwise(
    db, org, truck_type, django_assert_num_queries
):
    from assets.core.db import related_or_none
    from assets.files.models import AssetFile

    with_file = make_asset(org, truck_type, "Truck 1")
    make_asset(org, truck_type, "Truck 2")
    record = AssetFile.objects.create(asset=with_file, remote_url="https://example.com/a.png", name="a.png")
    loaded = list(Asset.objects.select_related("file").order_by("pk"))
    with django_assert_num_queries(0):
        assert [related_or_none(asset, "file") for asset in loaded] == [record, None]
    plain = list(Asset.objects.order_by("pk"))
    with django_assert_num_queries(2):
        assert [related_or_none(asset, "file") for asset in plain] == [record, None]
