"""Concurrent inserts and moves in one tree never corrupt lft/rght/tree_id (PostgreSQL, real
threads, each with its own connection)."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, connections

from assets.core.errors import DomainError
from groups import services
from groups.models import AssetGroup
from groups.queries import tree_problems
from tests.factories import make_org, make_user

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serializes all writers anyway"
)

THREADS = 8
OPERATIONS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_and_moves_keep_the_tree_valid():
    user = make_user("root", superuser=True)
    org = make_org("translog")
    other = make_org("architecture-db")
    root = services.create_group(user, organization_id=org.pk, title="Germany", exclusive=True)
    seeds = [services.create_group(user, organization_id=org.pk, title=f"Region {n}", parent_id=root.pk) for n in range(4)]
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        rng = random.Random(worker)
        try:
            start.wait()
            for step in range(OPERATIONS):
                ids = list(AssetGroup.objects.filter(organization=org).values_list("pk", flat=True))
                kind = rng.choice(["insert", "insert", "move", "root", "other-org-root"])
                try:
                    if kind == "insert":
                        services.create_group(user, organization_id=org.pk, title=f"W{worker}-{step}",
                                              parent_id=rng.choice(ids))
                    elif kind == "move":
                        node, target = rng.sample(ids, 2)
                        services.update_group(user, node, parent_id=target)
                    elif kind == "root":
                        services.create_group(user, organization_id=org.pk, title=f"Top {worker}-{step}")
                    else:
                        services.create_group(user, organization_id=other.pk, title=f"Elsewhere {worker}-{step}")
                except DomainError:
                    # Cycles and groups deleted or moved meanwhile are expected answers.
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert tree_problems() == []
    roots = list(AssetGroup.objects.filter(parent__isnull=True).values_list("tree_id", flat=True))
    assert len(roots) == len(set(roots)), "two roots share a tree_id"
    assert AssetGroup.objects.filter(organization=org).count() > len(seeds) + 1
    # Every group is in its root's organization and tree.
    for group in AssetGroup.objects.exclude(parent__isnull=True).select_related("parent"):
        assert group.tree_id == group.parent.tree_id and group.organization_id == group.parent.organization_id
