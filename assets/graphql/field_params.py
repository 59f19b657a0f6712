"""A field definition's `params` as seed 003 writes them: one member named for the field type's
family (`{string: {isRequired: true}}`, `{number: {min, max}}`, `{options: {options: [...]}}`).
The members and their inputs come from the field kinds (assets.field_types: each kind's
`params_family` and `params`), so a new kind appears here without a line of its own."""

from __future__ import annotations

from typing import Any

import strawberry

from assets.core.errors import ValidationFailed
from assets.field_types import KINDS, kind_of

from .inputs import UNSET, input_type
from .names import camel


@strawberry.input
class OptionInput:
    code: str
    title: str | None = None


# The GraphQL type of each param a kind may accept besides `required` (isRequired).
PARAM_TYPES: dict[str, Any] = {
    "max_length": int,
    "pattern": str,
    "min": float,
    "max": float,
    "options": list[OptionInput],
}


def _params_input(name: str, params: dict[str, Any]):
    return input_type(name, {}, {"is_required": (bool, None), **{param: (kind, None) for param, kind in params.items()}})


BasicParamsInput = _params_input("BasicParamsInput", {})


def _family_inputs() -> dict[str, Any]:
    """The input of each family, in KINDS order: the params its kinds accept (a family without
    params shares BasicParamsInput)."""
    params: dict[str, set[str]] = {}
    for kind in KINDS.values():
        params.setdefault(kind.params_family, set()).update(kind.params)
    inputs = {}
    for family, names in params.items():
        if not names:
            inputs[family] = BasicParamsInput
            continue
        title = camel(family)
        inputs[family] = _params_input(f"{title[:1].upper()}{title[1:]}ParamsInput",
                                       {name: kind for name, kind in PARAM_TYPES.items() if name in names})
    return inputs


FAMILY_INPUTS = _family_inputs()
CustomFieldParamsInput = input_type(
    "CustomFieldParamsInput", {}, {family: (member, UNSET) for family, member in FAMILY_INPUTS.items()},
    one_of=True, description="Exactly one member: the family of the field's type.")


def _number(value):
    # GraphQL Floats arrive as 5.0 where an INTEGER field's bound means 5.
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**63 else value


def rest_params(field_type: str, params, field: str) -> dict | None:
    """The REST params of a definition ({required, max_length, ...}) from the family member."""
    if params is None or params is UNSET:
        return None
    members = {name: getattr(params, name) for name in FAMILY_INPUTS if getattr(params, name) is not UNSET}
    family = kind_of(field_type).params_family
    if set(members) != {family}:
        raise ValidationFailed.field(f"{field}.params", f"a {field_type} field takes its params as {{{camel(family)}: {{...}}}}")
    member = members[family]
    if member is None:
        return {}
    out: dict = {}
    if member.is_required is not None:
        out["required"] = member.is_required
    for name in PARAM_TYPES:
        value = getattr(member, name, None)
        if value is None:
            continue
        if name == "options":
            out[name] = [{"code": o.code, **({"title": o.title} if o.title is not None else {})} for o in value]
        else:
            out[name] = _number(value)
    return out
