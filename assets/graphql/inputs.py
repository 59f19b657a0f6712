"""Input types declared as data: the fields that must be given, and the optional ones with
their default (None, or UNSET where omitting a field means "leave it as it is")."""

from __future__ import annotations

from typing import Any

import strawberry

UNSET: Any = strawberry.UNSET


def input_type(name: str, required: dict[str, Any], optional: dict[str, tuple[Any, Any]] | None = None, **options):
    """`optional` maps a field to (type, default); its GraphQL type is nullable."""
    optional = optional or {}
    annotations = {**required, **{field: kind | None for field, (kind, _) in optional.items()}}
    namespace = {"__annotations__": annotations, **{field: default for field, (_, default) in optional.items()}}
    return strawberry.input(type(name, (), namespace), **options)
