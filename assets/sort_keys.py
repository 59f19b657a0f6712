"""The sort key of one custom-field definition: the single expression that the asset list sorts
and range-filters by and that an `indexed` field's database index is built on
(assets.field_index). A database uses an expression index only for the very expression it was
built on, so both sides take it from `definition_sort_key` and nowhere else.

The values in it (the type's id, the JSON key) are written into the SQL as literals, not bound
as parameters: SQLite matches an indexed expression only against the same literal text, and a
bound `?` never equals the literal of the CREATE INDEX."""

from __future__ import annotations

import re

from django.db.models import Case, Expression, FloatField, TextField, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

# What the inlined values may be: ids, and JSON keys or paths made of a field code (whose
# pattern is lowercase letters, digits and underscores) and the path syntax around it.
_SAFE_TEXT = re.compile(r'^[A-Za-z0-9_$."]*$')


def _literal(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _SAFE_TEXT.match(value):
        return f"'{value}'"
    raise ValueError(f"{value!r} can't be written into a sort key")


class InlineValues(Expression):
    """Its expression's SQL with the parameters written in as literals (see the module)."""

    def __init__(self, expression):
        super().__init__(output_field=expression.output_field)
        self.expression = expression

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return sql % tuple(_literal(value) for value in params), ()


def definition_sort_key(code: str, kind, type_id: int) -> InlineValues:
    """The value of field `code` on assets of type `type_id`, as its kind compares it (a float
    for numbers, text otherwise), NULL on every other asset. The CASE also guards the cast: the
    same code may hold text in a type where it isn't a number."""
    output = FloatField() if kind.numeric else TextField()
    value = Cast(KT(f"custom_fields__{code}"), output)
    return InlineValues(Case(When(type_id=type_id, then=value), default=None, output_field=output))
