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
    return {"user": user_data(request.auth), "memberships": access.memberships(request.auth)}
