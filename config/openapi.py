"""What the OpenAPI document adds to ninja's: the problem+json error responses every operation
can give, and the limits the server enforces on ids and page sizes. Described here once, for
every router, rather than restated on each of ~70 endpoints; the values come from the modules
that enforce them, and tests/test_api_fuzz.py holds the two together (schemathesis sends what
the schema allows and what it forbids, and checks each answer against the document)."""

from __future__ import annotations

import copy
import re

from assets.access.grants import grant_codenames
from assets.core.inputs import MAX_ID
from assets.core.pagination import MAX_LIMIT
from assets.events.models import ACTIONS as EVENT_ACTIONS
from assets.events.models import OBJECT_TYPES as EVENT_OBJECT_TYPES
from assets.field_types import KINDS
from assets.models import ChangeLogEntry
from assets.services.search import KINDS as SEARCH_KINDS
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

# Query parameters that take one of a few words, per path (None: every path).
PARAMETER_ENUMS = {
    ("action", "/api/v1/changes"): list(ChangeLogEntry.Action.values),
    ("kind", "/api/v1/search"): list(SEARCH_KINDS),
    ("object_type", "/api/v1/permissions"): ["asset", "group", "organization"],
}
# Query parameters that must hold something besides spaces.
PARAMETER_TEXTS = {("q", "/api/v1/search")}
# A list body (the bulk create, patch and delete) holds 1 to MAX_LIMIT items.
BULK_ITEMS = {"minItems": 1, "maxItems": MAX_LIMIT}

# What assets.core.inputs.clean_text, clean_slug and the code validators accept, per body
# property: text that holds something besides spaces, no NUL, at most n characters. A
# property that may not be null (null reads as "clear it", which a required text refuses)
# loses ninja's null branch.
NO_NUL = "^[^\\u0000]*$"
SOMETHING = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
SLUG = "^[A-Za-z0-9][A-Za-z0-9_-]*$"
FIELD_CODE = "^[a-z](?:_?[a-z0-9])*_?$"  # assets.field_types.validate_code: no "__", at most 64
LINK_TYPE_CODE = "^[a-z][a-z0-9_-]*$"  # links.services.CODE_PATTERN
GROUP_CODE = "^$|" + SLUG  # groups.services._clean_code: empty means none
# Django's NumericPasswordValidator: not digits alone.
NOT_ONLY_DIGITS = "^[^\\u0000]*[^0-9\\u0000][^\\u0000]*$"
# What assets.files.public_urls.check_url takes, as Django's URLValidator reads it for http and
# https (scheme in any case; surrounding spaces are stripped): a host name with a top-level
# domain (internationalised ones too: any character from U+00A1 up), `localhost`, an IPv4 literal
# or a bracketed IPv6 one; a port from 0 to 65535; then a path, query or fragment without spaces;
# no user name or password (a name first: the simplest URL a generator derives from this is then
# one the server takes). A little wider than the server only where a regular expression gets
# long (an IPv6 literal with an IPv4 tail is not counted to eight groups), so that nothing the
# server takes is outside it. Whether the address is public is the server's rule, not syntax:
# a private or loopback literal, or a name DNS resolves to one, is a 400 (schemathesis.toml
# expects that on these operations, and URL_RULE says it in the document).
_HOST_CHARS = "A-Za-z0-9\\u00a1-\\uffff"
_TLD_CHARS = "A-Za-z\\u00a1-\\uffff"
_LABEL = f"[{_HOST_CHARS}](?:[{_HOST_CHARS}-]{{0,61}}[{_HOST_CHARS}])?"
_TLD = f"(?:[{_TLD_CHARS}][{_TLD_CHARS}-]{{0,61}}[{_TLD_CHARS}]|[Xx][Nn]--[A-Za-z0-9]{{1,59}})"
_HOST_NAME = f"{_LABEL}(?:\\.{_LABEL})*\\.{_TLD}\\.?|[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]"
_OCTET = "(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)"  # Django's: no leading zeros
_IPV4 = f"{_OCTET}(?:\\.{_OCTET}){{3}}"
_HEX = "[0-9A-Fa-f]{1,4}"
_IPV6 = "|".join([
    f"(?:{_HEX}:){{7}}{_HEX}",
    f"(?:{_HEX}:){{1,7}}:",
    *(f"(?:{_HEX}:){{1,{left}}}(?::{_HEX}){{1,{7 - left}}}" for left in range(1, 7)),
    f":(?::{_HEX}){{1,7}}",
    "::",
    f"(?:{_HEX}:){{6}}{_IPV4}",
    f"(?:(?:{_HEX}:){{0,5}}{_HEX})?::(?:{_HEX}:){{0,5}}{_IPV4}",
])
_PORT = "[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"
HTTP_URL = (f"^\\s*[Hh][Tt][Tt][Pp][Ss]?://(?:{_HOST_NAME}|{_IPV4}|\\[(?:{_IPV6})\\])(?::(?:{_PORT}))?"
            "(?:[/?#][^\\s\\u0000]*)?\\s*$")
