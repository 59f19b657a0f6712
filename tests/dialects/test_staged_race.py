"""A staged upload is claimed at most once: two asset creations naming the same file id at the
same moment from two connections get one 201 and one 400, and the file belongs to one asset
(PostgreSQL; SQLite admits one writer at a time anyway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from assets.files.models import AssetFile, StagedUpload
from assets.models import Asset
from tests.dialects.conftest import CompatClient
from tests.dialects.test_quable import BASE, upload
from tests.factories import grant, make_org, make_type, make_user
from tests.files.conftest import media_root

__all__ = ["media_root"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_racing_claims_of_one_upload_exactly_one_wins():
    org = make_org("education-developers")
    make_type(org, "dam_asset")
    user = make_user("racer")
    grant(user, "change_org_assets", org)
    clients = [CompatClient(BASE, user), CompatClient(BASE, user)]

    def race(round_: int, staged: str) -> list:
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def post(i):
            try:
                barrier.wait(timeout=10)
                results[i] = clients[i].post("assets", {"id": f"shirt-{round_}-{i}", "file": {"id": staged}})
            finally:
                connections.close_all()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return results

    for round_ in range(3):
        staged = upload(clients[0]).json()["id"]
        results = race(round_, staged)
        assert sorted(r.status_code for r in results) == [201, 400], [r.content for r in results]
        assert Asset.objects.filter(key__startswith=f"shirt-{round_}-").count() == 1
        assert AssetFile.objects.filter(asset__key__startswith=f"shirt-{round_}-").count() == 1
        assert not StagedUpload.objects.filter(pk=staged).exists()
