"""The one extension seam of the asset core (assets.extensions): what is declared, and that a
name two extensions add is refused rather than silently overridden."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from assets import extensions
from assets.access.grants import list_permissions
from assets.access.permissions import grant_kinds, snapshot_column_names
from assets.core.errors import ValidationFailed
from assets.files.extension import FilesExtension
from groups.extension import GroupsExtension
from links.extension import LinksExtension


def test_groups_links_and_files_are_the_declared_extensions():
    assert [type(e) for e in extensions.installed()] == [FilesExtension, GroupsExtension, LinksExtension]
    assert all(isinstance(e, extensions.AssetExtension) for e in extensions.installed())


def test_what_the_extensions_add_reaches_the_core():
    assert list(grant_kinds()) == ["asset", "team_asset", "group", "team_group"]
    assert snapshot_column_names()[-4:] == ("holds_asset", "holds_team_asset", "holds_group", "holds_team_group")
    assert set(extensions.list_filters()) == {"group_id", "linked_to"}
    assert extensions.filter_options() == {"include_descendants"}
    assert set(extensions.change_scopes()) == {"link"}


def test_a_name_added_twice_is_a_declaration_error():
    with pytest.raises(ImproperlyConfigured, match="list filter 'group_id'"):
        extensions.merged("list filter", [("group_id", len), ("linked_to", len), ("group_id", str)])


@pytest.mark.django_db
def test_an_extensions_grant_target_stands_beside_the_core_ones(superuser):
    with pytest.raises(ValidationFailed, match="must be one of asset, group, organization"):
        list_permissions(superuser, object_type="device")
