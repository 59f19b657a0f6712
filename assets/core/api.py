"""The REST API's shared pieces: the documented error responses, list bodies, strict query
parameters and the prebuilt responses of the asset reads."""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder

from assets.core.errors import ValidationFailed
from assets.core.inputs import require_id
from assets.schemas import Problem

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}
PAGING_PARAMS = ("limit", "cursor", "count")


def page_body(page, shape) -> dict:
    """A list response: `total_count` appears only when it was asked for (`?count=true`);
    list routes use `exclude_unset=True` so that the schema's default doesn't add it back."""
    body = {"items": [shape(item) for item in page.items], "page_info": page.page_info()}
    if page.total_count is not None:
        body["total_count"] = page.total_count
    return body


def prebuilt(body: dict) -> HttpResponse:
    """The asset reads answer with their own dicts, rendered as ninja would: the serializers
    already build the documented shape (tests/assets/test_prebuilt_responses.py pins them
    against the schemas), and pydantic re-validating them cost more than the SQL of a page."""
    return HttpResponse(json.dumps(body, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8")


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
