"""The application's URLs plus a bare Django JSON view, so a load test can compare both in the
same server process (ROOT_URLCONF=bench.bench_urls)."""

from django.http import JsonResponse
from django.urls import path

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as app_urlpatterns


def bare_json(request):
    return JsonResponse({"id": 1, "title": "bare", "version": 1})


urlpatterns = [path("bench/json", bare_json), *app_urlpatterns]
