"""POST /graphql (and GET from a browser: GraphiQL from our own static files). Authentication
is REST's: `Authorization: Bearer <token>` or the session with its CSRF token. Every answer,
however malformed the request, is GraphQL JSON in the seed's error shape, never a 500."""

from __future__ import annotations

import json
import logging

from cross_web import HTTPException
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError
from strawberry.django.views import GraphQLView
from strawberry.exceptions import StrawberryGraphQLError

from assets.access.tokens import user_for_token
from assets.core.changelog import request_id_var
from assets.core.errors import DomainError
from assets.graphql.names import camel, graphql_field

from .api import STATUS_CODES, UnsafeText, _finite_float, _reject_constant, reject_unsafe_text

logger = logging.getLogger(__name__)

# The seed's titles where ours differ from REST's (its CONFLICT message is REST's title).
TITLES = {"CONFLICT": "Optimistic Lock Conflict"}


def trace_id(request) -> str:
    return getattr(request, "request_id", "") or request_id_var.get()


def extensions_for(code: str, status: int, request, title: str | None = None) -> dict:
    return {
        "type": f"about:blank#{code.lower()}",
        "title": title or STATUS_CODES.get(status, (code, "Error"))[1],
        "status": status,
        "code": code,
        "traceId": trace_id(request),
    }


def entity_type(change_log_type: str) -> str:
    """"asset_type" -> "AssetType", as the seed's entityType names them."""
    return "".join(part.capitalize() for part in change_log_type.split("_"))


def domain_entry(error: DomainError, request) -> tuple[str, dict]:
    problem = error.as_problem()
    code = problem["code"]
    extensions = extensions_for(code, problem["status"], request, TITLES.get(code, problem["title"]))
    message = problem["title"] if code == "CONFLICT" else problem["detail"]
    extensions["detail"] = problem["detail"]
    if problem["errors"]:
        extensions["errors"] = [
            {"field": graphql_field(entry.get("field") or ""), "message": entry.get("message", "")}
            for entry in problem["errors"]
        ]
    for name, value in error.extra.items():
        if name == "entity_type":
            value = entity_type(value)
        elif name == "entity_id":
            value = str(value)
        extensions[camel(name)] = value
    return message, extensions


def error_entry(error: GraphQLError, request) -> dict:
    entry: dict = {"message": error.message}
    if error.locations:
        entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        entry["path"] = list(error.path)
    original = error.original_error
    if isinstance(original, DomainError):
        entry["message"], entry["extensions"] = domain_entry(original, request)
    elif error.path is None or isinstance(original, StrawberryGraphQLError):
        # The document, its variables or a limit: the request's fault, told as GraphQL told it.
        entry["extensions"] = {**extensions_for("VALIDATION_ERROR", 400, request), **(error.extensions or {})}
    else:
        entry["message"] = "Internal error; quote the traceId when reporting it"
        entry["extensions"] = extensions_for("INTERNAL_ERROR", 500, request, "Internal error")
    return entry


def request_error(request, status: int, message: str, code: str | None = None) -> JsonResponse:
    """An answer with no data at all: bad credentials, an unreadable body, a wrong method."""
    code = code or STATUS_CODES.get(status, ("VALIDATION_ERROR", ""))[0]
    body = {"errors": [{"message": message, "extensions": extensions_for(code, status, request)}]}
    return JsonResponse(body, status=status)


def strict_json(data):
    try:
        value = json.loads(data, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise HTTPException(400, "The body is nested too deeply")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPException(400, "The body is not valid JSON")
    except UnsafeText as exc:
        raise HTTPException(400, str(exc))
    try:
        reject_unsafe_text(value)
    except UnsafeText as exc:
        raise HTTPException(400, str(exc))
    if not isinstance(value, dict):
        raise HTTPException(400, 'The body must be a JSON object: {"query", "variables"?, "operationName"?}')
    return value


@method_decorator(csrf_exempt, name="dispatch")
class RepositoryGraphQLView(GraphQLView):
    """CSRF is checked here rather than by the middleware: bearer-token clients have no cookie
    to forge, and a session-authenticated POST still needs its token."""

    graphql_ide = "graphiql"
    allow_queries_via_get = True

    def dispatch(self, request, *args, **kwargs):
        try:
            if not self.should_render_graphql_ide(self.request_adapter_class(request)):
                refused = self.authenticate(request)
                if refused is not None:
                    return refused
                request.body  # noqa: B018 - reads it now, where a too-large body is answered with 413
            return self.run(request=request)
        except HTTPException as exc:
            return request_error(request, exc.status_code, exc.reason)
        except RequestDataTooBig:
            return request_error(request, 413, "The request body is too large")

    def authenticate(self, request) -> HttpResponse | None:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, raw = header.partition(" ")
            user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return request_error(request, 401, "The bearer token is not valid")
            request.graphql_user = user
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return request_error(request, 401, "Sign in or send 'Authorization: Bearer <token>'")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if rejected is not None:
                return request_error(request, 403, "CSRF verification failed: send the X-CSRFToken header",
                                     code="FORBIDDEN")
        request.graphql_user = user
        return None

    def decode_json(self, data):
        return strict_json(data)

    def process_result(self, request, result):
        body: dict = {}
        if result.errors:
            body["errors"] = [error_entry(error, request) for error in result.errors]
        if result.data is not None or not result.errors:
            body["data"] = result.data
        return body

    def render_graphql_ide(self, request):
        get_token(request)  # the page's fetches send the CSRF cookie's token back
        return HttpResponse(render_to_string("graphql/graphiql.html", request=request))


def _view():
    from .graphql import schema

    return RepositoryGraphQLView.as_view(schema=schema)


graphql_view = _view()
