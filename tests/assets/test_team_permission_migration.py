"""The team-on-asset permission model was renamed (AssetGroupObjectPermission read as a grant on
an asset group); the migration renames the table and keeps every grant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assets", "0004_field_type_choices_from_kinds")]
AFTER = [("assets", "0005_rename_assetgroupobjectpermission_assetteamobjectpermission")]


@pytest.mark.django_db(transaction=True)
def test_renaming_the_team_permission_model_keeps_the_grants():
    from django.contrib.auth.models import Group, Permission

    from assets.models import AssetTeamObjectPermission
    from tests.factories import make_asset, make_org, make_type

    org = make_org("migrated")
    asset = make_asset(org, make_type(org, "crate"), "Crate 1")
    team = Group.objects.create(name="night shift")
    view = Permission.objects.get(codename="view_asset", content_type__app_label="assets")

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("assets", "AssetGroupObjectPermission")
    old.objects.create(content_object_id=asset.pk, group_id=team.pk, permission_id=view.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    grant = AssetTeamObjectPermission.objects.get()
    assert (grant.content_object_id, grant.group_id, grant.permission_id) == (asset.pk, team.pk, view.pk)
