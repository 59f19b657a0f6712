"""The application's URLs plus a bare Django JSON view, so a load test can compare both in the
same server process (ROOT_URLCONF=bench.bench_urls)."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path

from assets.access.tokens import token_read
from assets.core.db.compiled import objects_together
from assets.services.assets import detail_read
from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as app_urlpatterns


def bare_json(request):
    return JsonResponse({"id": 1, "title": "bare", "version": 1})


def bare_row(request, asset_id: int):
    """The floor of any endpoint that reads a row: one SQL query, no authentication."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, key, title, custom_fields, version FROM assets_asset WHERE id = %s", [asset_id])
        row = cursor.fetchone()
    return JsonResponse({"id": row[0], "key": row[1], "title": row[2], "custom_fields": row[3], "version": row[4]})


def bare_statement(request, asset_id: int):
    """The floor of the detail's one-statement design: the detail's own SQL (the token, its user's
    grants and the asset in one read, assets.core.db.compiled.objects_together) and nothing else
    of the request's Python: no authentication check, no serialization of the asset."""
    _, raw = request.headers.get("Authorization", "").partition(" ")[::2]
    tokens, found = objects_together(token_read(raw), detail_read(asset_id))
    return JsonResponse({"id": found[0].pk, "user_id": tokens[0].user_id})


urlpatterns = [
    path("bench/json", bare_json), path("bench/row/<int:asset_id>", bare_row),
    path("bench/statement/<int:asset_id>", bare_statement), *app_urlpatterns,
]
