"""403/404/500 pages inside the layout."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    context = {"request_id": getattr(request, "request_id", "")}
    try:
        return render(request, "errors/500.html", context, status=500)
    except Exception:
        # The layout reads the session and the user; when the database is what failed, answer
        # with the page's text alone rather than nothing.
        return HttpResponseServerError(render_to_string("errors/500_plain.html", context))
