"""Authentication backends."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef

from assets.access.permissions import attach_snapshot, snapshot_columns
from assets.core.db import CompiledQuery

_USER_WITH_GRANTS = CompiledQuery(
    lambda pk: get_user_model()._default_manager.filter(pk=pk).annotate(**snapshot_columns(OuterRef("pk"))),
    pk=int,
)


class SnapshotModelBackend(ModelBackend):
    """Django's ModelBackend, whose per-request user lookup from the session also reads the
    user's permission snapshot: every page needs it, and this way it costs no query of its own."""

    def get_user(self, user_id):
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        found = _USER_WITH_GRANTS.objects(pk=user_id)
        if not found or not self.user_can_authenticate(found[0]):
            return None
        user = found[0]
        attach_snapshot(user, user)
        return user
