import uuid

from csp.middleware import CSPMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.core.exceptions import SuspiciousOperation

from assets.access import throttle
from assets.core.changelog import request_id_var


class RequestIdMiddleware:
    """Gives every request a trace id: stamped on change-log entries, errors and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 32 else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


class ApiMiddleware:
    """A middleware for answers under /api/ only (`handle`); other requests pass untouched."""

    prefix = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        return self.handle(request)

    def handle(self, request):
        raise NotImplementedError


class ApiProblemMiddleware(ApiMiddleware):
    """Keeps every answer under /api/ in application/problem+json, also where Django itself
    would answer in HTML or plain text: unknown paths (404), wrong methods (405) and query
    strings no database can store (NUL characters) or Django refuses to parse."""

    def handle(self, request):
        from .api import problem

        try:
            unsafe = "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
            )
        except SuspiciousOperation as exc:
            return problem(request, 400, str(exc) or "the query string can't be parsed")
        if unsafe:
            return problem(request, 400, "the URL must not contain NUL characters",
                           errors=[{"field": "query", "message": "contains NUL characters"}])
        response = self.get_response(request)
        if response.status_code in (404, 405) and not _is_json(response):
            answer = problem(
                request, response.status_code,
                "No such endpoint" if response.status_code == 404 else f"{request.method} is not allowed here",
            )
            for header in ("Allow", *RATE_HEADERS):
                if response.has_header(header):
                    answer[header] = response[header]
            return answer
        return response


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith(("application/json", "application/problem+json"))


class ThrottleMiddleware(ApiMiddleware):
    """Rate limits of the API: every answer under /api/ tells the caller's limit, what is left of
    it and the seconds until the window resets; past the limit the answer is 429 THROTTLED with
    Retry-After. Placed after the authentication middleware, for the session's user."""

    # The schema and its docs page are the same for everyone and read no data.
    exempt = ("/api/v1/openapi.json", "/api/v1/docs")

    def handle(self, request):
        if request.path.startswith(self.exempt):
            return self.get_response(request)
        quota = throttle.take(*throttle.request_identity(request))
        if quota is not None and not quota.allowed:
            from .api import problem

            response = problem(request, 429, f"Rate limit of {quota.limit} requests exceeded; retry in {quota.reset} s",
                               retry_after=quota.reset)
            response["Retry-After"] = str(quota.reset)
        else:
            response = self.get_response(request)
        if quota is not None:
            for name, value in quota.headers().items():
                response[name] = value
        return response


class PageMessageMiddleware(MessageMiddleware):
    """Django's messages for the pages only: the API never shows one, and building the message
    storage (cookie and session backends) cost ~160 us of every API request."""

    def process_request(self, request):
        if not request.path.startswith(ApiMiddleware.prefix):
            super().process_request(request)


class PageCSPMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy for what a browser renders: a JSON answer (the API,
    the dialects) runs no script and needs none. django-csp's EXCLUDE_URL_PREFIXES still builds
    the policy before it looks at the path, ~0.2 ms of every API request; this skips it."""

    def process_response(self, request, response):
        if _is_json(response):
            return response
        return super().process_response(request, response)
