"""guardian's direct-foreign-key permission tables: one pair (per user, per team) per model that
takes object permissions. Direct keys let permission checks join instead of matching a generic
object id by text."""

from __future__ import annotations

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


def object_permission_models(model, module: str, *, user_model: str, team_model: str, team_doc: str = ""):
    """The (user, team) permission models on `model`, declared in `module` (their app)."""

    def declare(name: str, base, doc: str):
        return type(name, (base,), {
            "__module__": module,
            "__doc__": doc or None,
            "content_object": models.ForeignKey(model, on_delete=models.CASCADE),
            "Meta": type("Meta", (base.Meta,), {"abstract": False}),
        })

    return (declare(user_model, UserObjectPermissionBase, ""), declare(team_model, GroupObjectPermissionBase, team_doc))
