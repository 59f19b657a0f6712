"""The asset list's bulk actions, export and import pages over real HTTP (Django's client): what
they write, what they refuse, and their query counts at 10 and 100 selected assets."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import Asset, ChangeLogEntry, ImportJob
from groups import services as groups
from groups.models import GroupMembership
from tests import task_worker
from tests.factories import grant, make_asset, make_user

pytestmark = pytest.mark.django_db


def _selected(assets):
    return [f"{a.pk}:{a.version}" for a in assets]


def _apply(client, action, selected=(), **fields):
    return client.post("/assets/bulk/apply/", {"action": action, "selected": list(selected), **fields})


def test_set_a_field_on_three_assets_logs_one_entry_each_under_one_request(world, client_for):
    client = client_for(world.dispatcher)
    trucks = [world.truck_a, world.truck_b, world.truck_c]
    confirm = client.post("/assets/bulk/", {"action": "set_field", "selected": _selected(trucks)})
    assert confirm.status_code == 200
    assert b'data-count="allowed">3<' in confirm.content
    response = _apply(client, "set_field", _selected(trucks), field="fuel_capacity_l", value="99")
    assert response.status_code == 200, response.content
    assert {a.custom_fields["fuel_capacity_l"] for a in Asset.objects.filter(pk__in=[t.pk for t in trucks])} == {99}
    entries = ChangeLogEntry.objects.filter(object_type="asset", object_id__in=[t.pk for t in trucks], action="update")
    assert entries.count() == 3
    assert len({e.request_id for e in entries}) == 1 and entries[0].request_id


def test_clear_a_field(world, client_for):
    response = _apply(client_for(world.dispatcher), "clear_field", _selected([world.truck_b]), field="fuel_capacity_l")
    assert response.status_code == 200
    world.truck_b.refresh_from_db()
    assert "fuel_capacity_l" not in world.truck_b.custom_fields


def test_a_stale_row_writes_nothing_and_is_reported(world, client_for):
    selected = _selected([world.truck_a, world.truck_b])
    Asset.objects.filter(pk=world.truck_b.pk).update(version=world.truck_b.version + 1)
    client = client_for(world.dispatcher)
    confirm = client.post("/assets/bulk/", {"action": "set_field", "selected": selected})
    assert b'data-count="stale">1<' in confirm.content
    response = _apply(client, "set_field", selected, field="fuel_capacity_l", value="1")
    assert response.status_code == 409
    assert b"Truck B-12" in response.content and b"version" in response.content
    assert not Asset.objects.filter(custom_fields__fuel_capacity_l=1).exists()


def test_a_bad_value_is_listed_per_asset(world, client_for):
    response = _apply(client_for(world.dispatcher), "set_field", _selected([world.truck_a, world.truck_b]),
                      field="fuel_capacity_l", value="lots")
    assert response.status_code == 400
    assert b"Truck B-44" in response.content and b"Truck B-12" in response.content


def test_delete_refused_for_one_asset_deletes_nothing_and_counts_without_naming(world, client_for):
    deleter = make_user("deleter")
    grant(deleter, "view_org_assets", world.org)
    for asset in (world.truck_a, world.truck_b):
        grant(deleter, "delete_asset", asset)
    client = client_for(deleter)
    selected = _selected([world.truck_a, world.truck_b, world.truck_c])
    confirm = client.post("/assets/bulk/", {"action": "delete", "selected": selected})
    assert b'data-count="allowed">2<' in confirm.content and b'data-count="refused">1<' in confirm.content
    assert b"Truck M-07" not in confirm.content
    response = _apply(client, "delete", selected)
    assert response.status_code == 400
    assert b'data-count="refused">1<' in response.content and b"Truck M-07" not in response.content
    assert Asset.objects.filter(pk__in=[world.truck_a.pk, world.truck_b.pk, world.truck_c.pk]).count() == 3


def test_hidden_assets_are_counted_as_gone_never_named(world, client_for):
    selected = _selected([world.truck_a, world.secret])
    client = client_for(world.dispatcher)
    confirm = client.post("/assets/bulk/", {"action": "set_field", "selected": selected})
    assert b'data-count="gone">1<' in confirm.content and b"Secret" not in confirm.content
    response = _apply(client, "set_field", selected, field="fuel_capacity_l", value="5")
    assert response.status_code == 404 and b"Secret" not in response.content


def test_all_matching_moves_every_asset_of_the_filter_into_a_group(world, client_for):
    depot = groups.create_group(world.root, organization_id=world.org.pk, title="Depot")
    north = groups.create_group(world.root, organization_id=world.org.pk, title="North", parent_id=depot.pk)
    south = groups.create_group(world.root, organization_id=world.org.pk, title="South", parent_id=depot.pk)
    groups.add_members(world.root, north.pk, [world.truck_a.pk])
    client = client_for(world.dispatcher)
    filters = f"organization_id={world.org.pk}&type_id={world.truck.pk}"
    count = client.get("/assets/bulk/count/", {"filters": filters})
    assert b"Select all 3 assets" in count.content
    response = client.post("/assets/bulk/apply/", {"action": "move_group", "all_matching": "1", "filters": filters,
                                                     "group": south.pk})
    assert response.status_code == 200, response.content
    assert set(GroupMembership.objects.filter(group=south).values_list("asset_id", flat=True)) == {
        world.truck_a.pk, world.truck_b.pk, world.truck_c.pk}
    assert not GroupMembership.objects.filter(group=north).exists()
    assert ChangeLogEntry.objects.filter(object_type="asset", action="update", after__group_ids=[south.pk]).count() == 3
    response = client.post("/assets/bulk/apply/", {"action": "remove_group", "selected": _selected([world.truck_b]),
                                                     "group": south.pk})
    assert response.status_code == 200
    assert GroupMembership.objects.filter(group=south).count() == 2


def _many(world, n):
    return [make_asset(world.org, world.boat, f"Boat {i:03}", key=f"boat-{i:03}", custom_fields={"hull_id": f"H{i}"})
            for i in range(n)]


@pytest.mark.parametrize("step", ["confirm", "apply"])
def test_query_count_does_not_grow_with_the_selection(world, client_for, step):
    client = client_for(world.dispatcher)
    boats = _many(world, 100)
    counts = []
    for size in (10, 100):
        selected = _selected(Asset.objects.filter(pk__in=[b.pk for b in boats[:size]]))
        with CaptureQueriesContext(connection) as queries:
            if step == "confirm":
                response = client.post("/assets/bulk/", {"action": "set_field", "selected": selected})
            else:
                response = _apply(client, "set_field", selected, field="hull_id", value=f"X{size}")
        assert response.status_code == 200, response.content
        counts.append(len(queries))
    assert counts[1] - counts[0] <= 2, counts  # batches, not items (SQLite caps the parameters of one statement)
    assert counts[1] <= (8 if step == "confirm" else 20), counts


# The link actions run the single write's rules once for the set (links.services.plan_link_set):
# endpoints, the type per organization, duplicates, the cycle walk, one insert, one log write
# (before: create_link/delete_link per asset, 111 -> 1,011 and 93 -> 813 queries at 10 -> 100).
LINK_ACTION_QUERIES = 25


@pytest.mark.parametrize("code", ["related", "parent_child"])  # a peer type; a hierarchical one (cycle walk)
def test_link_actions_query_count_is_the_same_at_10_and_100_assets(world, client_for, code):
    from links.models import Link, LinkType

    link_type = LinkType.objects.get(organization__isnull=True, code=code)
    client = client_for(world.dispatcher)
    boats = _many(world, 110)
    counts = []
    for chunk in (boats[:10], boats[10:110]):
        selected = _selected(Asset.objects.filter(pk__in=[b.pk for b in chunk]))
        with CaptureQueriesContext(connection) as added:
            response = _apply(client, "add_link", selected, link_type=link_type.pk, target="truck-b-44")
        assert response.status_code == 200, response.content
        assert Link.objects.filter(target=world.truck_a, source__in=chunk, link_type=link_type).count() == len(chunk)
        with CaptureQueriesContext(connection) as removed:
            response = _apply(client, "remove_link", _selected(Asset.objects.filter(pk__in=[b.pk for b in chunk])),
                              link_type=link_type.pk, target="truck-b-44")
        assert response.status_code == 200 and f"Removed {len(chunk)} links".encode() in response.content
        counts.append((len(added), len(removed)))
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= LINK_ACTION_QUERIES, counts
    entries = ChangeLogEntry.objects.filter(object_type="link")
    assert entries.filter(action="create").count() == entries.filter(action="delete").count() == 110
    assert not Link.objects.filter(target=world.truck_a).exists()


def test_a_bulk_link_that_would_close_a_cycle_is_refused_at_its_asset(world, client_for):
    from links import services as links
    from links.models import Link, LinkType

    tree = LinkType.objects.get(organization__isnull=True, code="parent_child")
    links.create_link(world.root, link_type=tree.pk, source_id=world.truck_a.pk, target_id=world.truck_b.pk)
    client = client_for(world.dispatcher)
    # truck_b is below truck_a: truck_b -> truck_a would loop; truck_c -> truck_a is fine, but all or none.
    response = _apply(client, "add_link", _selected([world.truck_b, world.truck_c]), link_type=tree.pk,
                      target="truck-b-44")
    assert response.status_code == 409 and b"Truck B-12" in response.content and b"cycle" in response.content
    assert Link.objects.count() == 1
    # And an asset linked to itself is refused by the same rule as the single write.
    response = _apply(client, "add_link", _selected([world.truck_a, world.truck_c]), link_type=tree.pk,
                      target="truck-b-44")
    assert response.status_code == 400 and b"itself" in response.content
    assert Link.objects.count() == 1


def test_export_of_the_filtered_list_reimports_unchanged(world, client_for):
    client = client_for(world.root)
    response = client.get("/assets/export/", {"organization_id": world.org.pk, "type_id": world.truck.pk,
                                              "ordering": "-title", "format": "csv"})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["key"] for r in rows] == ["truck-m-07", "truck-b-44", "truck-b-12"]
    preview = client.post("/assets/import/", {"organization_id": world.org.pk, "mode": "upsert", "text": text})
    job = ImportJob.objects.get()
    assert preview.status_code == 302
    assert (job.created, job.updated, job.unchanged, job.failed) == (0, 0, 3, 0), job.errors


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_export_formats_reimport_unchanged(world, client_for, fmt):
    client = client_for(world.root)
    response = client.get("/assets/export/", {"organization_id": world.org.pk, "format": fmt})
    text = b"".join(response.streaming_content).decode()
    client.post("/assets/import/", {"organization_id": world.org.pk, "mode": "upsert", "text": text, "format": fmt})
    job = ImportJob.objects.get()
    assert (job.created, job.updated, job.failed) == (0, 0, 0), job.errors
    assert job.unchanged == Asset.objects.filter(organization=world.org).count()


def test_export_needs_one_organization(world, client_for):
    assert client_for(world.root).get("/assets/export/", {"format": "csv", "organization_id": ""}).status_code == 400


BAD_CSV = """key,title,type,hull_id
boat-1,Boat one,boat,H-1
,No key,boat,H-2
boat-3,Boat three,spaceship,H-3
"""


def test_preview_lists_every_bad_row_and_writes_nothing(world, client_for):
    client = client_for(world.dispatcher)
    before = Asset.objects.count()
    response = client.post("/assets/import/", {"organization_id": world.org.pk, "mode": "create", "text": BAD_CSV},
                           follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.created, job.failed) == (1, 2)
    assert sorted(e["line"] for e in job.errors) == [3, 4]
    assert b"spaceship" in response.content and b'data-total="bad">2<' in response.content
    assert Asset.objects.count() == before
    # Confirming a file with bad rows and no "skip" writes nothing either.
    client.post(f"/assets/import/{job.pk}/run/")
    job.refresh_from_db()
    assert job.status == "preview"


@pytest.mark.django_db(transaction=True)  # on PostgreSQL the worker sees only committed rows
def test_confirmed_import_runs_as_a_task_and_skips_bad_rows_when_asked(world, client_for):
    client = client_for(world.dispatcher)
    client.post("/assets/import/", {"organization_id": world.org.pk, "mode": "create", "text": BAD_CSV})
    job = ImportJob.objects.get()
    client.post(f"/assets/import/{job.pk}/run/", {"skip_bad_rows": "on"})
    job.refresh_from_db()
    assert job.status == "queued"
    task_worker.drain()
    job.refresh_from_db()
    assert job.status == "done" and job.written and job.created == 1
    assert Asset.objects.filter(key="boat-1").exists()
    entry = ChangeLogEntry.objects.get(object_type="asset", action="create", object_id=Asset.objects.get(key="boat-1").pk)
    assert entry.request_id == job.request_id and job.request_id
    # The result links to the list filtered to exactly what the import wrote (the org's trucks
    # stay out), and the same filter answers on the REST list.
    result = client.get(f"/assets/import/{job.pk}/")
    listed = client.get(f"/assets/?{result.context['list_query']}")
    assert [row["asset"].key for row in listed.context["rows"]] == ["boat-1"]
    assert Asset.objects.filter(organization=world.org).count() > 1
    changes = client.get("/changes/", {"request_id": job.request_id})
    assert [row["entry"].object_id for row in changes.context["rows"]] == [Asset.objects.get(key="boat-1").pk]
    status = client.get(f"/assets/import/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert status.headers["HX-Redirect"] == f"/assets/import/{job.pk}/"


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_by_a_task_with_the_same_preview(world, client_for, settings):
    settings.IMPORT_PREVIEW_INLINE_BYTES = len(BAD_CSV.encode()) - 1  # this file counts as large
    client = client_for(world.dispatcher)
    before = Asset.objects.count()
    response = client.post("/assets/import/", {"organization_id": world.org.pk, "mode": "create", "text": BAD_CSV},
                           follow=True)
    job = ImportJob.objects.get()
    assert job.status == "checking" and (job.created, job.failed) == (0, 0)  # the request didn't run the check
    assert b"Checking the file" in response.content and b'id="import-progress"' in response.content
    # Nothing can be confirmed while the check runs.
    client.post(f"/assets/import/{job.pk}/run/")
    job.refresh_from_db()
    assert job.status == "checking"
    polled = client.get(f"/assets/import/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in polled.headers and b'hx-trigger="every 1s"' in polled.content
    task_worker.drain()
    job.refresh_from_db()
    assert job.status == "preview" and (job.created, job.failed, job.total) == (1, 2, 3)
    assert sorted((e["line"], e["field"]) for e in job.errors)[0] == (3, "key")
    assert client.get(f"/assets/import/{job.pk}/status/", HTTP_HX_REQUEST="true").headers["HX-Redirect"] == \
        f"/assets/import/{job.pk}/"
    page = client.get(f"/assets/import/{job.pk}/")
    assert b"Preview of the import" in page.content and b"spaceship" in page.content
    assert [row["line"] for row in page.context["rows"]] == [2, 3, 4]
    assert Asset.objects.count() == before
    # Confirmed with "skip bad rows", it imports like a preview made in the request.
    client.post(f"/assets/import/{job.pk}/run/", {"skip_bad_rows": "on"})
    task_worker.drain()
    job.refresh_from_db()
    assert job.status == "done" and Asset.objects.filter(key="boat-1").exists()


@pytest.mark.parametrize("status, ended_as, word", [("running", "failed", "import"), ("checking", "preview", "check")])
def test_a_job_whose_worker_died_is_shown_stopped_with_nothing_written(world, client_for, settings, status, ended_as,
                                                                       word):
    # What a killed worker leaves: the job running, its last progress write long ago.
    settings.IMPORT_STALL_SECONDS = 60
    client = client_for(world.dispatcher)
    client.post("/assets/import/", {"organization_id": world.org.pk, "mode": "create", "text": BAD_CSV})
    job = ImportJob.objects.get()
    alive = timezone.now() - timedelta(seconds=30)
    ImportJob.objects.filter(pk=job.pk).update(status=status, heartbeat_at=alive, done=200)
    polled = client.get(f"/assets/import/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in polled.headers and b'hx-trigger="every 1s"' in polled.content  # still alive
    job.refresh_from_db()
    assert job.status == status
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    polled = client.get(f"/assets/import/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert polled.headers["HX-Redirect"] == f"/assets/import/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ended_as and job.error.startswith(f"the {word} stopped") and job.finished_at
    page = client.get(f"/assets/import/{job.pk}/")
    assert b"nothing was written" in page.content
    assert not Asset.objects.filter(key="boat-1").exists()


def test_a_small_file_is_checked_in_the_request(world, client_for, settings):
    settings.IMPORT_PREVIEW_INLINE_BYTES = len(BAD_CSV.encode())
    client_for(world.dispatcher).post("/assets/import/", {"organization_id": world.org.pk, "text": BAD_CSV})
    assert ImportJob.objects.get().status == "preview"


def test_someone_elses_import_is_not_found(world, client_for):
    client_for(world.dispatcher).post("/assets/import/", {"organization_id": world.org.pk, "text": BAD_CSV})
    job = ImportJob.objects.get()
    assert client_for(world.viewer).get(f"/assets/import/{job.pk}/").status_code == 404


def test_a_superuser_sees_the_counts_of_ticked_and_matching_assets(world, client_for):
    client = client_for(world.root)
    confirm = client.post("/assets/bulk/", {"action": "delete", "selected": _selected([world.truck_a, world.secret])})
    assert confirm.status_code == 200 and b'data-count="allowed">2<' in confirm.content
    matching = client.post("/assets/bulk/", {"action": "delete", "all_matching": "1",
                                             "filters": f"organization_id={world.org.pk}"})
    assert b'data-count="allowed">4<' in matching.content


def test_add_and_remove_a_link_to_one_target(world, client_for):
    from links.models import Link, LinkType

    related = LinkType.objects.get(organization__isnull=True, code="related")
    client = client_for(world.dispatcher)
    confirm = client.post("/assets/bulk/", {"action": "add_link", "selected": _selected([world.truck_b, world.truck_c])})
    assert confirm.status_code == 200 and b"Related" in confirm.content
    response = _apply(client, "add_link", _selected([world.truck_b, world.truck_c]), link_type=related.pk,
                      target="trailer-t-1")
    assert response.status_code == 200, response.content
    assert set(Link.objects.filter(target=world.trailer, link_type=related).values_list("source_id", flat=True)) == {
        world.truck_b.pk, world.truck_c.pk}
    # A second add of the same links is refused for both and undoes everything.
    again = _apply(client, "add_link", _selected([world.truck_b]), link_type=related.pk, target="trailer-t-1")
    assert again.status_code == 409 and b"Truck B-12" in again.content
    removed = _apply(client, "remove_link", _selected([world.truck_b]), link_type=related.pk, target="trailer-t-1")
    assert removed.status_code == 200 and b"Removed 1 link" in removed.content
    assert Link.objects.filter(target=world.trailer).count() == 1
    hidden = _apply(client, "add_link", _selected([world.truck_b]), link_type=related.pk, target="secret-1")
    assert hidden.status_code == 400 and b"no single asset you can see" in hidden.content


@pytest.mark.parametrize("action", ["add_group", "delete"])
def test_group_and_delete_query_counts_grow_by_batches_not_assets(world, client_for, action):
    fleet = groups.create_group(world.root, organization_id=world.org.pk, title="Fleet")
    client = client_for(world.root)
    boats = _many(world, 110)
    counts = []
    for chunk in (boats[:10], boats[10:110]):
        selected = _selected(Asset.objects.filter(pk__in=[b.pk for b in chunk]))
        with CaptureQueriesContext(connection) as confirm:
            assert client.post("/assets/bulk/", {"action": action, "selected": selected}).status_code == 200
        with CaptureQueriesContext(connection) as applied:
            response = _apply(client, action, selected, group=fleet.pk)
        assert response.status_code == 200, response.content
        counts.append((len(confirm), len(applied)))
    assert counts[0][0] == counts[1][0], counts
    # The delete runs the single delete's rule once for the whole set (assets.delete_locked_assets):
    # batches, not assets, as for the filing.
    assert counts[1][1] - counts[0][1] <= 2, counts


@pytest.mark.parametrize("kind", ["groups", "links"])
def test_groups_and_links_export_and_reimport_unchanged(world, client_for, kind):
    from links.models import Link, LinkType

    depot = groups.create_group(world.root, organization_id=world.org.pk, title="Depot", code="depot")
    groups.create_group(world.root, organization_id=world.org.pk, title="North", parent_id=depot.pk)
    related = LinkType.objects.get(organization__isnull=True, code="related")
    Link.objects.create(link_type=related, source=world.truck_a, target=world.truck_b, kind=related.kind)
    client = client_for(world.root)
    page = client.get(f"/groups/?organization={world.org.pk}")
    assert f'/assets/export/groups/?organization_id={world.org.pk}'.encode() in page.content
    response = client.get(f"/assets/export/{kind}/", {"organization_id": world.org.pk, "format": "jsonl"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert text.count("\n") == (2 if kind == "groups" else 1)
    client.post("/assets/import/", {"organization_id": world.org.pk, "kind": kind, "mode": "upsert", "text": text})
    job = ImportJob.objects.get()
    assert job.kind == kind and not job.error
    assert (job.created, job.updated, job.failed) == (0, 0, 0), job.errors
    assert job.unchanged == (2 if kind == "groups" else 1)


def test_organization_export_of_a_hidden_organization_is_refused(world, client_for):
    response = client_for(world.dispatcher).get("/assets/export/groups/", {"organization_id": world.other_org.pk})
    assert response.status_code == 400
