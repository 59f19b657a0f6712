"""Hierarchies stay acyclic under concurrent requests: A->B and B->A sent at the same moment from
two connections, exactly one wins (PostgreSQL; SQLite admits one writer at a time anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from links.models import Link
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_org, make_type, make_user

ROUNDS = 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_racing_reverse_links_exactly_one_wins():
    org = make_org("race")
    asset_type = make_type(org, "part")
    user = make_user("racer")
    grant(user, "change_org_assets", org)
    clients = [ApiClient(user), ApiClient(user)]

    def race(source, target) -> list:
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def post(i, a, b):
            try:
                barrier.wait(timeout=10)
                results[i] = clients[i].post("/links", {"link_type": "parent_child", "source_id": a.pk, "target_id": b.pk})
            finally:
                connections.close_all()

        threads = [threading.Thread(target=post, args=(0, source, target)),
                   threading.Thread(target=post, args=(1, target, source))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return results

    for round_ in range(ROUNDS):
        a = make_asset(org, asset_type, f"A{round_}")
        b = make_asset(org, asset_type, f"B{round_}")
        results = race(a, b)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201, 409], [r.content for r in results]
        loser = next(r for r in results if r.status_code == 409)
        assert loser.json()["code"] == "CYCLE"
        assert Link.objects.filter(source__in=[a, b], target__in=[a, b]).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_racing_links_that_close_a_longer_cycle_leave_the_graph_acyclic():
    """A->B, B->C and C->A sent together: each alone is fine, all three make a loop, so at most
    two may win and the stored graph stays acyclic."""
    org = make_org("race3")
    asset_type = make_type(org, "part")
    user = make_user("racer3")
    grant(user, "change_org_assets", org)
    clients = [ApiClient(user) for _ in range(3)]
    for round_ in range(ROUNDS):
        a, b, c = (make_asset(org, asset_type, f"{name}{round_}") for name in "ABC")
        pairs = [(a, b), (b, c), (c, a)]
        barrier = threading.Barrier(3)
        results: list = [None] * 3

        def post(i, source, target, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=10)
                results[i] = clients[i].post("/links", {"link_type": "parent_child", "source_id": source.pk,
                                                        "target_id": target.pk})
            finally:
                connections.close_all()

        threads = [threading.Thread(target=post, args=(i, s, t)) for i, (s, t) in enumerate(pairs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201, 201, 409], [r.content for r in results]
        assert next(r for r in results if r.status_code == 409).json()["code"] == "CYCLE"
        assert Link.objects.filter(source__in=[a, b, c]).count() == 2
