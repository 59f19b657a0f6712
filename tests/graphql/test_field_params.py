"""The `params` families of GraphQL's field definitions come from the field kinds: each kind
names its family, and the one-of input has a member for every family (a new kind needs no
line in assets/graphql)."""

from __future__ import annotations

from assets.field_types import KINDS
from assets.graphql.field_params import FAMILY_INPUTS, CustomFieldParamsInput


def test_every_field_kind_names_its_params_family():
    assert all(kind.params_family for kind in KINDS.values())
    assert set(FAMILY_INPUTS) == {kind.params_family for kind in KINDS.values()}


def test_each_family_input_offers_exactly_its_kinds_params():
    from strawberry.types.base import get_object_definition

    members = {field.python_name for field in get_object_definition(CustomFieldParamsInput).fields}
    assert members == set(FAMILY_INPUTS)
    for kind in KINDS.values():
        offered = {field.python_name for field in get_object_definition(FAMILY_INPUTS[kind.params_family]).fields}
        family_params = set().union(*(k.params for k in KINDS.values() if k.params_family == kind.params_family))
        assert offered == {"is_required", *family_params}, kind.code
