"""Health and the caller's own identity."""

from __future__ import annotations

from django.db import connection
from ninja import Router, Status

from assets.access import grants as access
from assets.api.access import user_data
from assets.core.api import ERRORS
from assets.schemas import Health, MeOut

system = Router(tags=["system"])


@system.get("/health", auth=None, response={200: Health, 503: Health})
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Status(200, {"status": "ok", "database": "ok"})
    except Exception:
        return Status(503, {"status": "degraded", "database": "unavailable"})


@system.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    """The account as it is (a superuser's scoped token still says is_superuser), the
    organizations this request may use and, with a token, the token's limits."""
    user = request.auth
    token = getattr(user, "_api_token", None)
    return {
        "user": {**user_data(user), "is_superuser": user.is_superuser or getattr(user, "_scoped_superuser", False)},
        "memberships": access.memberships(user),
        "token": None if token is None else {
            "id": token.pk, "read_only": token.read_only, "organization_ids": sorted(token.organization_ids or []),
        },
    }