URL_RULE = ("An absolute http or https URL without a user name or password. The host must be, and resolve only "
            "to, public addresses: loopback, link-local and private ones are refused (400), and so is a name "
            "that DNS resolves to one.")
# Ids written where a code may stand instead (`link_type`: the link type's id or its code).
ID_OR_CODE = {"link_type"}


def _text(max_length: int) -> dict:
    return {"pattern": SOMETHING, "minLength": 1, "maxLength": max_length, "null": False}


def _optional_text(max_length: int) -> dict:
    return {"pattern": NO_NUL, "maxLength": max_length}


def _slug(max_length: int) -> dict:
    return {"pattern": SLUG, "maxLength": max_length, "null": False}


_TITLE = _text(255)
BODY_RULES = {
    # Django's UnicodeUsernameValidator.
    "UserCreate": {"username": {**_text(150), "pattern": "^[\\w.@+-]+$"}, "password": {"pattern": NOT_ONLY_DIGITS, "minLength": 1}},
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
    "AssetCreate": {"key": {"pattern": SLUG, "maxLength": 128}, "title": _TITLE},
    "AssetBulkPatch": {"key": _slug(128), "title": _TITLE},
    "GroupCreate": {"title": _TITLE, "code": {"pattern": GROUP_CODE, "maxLength": 64}},
    "GroupPatch": {"title": _TITLE, "code": {"pattern": GROUP_CODE, "maxLength": 64}},
    "LinkTypeCreate": {"code": {"pattern": LINK_TYPE_CODE, "maxLength": 64}, "name": _text(255),
                       "kind": {"enum": list(LinkKind.values)}},
    "LinkTypePatch": {"name": _text(255)},
    # A link type by code: not empty (an id is the integer branch).
    "LinkCreate": {"link_type": {"minLength": 1}},
    "OutgoingLinkIn": {"link_type": {"minLength": 1}},
    "SavedViewIn": {"name": _text(100)},
    "EventRuleCreate": {"name": _text(255), "url": {"pattern": HTTP_URL, "description": URL_RULE},
                        "secret": {"pattern": NO_NUL, "minLength": 8, "maxLength": 255}},
    "EventRulePatch": {"name": {**_text(255), "null": True}, "url": {"pattern": HTTP_URL, "description": URL_RULE},
                       "secret": {"pattern": NO_NUL, "minLength": 8, "maxLength": 255}},
    # A link type's code and kind may be repeated but not changed, nor cleared.
    "LinkTypePatch#": {"allow_alias": {"null": False}, "code": {"null": False}, "kind": {"null": False}},
    # A definition's `indexed`, when given, is true or false (null isn't "unchanged"); a changed
    # title may not be empty, which on a new field means "the code".
    "FieldDefinitionIn#": {"field_type": {"enum": sorted(KINDS)}, "indexed": {"null": False}},
    "FieldDefinitionPatch": {"title": _TITLE},
    "FieldDefinitionPatch#": {"indexed": {"null": False}},
    "GroupPatch#": {"exclusive": {"null": False}},
    "UserCreate#": {"password": {"minLength": 8}},
    "AssetPatch#": {"remote_url": {"pattern": f"^$|{HTTP_URL}", "description": URL_RULE}},
    "AssetBulkPatch#": {"remote_url": {"pattern": f"^$|{HTTP_URL}", "description": URL_RULE}},
    "RemoteFileIn": {"remote_url": {"pattern": HTTP_URL, "description": URL_RULE, "null": False}},
}
# Lists that must name at least one item.
NON_EMPTY_LISTS = {"EventRuleCreate": ("object_types", "actions"), "EventRulePatch": ("object_types", "actions")}
ITEM_ENUMS = {
    name: {"object_types": list(EVENT_OBJECT_TYPES), "actions": list(EVENT_ACTIONS)}
    for name in ("EventRuleCreate", "EventRulePatch")
}
# Per operation, where its body shares a component with one that allows an empty list: adding
# members names at least one (groups.services), while replacing them may clear the group.
NON_EMPTY_BODY_LISTS = {("post", "/api/v1/groups/{group_id}/assets"): ("asset_ids",)}
NON_EMPTY_ITEMS = {"LinkCreate": ("tags",), "LinkPatch": ("tags",), "OutgoingLinkIn": ("tags",)}



