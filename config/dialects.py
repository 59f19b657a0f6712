"""The vendor REST dialects (SPEC §9.2): one NinjaAPI per vendor, each with the REST API's
authentication and JSON parser but its vendor's error shape.

A dialect passes `render(request, status, message, exc)`; every failure (a domain error of the
services, a schema or body-parsing error, missing credentials, an unexpected exception) reaches
it as a status and a message, so no dialect answers with our problem+json or a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from assets.core.errors import DomainError
from assets.files.uploads import as_domain_error

from .api import BearerToken, BrowserSession, StrictJSONParser, describe_http_error, describe_validation_error

logger = logging.getLogger(__name__)

Render = Callable[..., HttpResponse]


def message_of(exc: DomainError) -> str:
    """The detail with the field errors it summarizes ("the link is not valid" alone says too
    little to a client that has only a message)."""
    details = [f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in exc.errors
               if e.get("message") and e["message"] not in exc.detail]
    return f"{exc.detail} ({'; '.join(details)})" if details else exc.detail


def dialect_api(namespace: str, title: str, render: Render, *, parser=None) -> NinjaAPI:
    api = NinjaAPI(
        title=title,
        version="1.0.0",
        auth=[BearerToken(), BrowserSession()],
        urls_namespace=namespace,
        docs_url="/docs",
        openapi_url="/openapi.json",
        parser=parser or StrictJSONParser(),
    )

    @api.exception_handler(DomainError)
    def on_domain_error(request, exc: DomainError):
        return render(request, exc.status, message_of(exc), exc)

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request, exc):
        return render(request, 400, describe_validation_error(exc)[0], exc)

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request, exc):
        return render(request, 401, "Sign in or send 'Authorization: Bearer <token>'", exc)

    @api.exception_handler(AuthorizationError)
    def on_authorization_error(request, exc):
        return render(request, 403, str(exc) or "Permission denied", exc)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        status, detail, _ = describe_http_error(exc)
        return render(request, status, detail, exc)

    # A multipart body that can't be parsed (a session-authenticated request parses it during
    # the CSRF check, before any endpoint runs) is the client's fault: 400, or 413.
    def on_body_error(request, exc):
        return on_domain_error(request, as_domain_error(exc))

    for error in (MultiPartParserError, RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent, UnreadablePostError):
        api.add_exception_handler(error, on_body_error)

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return render(request, 404, "Not found", exc)

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return render(request, 500, "Internal server error", exc)

    return api
