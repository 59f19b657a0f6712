"""What the OpenAPI document adds to ninja's: the problem+json error responses every operation
can give, and the limits the server enforces on ids and page sizes. Described here once, for
every router, rather than restated on each of ~70 endpoints; the values come from the modules
that enforce them, and tests/test_api_fuzz.py holds the two together (schemathesis sends what
the schema allows and what it forbids, and checks each answer against the document)."""

from __future__ import annotations

from assets.core.inputs import MAX_ID
from assets.core.pagination import MAX_LIMIT
from groups.queries import TREE_DEPTH_MAX as GROUP_TREE_DEPTH_MAX
from links.models import LinkKind
from links.queries import MAX_TREE_DEPTH as LINK_TREE_DEPTH_MAX

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
    414: "The URL is too long (URI_TOO_LONG)",
    429: "Too many requests: the token's, user's or address's rate (THROTTLED; Retry-After says when to retry)",
}
# Only where a body is read.
WITH_BODY = {
    413: "The request body is too large (PAYLOAD_TOO_LARGE)",
    415: "The body is not of the documented media type (UNSUPPORTED_MEDIA_TYPE)",
}

ID_LIMITS = {"minimum": 1, "maximum": MAX_ID}
PARAMETER_LIMITS = {"limit": {"minimum": 1, "maximum": MAX_LIMIT}}
# Per path: the tree depths the services accept (links.queries, groups.queries).
DEPTH_LIMITS = {
    "/api/v1/assets/{asset_id}/links": {"minimum": 1, "maximum": LINK_TREE_DEPTH_MAX},
    "/api/v1/groups/{group_id}/tree": {"minimum": 0, "maximum": GROUP_TREE_DEPTH_MAX},
}

# What assets.core.inputs.clean_text, clean_slug and the code validators accept, per body
# property: text that holds something besides spaces, no NUL, at most n characters. A
# property that may not be null (null reads as "clear it", which a required text refuses)
# loses ninja's null branch.
NO_NUL = "^[^\\u0000]*$"
SOMETHING = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
SLUG = "^[A-Za-z0-9][A-Za-z0-9_-]*$"
FIELD_CODE = "^[a-z](?:_?[a-z0-9])*_?$"  # assets.field_types.validate_code: no "__", at most 64
LINK_TYPE_CODE = "^[a-z][a-z0-9_-]*$"  # links.services.CODE_PATTERN


def _text(max_length: int) -> dict:
    return {"pattern": SOMETHING, "minLength": 1, "maxLength": max_length, "null": False}


def _optional_text(max_length: int) -> dict:
    return {"pattern": NO_NUL, "maxLength": max_length}


def _slug(max_length: int) -> dict:
    return {"pattern": SLUG, "maxLength": max_length, "null": False}


_TITLE = _text(255)
BODY_RULES = {
    "UserCreate": {"username": _text(150), "password": {"pattern": NO_NUL, "minLength": 1}},
    "TokenCreate": {"username": {"pattern": NO_NUL}, "password": {"pattern": NO_NUL}},
    "TeamCreate": {"name": _text(150)},
    "GrantIn": {"object_type": {"enum": ["asset", "group", "organization"]}},
    "OrganizationCreate": {"key": _slug(64), "title": _TITLE},
    "OrganizationPatch": {"key": _slug(64), "title": _TITLE},
    "AssetTypeCreate": {"code": {**_slug(64), "pattern": FIELD_CODE}, "title": _TITLE},
    "AssetTypePatch": {"title": _TITLE},
    "FieldDefinitionIn": {"code": {"pattern": FIELD_CODE, "maxLength": 64}},
    "DeviceCreate": {"title": _TITLE, "identifier": _text(128)},
    "DevicePatch": {"title": _TITLE, "identifier": _text(128)},
    "AssetPatch": {"key": _slug(128), "title": _TITLE},
    "GroupCreate": {"title": _TITLE},
    "GroupPatch": {"title": _TITLE},
    "LinkTypeCreate": {"code": {"pattern": LINK_TYPE_CODE, "maxLength": 64}, "name": _text(255),
                       "kind": {"enum": list(LinkKind.values)}},
    "LinkTypePatch": {"name": _text(255)},
    "EventRuleCreate": {"name": _text(255)},
}


def _is_id_name(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _constrain(schema: dict, limits: dict) -> None:
    """Put the limits on the integer branch of a schema (ninja writes `int | None` as anyOf)."""
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        if branch.get("type") == "integer":
            branch.update(limits)


def _restrict_string(prop: dict, rules: dict) -> None:
    """The rules on the string branch of a property; without null when the rules say so."""
    rules = dict(rules)
    nullable = rules.pop("null", True)
    branches = prop.get("anyOf")
    if branches is None:
        if prop.get("type") == "string":
            prop.update(rules)
        return
    kept = [b for b in branches if nullable or b.get("type") != "null"]
    for branch in kept:
        if branch.get("type") == "string":
            branch.update(rules)
    if len(kept) == 1:
        prop.pop("anyOf")
        prop.update(kept[0])
    else:
        prop["anyOf"] = kept


def _no_nul(schema: dict) -> None:
    """Every text the API reads refuses NUL (config.api for bodies, config.middleware for URLs)."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string" and "pattern" not in branch and "format" not in branch:
            branch["pattern"] = NO_NUL
        elif branch.get("type") == "array" and isinstance(branch.get("items"), dict):
            _no_nul(branch["items"])


def _constrain_parameter(parameter: dict, path: str = "") -> None:
    name, schema = parameter.get("name", ""), parameter.get("schema", {})
    _no_nul(schema)
    if name == "depth" and path in DEPTH_LIMITS:
        _constrain(schema, DEPTH_LIMITS[path])
    elif name in PARAMETER_LIMITS:
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
    for path, path_item in schema.get("paths", {}).items():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _error_responses(operation)
            for parameter in operation.get("parameters", []):
                _constrain_parameter(parameter, path)
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        _constrain_properties(component)
        for prop_name, rules in BODY_RULES.get(name, {}).items():
            if prop_name in component.get("properties", {}):
                _restrict_string(component["properties"][prop_name], rules)
        for prop in component.get("properties", {}).values():
            _no_nul(prop)
    return schema
