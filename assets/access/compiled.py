"""Permission-filtered reads compiled once per shape of the reader's grants.

A `CompiledQuery` (assets.core.db.compiled) keeps the SQL of one builder call, but the SQL of a
permission-filtered queryset differs from user to user: its conditions name the user's id and
organizations, and leave out the kinds of grants the user doesn't hold. Users whose permission
snapshots differ only in those ids get the same SQL with other values, so a
`PermissionCompiledQuery` compiles once per shape of snapshot (`PermissionSnapshot.shape`),
building the queryset for a stand-in of the first such user whose id and organization ids are
placeholders, and binds each reader's own ids.

The builder may use the user only through the permission functions (`visible_groups`,
`asset_condition`, ...): they pass the ids into the SQL and branch on what the snapshot holds. A
builder that compared one of the user's ids with a value of its own would compile that answer
for every user of the same shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from django.db.models import QuerySet

from assets.core.db import CompiledQuery

from .permissions import is_active_user, snapshot

# Shapes times variants kept per query; past that the cache starts again (a compile costs what
# one uncompiled request costs, and most deployments have a handful of shapes).
_COMPILED_KEPT = 256
_RESERVED = ("user_id", "org_")


class PermissionCompiledQuery:
    """`build(user, *variant, **placeholders) -> QuerySet`. `variant` are hashable values the SQL
    is compiled for one by one (a LIMIT, a choice of columns); `placeholders` map names to int,
    float or str, and `prepared` says whether the statements are prepared, as for CompiledQuery."""

    def __init__(self, build: Callable[..., QuerySet], *, prepared: bool = True, **placeholders: type):
        if any(name.startswith(_RESERVED) for name in placeholders):
            raise ValueError(f"placeholder names starting with {_RESERVED} are the reader's own")
        self._build = build
        self._prepared = prepared
        self._placeholders = placeholders
        self._compiled: dict[tuple, CompiledQuery] = {}

    def objects(self, user, *variant, **values) -> list:
        query, own = self._for(user, variant)
        return query.objects(**own, **values)

    def rows(self, user, *variant, **values) -> list:
        query, own = self._for(user, variant)
        return query.rows(**own, **values)

    def _for(self, user, variant: tuple) -> tuple[CompiledQuery, dict]:
        if not is_active_user(user):
            shape, org_ids = ("inactive",), []
        elif user.is_superuser:
            shape, org_ids = ("superuser",), []
        else:
            shape, org_ids = snapshot(user).shape()
        key = (variant, shape)
        query = self._compiled.get(key)
        if query is None:
            if len(self._compiled) >= _COMPILED_KEPT:
                self._compiled = {}
            query = self._compiled[key] = self._compile(user, variant, org_ids)
        own = {"user_id": user.pk, **{f"org_{rank}": org_id for rank, org_id in enumerate(org_ids)}}
        return query, own

    def _compile(self, user, variant: tuple, org_ids: list[int]) -> CompiledQuery:
        names = [f"org_{rank}" for rank in range(len(org_ids))]
        renames_grants = is_active_user(user) and not user.is_superuser

        def build(user_id, **values):
            stand_in = copy.copy(user)
            if renames_grants:
                stand_in.pk = user_id
                ids = {org_id: values.pop(name) for org_id, name in zip(org_ids, names, strict=True)}
                stand_in._permission_snapshot = snapshot(user).renamed(stand_in, ids)
            return self._build(stand_in, *variant, **values)

        # The organizations in rank order: their placeholders sort as the ids they stand for.
        return CompiledQuery(build, optional=("user_id", *names), prepared=self._prepared, user_id=int,
                             **dict.fromkeys(names, int), **self._placeholders)
