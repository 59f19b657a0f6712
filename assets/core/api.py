"""The REST API's shared pieces: the documented error responses, list bodies, strict query
parameters, the prebuilt responses of the asset reads and the bodies that may be lists."""

from __future__ import annotations

import functools
import inspect
import json

from django.http import HttpResponse
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from assets.core.errors import ValidationFailed
from assets.core.inputs import require_id
from assets.schemas import Problem

# GET routes whose main read can run in the bearer token's statement (config.api.BearerToken):
# url name -> request -> (CompiledQuery, values) or None. The view finds the objects on
# `request.read_along`.
READS_ALONG: dict = {}


def read_along(request):
    match = request.resolver_match
    if request.method != "GET" or match is None:
        return None
    build = READS_ALONG.get(match.url_name)
    return build(request) if build is not None else None


ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}
PAGING_PARAMS = ("limit", "cursor", "count")


def page_body(page, shape) -> dict:
    """A list response: `total_count` appears only when it was asked for (`?count=true`);
    list routes use `exclude_unset=True` so that the schema's default doesn't add it back."""
    body = {"items": [shape(item) for item in page.items], "page_info": page.page_info()}
    if page.total_count is not None:
        body["total_count"] = page.total_count
    return body


def split_version(payload) -> tuple[dict, int | None]:
    """(fields, version) of a write's body: the fields it sets, and the `version` the client read
    (None: unchecked), which the services take apart from the changes."""
    changes = payload.model_dump(exclude_unset=True)
    return changes, changes.pop("version", None)


def prebuilt(body: dict) -> HttpResponse:
    """The asset reads answer with their own dicts, rendered as ninja would: the serializers
    already build the documented shape (tests/assets/test_prebuilt_responses.py pins them
    against the schemas), and pydantic re-validating them cost more than the SQL of a page."""
    # The charset given apart from the header: else HttpResponse parses it back out of the header.
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8", charset="utf-8"
    )


def id_filter(value: int | None, name: str) -> int | None:
    """An id query parameter: beyond 64 bits it names nothing, and SQLite can't even bind it."""
    return None if value is None else require_id(value, name, "is not an id")


def only_params(request, *names: str) -> None:
    """A misspelt filter must not silently widen a list: unknown query parameters are a 400."""
    allowed = set(names) | set(PAGING_PARAMS)
    unknown = sorted(name for name in request.GET if name not in allowed)
    if unknown:
        raise ValidationFailed.field(
            unknown[0], f"is not a parameter of this list; use {', '.join(sorted(allowed))}"
        )


def prebuilt_status(status: int, body) -> HttpResponse:
    response = prebuilt(body)
    response.status_code = status
    return response


def _inlined(node, defs):
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return _inlined(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inlined(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inlined(value, defs) for value in node]
    return node


def body_doc(annotation) -> dict:
    """openapi_extra documenting a bulk_body route's request body (its schema inlined)."""
    schema = TypeAdapter(annotation).json_schema()
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": _inlined(schema, schema.get("$defs", {}))}}}}


def bulk_body(annotation):
    """A body that may be a list: ninja embeds any body that isn't one model under the argument's
    name, so these routes read the JSON with the API's parser and validate it with pydantic; the
    errors come out as every other validation error (a list item's with its index)."""
    adapter = TypeAdapter(annotation)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, **kwargs):
            from config.api import api

            try:
                data = api.parser.parse_body(request)
            except Exception as exc:  # as ninja does: config.api maps the cause to its problem
                raise HttpError(400, "Cannot parse request body") from exc
            try:
                payload = adapter.validate_python(data)
            except PydanticValidationError as exc:
                raise NinjaValidationError([{**e, "loc": ("body", "payload", *e["loc"])} for e in exc.errors()])
            return view(request, payload, **kwargs)

        wrapper.__signature__ = inspect.Signature(
            [p for name, p in inspect.signature(view).parameters.items() if name != "payload"])
        return wrapper

    return decorate
