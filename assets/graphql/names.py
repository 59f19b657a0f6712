"""Field names in error entries: services name REST's snake_case fields, GraphQL clients know
the camelCase arguments they sent."""

from __future__ import annotations

import re
from contextlib import contextmanager

from assets.core.errors import DomainError

_SEGMENT = re.compile(r"^([a-z0-9_]+)(.*)$")
# Below these, the segment is a custom field's code, which keeps its own spelling.
_CODE_PARENTS = {"customFields", "customFields.set"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def graphql_field(path: str) -> str:
    """`custom_fields.license_plate` -> `customFields.license_plate`,
    `custom_field_definitions[0].field_type` -> `customFieldDefinitions[0].fieldType`."""
    out: list[str] = []
    for segment in path.split("."):
        if ".".join(out[-2:]) in _CODE_PARENTS or (out and out[-1] in _CODE_PARENTS):
            out.append(segment)
            continue
        match = _SEGMENT.match(segment)
        out.append(camel(match.group(1)) + match.group(2) if match else segment)
    return ".".join(out)


@contextmanager
def renamed(fields: dict[str, str], *, prefix: str = ""):
    """Errors raised inside name the GraphQL argument: REST parameter names (`type_id`,
    `cursor`, `cf_<code>__<op>`) become the names in `fields`, and `field.x` (the single field
    definition of the fields endpoints) becomes `prefix.x`."""
    try:
        yield
    except DomainError as exc:
        for entry in exc.errors:
            field = entry.get("field") or ""
            head, dot, tail = field.partition(".")
            if field.startswith("cf_") and "cf_" in fields:
                entry["field"] = fields["cf_"]
            elif head in fields:
                entry["field"] = fields[head] + dot + tail
            elif head == "field" and prefix:
                entry["field"] = prefix + dot + tail
        raise
