"""The REST API: one NinjaAPI, its authentication and the single mapping of errors to
application/problem+json."""

from __future__ import annotations

import json
import logging
import math

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from assets.access.tokens import user_for_token
from assets.core.api import read_along
from assets.core.changelog import request_id_var
from assets.core.errors import DomainError, Throttled

from .openapi import document_errors_and_limits

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: ("VALIDATION_ERROR", "Validation error"),
    401: ("UNAUTHENTICATED", "Authentication required"),
    403: ("FORBIDDEN", "Permission denied"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    409: ("CONFLICT", "Conflict"),
    413: ("PAYLOAD_TOO_LARGE", "Payload too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    429: ("THROTTLED", "Too many requests"),
}


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token, request, along=read_along(request))
        if user is not None:
            request.user = user
        return user


class BrowserSession(APIKeyCookie):
    """The browser's session cookie, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class UnsafeText(ValueError):
    """Text the databases can't store: NUL characters (PostgreSQL rejects them) and lone UTF-16
    surrogates (not encodable as UTF-8)."""


# No real document nests this deep, and the code that copies, stores or serializes a body
# (deepcopy, json.dumps, pydantic) recurses once per level into RecursionError: a 500.
MAX_JSON_DEPTH = 100
TOO_DEEP = f"body: is nested more than {MAX_JSON_DEPTH} levels deep"


def reject_unsafe_text(value, path: str = "body", depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise UnsafeText(TOO_DEEP)
    if isinstance(value, str):
        if "\x00" in value:
            raise UnsafeText(f"{path}: must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsafeText(f"{path}: is not valid Unicode text")
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_unsafe_text(key, path, depth)
            reject_unsafe_text(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            reject_unsafe_text(item, f"{path}[{index}]", depth + 1)


def _reject_constant(name: str):
    # NaN and Infinity are not JSON; PostgreSQL's jsonb and SQLite's JSON_VALID refuse them.
    raise UnsafeText(f"body: {name} is not a JSON value")


def _finite_float(text: str) -> float:
    # 1e400 is valid JSON but parses to infinity, which PostgreSQL's jsonb refuses like Infinity.
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeText(f"body: {text[:40]} is beyond the range of a number")
    return value


class UnsupportedMediaType(ValueError):
    """A body declared as something other than JSON (a form, XML, text) sent to a JSON endpoint."""


def _is_json(content_type: str) -> bool:
    content_type = content_type.lower()
    # No Content-Type at all is read as JSON, for clients that leave it out.
    return content_type in ("", "application/json") or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class StrictJSONParser(Parser):
    def parse_body(self, request):
        if not _is_json(request.content_type or ""):
            raise UnsupportedMediaType(f"send the body as application/json, not {request.content_type}")
        try:
            data = self.loads(request.body)
        except RecursionError:
            raise UnsafeText(TOO_DEEP)
        reject_unsafe_text(data)
        return data

    def loads(self, body: bytes):
        return json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)


class AssetRepositoryAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors_and_limits(schema)

    def get_openapi_operation_id(self, operation) -> str:
        # The assets routers were one module, assets/api.py, before they became a package;
        # clients generated from the schema know their operations by those ids.
        module = operation.view_func.__module__
        if module.startswith("assets.api."):
            module = "assets.api"
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = AssetRepositoryAPI(
    title="Asset Repository API",
    version="1.0.0",
    description="Assets, asset types with custom fields, groups and typed links.",
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictJSONParser(),
)


def problem(request, status: int, detail: str, *, code: str | None = None, title: str | None = None, errors=None, **extra):
    default_code, default_title = STATUS_CODES.get(status, ("ERROR", "Error"))
    body = {
        "type": f"about:blank#{(code or default_code).lower()}",
        "title": title or default_title,
        "status": status,
        "code": code or default_code,
        "detail": detail,
        "errors": errors or [],
        **extra,
        "trace_id": getattr(request, "request_id", "") or request_id_var.get(),
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    body = exc.as_problem()
    status = body.pop("status")
    response = problem(request, status, body.pop("detail"), code=body.pop("code"), title=body.pop("title"),
                       errors=body.pop("errors"), **{k: v for k, v in body.items() if k != "type"})
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _error_of(location, message: str) -> dict:
    """{field, message}; an item of a bulk list also says its {index} (the discriminated body's
    "list" branch, or a list body's first position). ninja nests a body under its argument's name."""
    parts = [p for p in location if p not in ("body", "query", "path", "form", "file", "payload", "single")]
    if parts and parts[0] == "list":
        parts = parts[1:]
    if parts and isinstance(parts[0], int) and tuple(location[:2]) == ("body", "payload"):
        return {"index": parts[0], "field": ".".join(str(p) for p in parts[1:]), "message": message}
    return {"field": ".".join(str(p) for p in parts), "message": message}


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    detail, errors = describe_validation_error(exc)
    return problem(request, 400, detail, errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return problem(request, 401, "Sign in or send 'Authorization: Bearer <token>'")


@api.exception_handler(AuthorizationError)
def on_authorization_error(request, exc):
    return problem(request, 403, str(exc) or "Permission denied")


def describe_http_error(exc: HttpError) -> tuple[int, str, list[dict]]:
    """(status, detail, errors) of an HttpError; ninja wraps every body-parsing failure in
    HttpError(400, "Cannot parse request body"), the cause says what went wrong. The vendor
    dialects render the same triple in their own error shapes."""
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return 413, "The request body is too large", []
    if isinstance(cause, UnsupportedMediaType):
        return 415, str(cause), [{"field": "Content-Type", "message": str(cause)}]
    if isinstance(cause, UnsafeText):
        field, _, message = str(cause).partition(": ")
        return 400, str(cause), [{"field": field, "message": message}]
    if isinstance(cause, json.JSONDecodeError):
        detail = f"malformed JSON: {cause.msg} at line {cause.lineno} column {cause.colno}"
        return 400, detail, [{"field": "body", "message": detail}]
    if isinstance(cause, UnicodeDecodeError):
        return 400, "the body is not UTF-8 text", [{"field": "body", "message": "not UTF-8"}]
    return exc.status_code, str(exc), []


def describe_validation_error(exc: NinjaValidationError) -> tuple[str, list[dict]]:
    errors = [_error_of(tuple(e.get("loc", ())), e.get("msg", "is invalid")) for e in exc.errors]
    detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors) or "invalid request"
    return detail, errors


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    status, detail, errors = describe_http_error(exc)
    return problem(request, status, detail, errors=errors)


@api.exception_handler(Http404)
def on_404(request, exc):
    return problem(request, 404, "Not found")


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return problem(request, 500, "Internal error; quote the trace_id when reporting it", code="INTERNAL_ERROR", title="Internal error")


def _register_routers():
    from assets.api import register as register_assets
    from assets.files.api import register as register_files
    from groups.api import router as groups_router
    from links.api import register as register_links

    register_assets(api)
    api.add_router("/groups", groups_router, tags=["groups"])
    register_links(api)
    register_files(api)


_register_routers()
