"""Pointing generated requests at the fuzz world's objects (tests/fuzz_world.py builds them).
Shared by the in-suite fuzz test and the CLI's hooks (tests/fuzz_hooks.py), which run in
schemathesis' own process: so nothing here imports Django."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class FuzzWorld:
    token: str
    user_id: int
    # Per kind, the ids (or, for the `…_code` kinds, the codes) that generated values are aimed at.
    ids: dict[str, list] = field(default_factory=dict)
    field_codes: list[str] = field(default_factory=list)
    # Per operation ("DELETE /api/v1/assets/{asset_id}"), the values its parameters (path or
    # body) are aimed at instead of `ids`: what a DELETE removes was made for it, so that the
    # operations after it in a run still find their objects; a restore needs a deletion's entry;
    # a link type's code may be repeated but not changed.
    operation_ids: dict[str, dict[str, list]] = field(default_factory=dict)
    # How many values of each operation's own lists were handed out.
    turns: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> FuzzWorld:
        return cls(**json.loads(text))


# Which object a parameter names; `parent_id` and `object_id` depend on where they appear.
ID_KINDS = {
    "asset_id": "asset", "source_id": "asset", "target_id": "asset", "linked_to": "asset", "asset_ids": "asset",
    "organization_id": "organization", "type_id": "type", "device_id": "device", "group_id": "group",
    "link_id": "link", "link_type_id": "link_type", "user_id": "user", "user_ids": "user", "team_id": "team",
    "token_id": "token", "link_type": "link_type", "change_id": "change", "rule_id": "rule", "delivery_id": "delivery",
    "view_id": "view",
    "source_type_codes": "type_code", "target_type_codes": "type_code", "asset_type_codes": "type_code",
}
# Where a code may stand instead of an id (the integer branch): generated text names a real code.
CODE_KINDS = {"link_type": "link_type_code"}
# A link's target is picked one further along than its source: equal generated ids would name
# one asset, and a link from an asset to itself is refused.
OFFSETS = {"target_id": 1}


def _kind(name: str, path: str, container: dict) -> str | None:
    if name == "parent_id":
        return "group" if path.startswith("/api/v1/groups") else "organization"
    if name == "object_id":
        object_type = container.get("object_type")
        return object_type if object_type in ("organization", "asset", "group") else "asset"
    return ID_KINDS.get(name)


AIM_BOUND = 10**6


def _aimable(value) -> bool:
    # Positive integers up to AIM_BOUND become real ids, so most generated requests reach an
    # object; zero, negatives, larger numbers and non-integers go out as generated. The bound is
    # above any id a test database reaches (sequences keep counting across a suite's tests): an
    # unaimed number must name nothing, not one of the objects made for another operation.
    if isinstance(value, int) and not isinstance(value, bool):
        return 1 <= value <= AIM_BOUND
    return isinstance(value, str) and value.isdigit() and 1 <= int(value) <= AIM_BOUND


def _aim(value, ids: list, offset: int = 0):
    if not ids:
        return value
    if isinstance(value, list):
        return [_aim(item, ids, offset) for item in value]
    if isinstance(ids[0], str):
        # Codes: the server looks each one up, so generated text names a real one. Empty text
        # and NUL break the schema (a code is not empty) and go out as generated.
        return ids[(len(value) + offset) % len(ids)] if isinstance(value, str) and value and "\x00" not in value else value
    if _aimable(value):
        chosen = ids[(int(value) - 1 + offset) % len(ids)]
        return str(chosen) if isinstance(value, str) else chosen
    return value


def _take(value, values: list, world: FuzzWorld, key: str):
    """An operation's own value for a generated one that would be aimed: each request takes the
    next in turn, since what one request removed the next can't."""
    if isinstance(value, list):
        return [_take(item, values, world, key) for item in value]
    # Own texts (a link type's code and kind) may be empty in the schema; NUL breaks it.
    if not (isinstance(value, str) and "\x00" not in value if isinstance(values[0], str) else _aimable(value)):
        return value
    turn = world.turns.get(key, 0)
    world.turns[key] = turn + 1
    chosen = values[turn % len(values)]
    return str(chosen) if isinstance(value, str) else chosen


def _aim_container(container, path: str, world: FuzzWorld, own: dict | None = None, label: str = "") -> None:
    if isinstance(container, list):
        # A bulk body: each item is aimed like a single write's body.
        for item in container:
            _aim_container(item, path, world, own, label)
        return
    if not isinstance(container, dict):
        return
    for name in list(container):
        kind = _kind(name, path, container)
        value = container[name]
        if own and name in own:
            container[name] = _take(value, own[name], world, f"{label} {name}")
        elif name in CODE_KINDS and isinstance(value, str):
            container[name] = _aim(value, world.ids.get(CODE_KINDS[name], []))
        elif kind is not None:
            container[name] = _aim(container[name], world.ids.get(kind, []), OFFSETS.get(name, 0))


def _aim_custom_fields(body, world: FuzzWorld) -> None:
    """Generated custom-field maps get the type's real field codes as keys, so that the value
    validators of every field type see the fuzzer's values."""
    if isinstance(body, list):
        for item in body:
            _aim_custom_fields(item, world)
        return
    if not isinstance(body, dict) or not isinstance(body.get("custom_fields"), dict):
        return
    fields = body["custom_fields"]
    target = fields["set"] if isinstance(fields.get("set"), dict) else fields
    if target is fields and set(fields) & {"set", "unset", "set_primary", "unset_primary"}:
        return
    renamed = {world.field_codes[index % len(world.field_codes)]: value for index, value in enumerate(target.values())}
    target.clear()
    target.update(renamed)


def aim_at_world(case, world: FuzzWorld) -> None:
    """Point generated ids and field codes at the world's objects, leaving hostile values be."""
    path = case.operation.path
    label = f"{case.method.upper()} {path}"
    own = world.operation_ids.get(label, {})
    _aim_container(case.path_parameters, path, world, own, label)
    code = (case.path_parameters or {}).get("code")
    if isinstance(code, str) and code.isalnum() and "code" not in own:
        # Field definitions are addressed by code; odd characters stay to test the parsing.
        case.path_parameters["code"] = world.field_codes[len(code) % len(world.field_codes)]
    _aim_container(case.query, path, world)
    _aim_container(case.body, path, world, own, label)
    _aim_custom_fields(case.body, world)