def _is_id_name(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _constrain(schema: dict, limits: dict) -> None:
    """Put the limits on the integer branch of a schema (ninja writes `int | None` as anyOf)."""
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        if branch.get("type") == "integer":
            branch.update(limits)


def _restrict(prop: dict, rules: dict, kind: str | None = "string") -> None:
    """The rules on the `kind` branch of a property (any non-null branch for None); without
    null when the rules say so."""
    rules = dict(rules)
    nullable = rules.pop("null", True)
    branches = prop.get("anyOf")
    if branches is None:
        if kind is None or prop.get("type") == kind:
            prop.update(rules)
        return
    kept = [b for b in branches if nullable or b.get("type") != "null"]
    for branch in kept:
        if branch.get("type") != "null" and (kind is None or branch.get("type") == kind):
            branch.update(rules)
    if len(kept) == 1:
        prop.pop("anyOf")
        prop.update(kept[0])
    else:
        prop["anyOf"] = kept


def _no_nul(schema: dict) -> None:
    """Every text the API reads refuses NUL (config.api for bodies, config.middleware for URLs),
    the keys of objects too."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "object" and "properties" not in branch and "$ref" not in branch:
            branch.setdefault("propertyNames", {"pattern": NO_NUL})
        if branch.get("type") == "string" and not {"pattern", "format", "enum"} & set(branch):
            branch["pattern"] = NO_NUL
        elif branch.get("type") == "array" and isinstance(branch.get("items"), dict):
            _no_nul(branch["items"])


def _constrain_parameter(parameter: dict, path: str = "") -> None:
    name, schema = parameter.get("name", ""), parameter.get("schema", {})
    _no_nul(schema)
    enum = PARAMETER_ENUMS.get((name, path))
    if enum is not None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch.pop("pattern", None)
                branch["enum"] = enum
    if (name, path) in PARAMETER_TEXTS:
        _restrict(schema, {"pattern": SOMETHING, "minLength": 1})
    if name == "depth" and path in DEPTH_LIMITS:
        _constrain(schema, DEPTH_LIMITS[path])
    elif name in PARAMETER_LIMITS:
        _constrain(schema, PARAMETER_LIMITS[name])
    elif _is_id_name(name):
        _constrain(schema, ID_LIMITS)


def _constrain_properties(component: dict) -> None:
    """Ids in bodies (`organization_id`, `asset_ids`, …) are held to the same 64-bit range."""
    for name, prop in component.get("properties", {}).items():
        if _is_id_name(name) or name in ID_OR_CODE:
            _constrain(prop, ID_LIMITS)
        elif name.endswith("_ids"):
            for branch in prop.get("anyOf", [prop]):
                if branch.get("type") == "array" and isinstance(branch.get("items"), dict):
                    _constrain(branch["items"], ID_LIMITS)


def _grant_rules(component: dict) -> None:
    """A grant names a permission of its object type (assets.access.grants), bare or with an app
    label before a dot, and exactly one holder: a user or a team."""
    component["allOf"] = [
        {"oneOf": [
            {"properties": {"object_type": {"const": object_type},
                            "permission": {"pattern": f"^(?:[^.\\u0000]*\\.)?(?:{'|'.join(map(re.escape, codenames))})$"}}}
            for object_type, codenames in sorted(grant_codenames().items())
        ]},
        {"oneOf": [
            {"required": [holder], "properties": {holder: {"type": "integer"}, other: {"type": "null"}}}
            for holder, other in (("user_id", "team_id"), ("team_id", "user_id"))
        ]},
    ]


def _non_empty_body_lists(schema: dict, method: str, path: str, names: tuple) -> None:
    content = schema.get("paths", {}).get(path, {}).get(method, {}).get("requestBody", {}).get("content", {})
    body = content.get("application/json")
    ref = (body or {}).get("schema", {}).get("$ref", "")
    component = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1])
    if component is None:
        return
    body["schema"] = own = copy.deepcopy(component)
    for name in names:
        _restrict(own["properties"][name], {"minItems": 1}, "array")


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


def _constrain_component(name: str, component: dict) -> None:
    _constrain_properties(component)
    properties = component.get("properties", {})
    for key, kind in ((name, "string"), (f"{name}#", None)):
        for prop_name, rules in BODY_RULES.get(key, {}).items():
            if prop_name in properties:
                _restrict(properties[prop_name], rules, kind)
    for prop_name in NON_EMPTY_LISTS.get(name, ()):
        if prop_name in properties:
            _restrict(properties[prop_name], {"minItems": 1}, "array")
    for prop_name, values in ITEM_ENUMS.get(name, {}).items():
        for branch in properties.get(prop_name, {}).get("anyOf", [properties.get(prop_name, {})]):
            if branch.get("type") == "array" and isinstance(branch.get("items"), dict):
                branch["items"]["enum"] = values
    for prop_name in NON_EMPTY_ITEMS.get(name, ()):
        for branch in properties.get(prop_name, {}).get("anyOf", [properties.get(prop_name, {})]):
            if branch.get("type") == "array" and isinstance(branch.get("items"), dict):
                branch["items"].update({"minLength": 1, "pattern": SOMETHING})
    for prop_name in ("order", "sequence"):
        if prop_name in properties and name.endswith(("Create", "Patch", "In")):
            # A type's or field's display order and a link's sequence are 32-bit columns
            # (assets.services.asset_types._clean_order, links.services).
            _restrict(properties[prop_name], {"minimum": -(2**31), "maximum": 2**31 - 1}, "integer")
    for prop in properties.values():
        _no_nul(prop)


def document_errors_and_limits(schema: dict) -> dict:
    for path, path_item in schema.get("paths", {}).items():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _error_responses(operation)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            for branch in body.get("anyOf", body.get("oneOf", [body])):
                if branch.get("type") == "array":
                    branch.update(BULK_ITEMS)
                # The bulk bodies' items are written inline rather than as components.
                if branch.get("type") == "array" and isinstance(branch.get("items"), dict):
                    # A bulk create takes no files (assets.services.bulk).
                    branch["items"] = item = copy.deepcopy(branch["items"])
                    item.get("properties", {}).pop("remote_url", None)
                else:
                    item = branch
                if isinstance(item, dict) and item.get("type") == "object" and "title" in item:
                    _constrain_component(item["title"], item)
            for parameter in operation.get("parameters", []):
                _constrain_parameter(parameter, path)
    components = schema.get("components", {}).get("schemas", {})
    for name, component in components.items():
        _constrain_component(name, component)
    if "GrantIn" in components:
        _grant_rules(components["GrantIn"])
    for (method, path), names in NON_EMPTY_BODY_LISTS.items():
        _non_empty_body_lists(schema, method, path, names)
    # The definitions a type is created with are field definitions without a version.
    if "FieldDefinitionIn" in components and "AssetTypeCreate" in components:
        definition = copy.deepcopy(components["FieldDefinitionIn"])
        definition["properties"].pop("version", None)
        definitions = components["AssetTypeCreate"]["properties"].get("custom_field_definitions", {})
        if definitions.get("type") == "array":
            definitions["items"] = definition
    return schema
