"""What the OpenAPI document adds to ninja's: the problem+json error responses every operation
can give, and the limits the server enforces on ids and page sizes. Described here once, for
every router, rather than restated on each of ~70 endpoints; the values come from the modules
that enforce them, and tests/test_api_fuzz.py holds the two together (schemathesis sends what
the schema allows and what it forbids, and checks each answer against the document)."""

from __future__ import annotations

from assets.core.inputs import MAX_ID
from assets.core.pagination import MAX_LIMIT

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# Any operation: bad parameters, no or a bad credential, a permission or a (read-only) token that
# doesn't allow it, an object that doesn't exist or is hidden, a stale version or a duplicate.
ALWAYS = {
    400: "Invalid parameters or body (VALIDATION_ERROR)",
    401: "No valid credential (UNAUTHENTICATED)",
    403: "Not permitted (FORBIDDEN)",
    404: "No such object, or one the caller may not see (NOT_FOUND)",
    409: "A stale version, a duplicate, a cycle or an object in use (CONFLICT, DUPLICATE, CYCLE, IN_USE)",
}
# Only where a body is read.
WITH_BODY = {
    413: "The request body is too large (PAYLOAD_TOO_LARGE)",
    415: "The body is not of the documented media type (UNSUPPORTED_MEDIA_TYPE)",
}

ID_LIMITS = {"minimum": 1, "maximum": MAX_ID}
PARAMETER_LIMITS = {"limit": {"minimum": 1, "maximum": MAX_LIMIT}}


def _is_id_name(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _constrain(schema: dict, limits: dict) -> None:
    """Put the limits on the integer branch of a schema (ninja writes `int | None` as anyOf)."""
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        if branch.get("type") == "integer":
            branch.update(limits)


def _constrain_parameter(parameter: dict) -> None:
    name, schema = parameter.get("name", ""), parameter.get("schema", {})
    if name in PARAMETER_LIMITS:
        _constrain(schema, PARAMETER_LIMITS[name])
    elif _is_id_name(name):
        _constrain(schema, ID_LIMITS)


def _constrain_properties(component: dict) -> None:
    """Ids in bodies (`organization_id`, `asset_ids`, …) are held to the same 64-bit range."""
    for name, prop in component.get("properties", {}).items():
        if _is_id_name(name):
            _constrain(prop, ID_LIMITS)
        elif name.endswith("_ids"):
            for branch in prop.get("anyOf", [prop]):
                if branch.get("type") == "array" and isinstance(branch.get("items"), dict):
                    _constrain(branch["items"], ID_LIMITS)


def _error_responses(operation: dict) -> None:
    responses = operation.setdefault("responses", {})
    statuses = dict(ALWAYS)
    if "requestBody" in operation:
        statuses.update(WITH_BODY)
    for status, description in statuses.items():
        responses[status] = {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}
    for status, response in responses.items():
        # What a router declared as an error is a problem document too, whatever ninja wrote.
        if int(status) >= 400 and "application/json" in response.get("content", {}):
            response["content"] = {PROBLEM_MEDIA_TYPE: response["content"].pop("application/json")}


def document_errors_and_limits(schema: dict) -> dict:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _error_responses(operation)
            for parameter in operation.get("parameters", []):
                _constrain_parameter(parameter)
    for component in schema.get("components", {}).get("schemas", {}).values():
        _constrain_properties(component)
    return schema
