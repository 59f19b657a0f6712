"""The executor of our schema: graphql-core's, with a short path for plain leaf fields.

A page of 100 assets with their type, devices and groups has some 2,000 fields, almost all of
them scalars read straight off an attribute (`id`, `title`, ...). graphql-core runs each one
through its general machinery: a Path, a resolve info, strawberry's resolver wrapper, two
awaitable checks and a four-step value completion. That per-field cost, not the SQL, was what
made the page slower than REST's list of the same assets (see bench/graphql_bench.py).

Here a field that has no resolver, no arguments and a scalar or enum type is read with getattr
and coerced in place. Anything else (resolvers, objects, lists, arguments) and any leaf whose
value needs an error (a null for a non-null field, a value its scalar refuses) goes the usual
way, so errors, paths and nullability are exactly graphql-core's.
"""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_MISSING = object()


class _Slow(Exception):
    """A value the short path leaves to graphql-core (which then reports any error itself)."""


def _unwrap(field_type):
    if isinstance(field_type, GraphQLNonNull):
        return field_type.of_type, True
    return field_type, False


def _short(field_def, field_node):
    """How a field can take the short path, (kind, attribute, types, non_null), or None."""
    if field_def.args or field_node.arguments or field_node.directives:
        return None
    if not getattr(field_def.resolve, "_is_default", False):
        return None
    field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if field is None or not field.is_basic_field:
        return None
    field_type, non_null = _unwrap(field_def.type)
    if isinstance(field_type, GraphQLScalarType | GraphQLEnumType):
        return "leaf", field.python_name, field_type, non_null
    if isinstance(field_type, GraphQLObjectType) and field_type.is_type_of is None:
        return "object", field.python_name, (field_type, field_def.type), non_null
    if isinstance(field_type, GraphQLList):
        item_type, items_non_null = _unwrap(field_type.of_type)
        if isinstance(item_type, GraphQLObjectType) and item_type.is_type_of is None:
            return "list", field.python_name, (item_type, field_type.of_type, items_non_null, field_def.type), non_null
    return None


def _synchronous(completed, executor):
    # The schema is run with execute_sync (the Django view is synchronous); its resolvers are too.
    if executor.is_awaitable(completed):
        completed.close()
        raise TypeError("an asynchronous resolver in a synchronous schema")
    return completed


class RepositoryExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        # Strawberry always passes a manager; it only matters when an extension resolves fields.
        # Deferred fragments (position_context) keep graphql-core's own bookkeeping.
        if (self.middleware_manager is not None and self.middleware_manager.middlewares) or position_context is not None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        short, others = self._plan(parent_type, grouped_field_set)
        if not short:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict = {}
        for response_name, field_details_list, (kind, attribute, field_type, non_null) in short:
            value = getattr(source_value, attribute, _MISSING)
            field_path = None
            try:
                if value is None and not non_null:
                    results[response_name] = None
                    continue
                if value is None or value is _MISSING:
                    raise _Slow
                if kind == "leaf":
                    results[response_name] = self._leaf_value(field_type, value)
                    continue
                field_path = Path(path, response_name, parent_type.name)
                if kind == "object":
                    object_type, declared = field_type
                    subfields = self._subfields(object_type, field_details_list)
                    results[response_name] = self._object_value(object_type, declared, value, field_path, subfields,
                                                                field_details_list)
                else:
                    results[response_name] = self._list_value(field_type, value, field_path, field_details_list)
            except _Slow:
                results[response_name] = self.execute_field(
                    parent_type, source_value, field_details_list,
                    field_path or Path(path, response_name, parent_type.name), position_context)
        if others:
            rest = super().execute_fields(parent_type, source_value, path, others, position_context)
            if self.is_awaitable(rest):
                async def merged():
                    return self._ordered(grouped_field_set, results, await rest)

                return merged()
            return self._ordered(grouped_field_set, results, rest)
        return self._ordered(grouped_field_set, results, {})

    @staticmethod
    def _leaf_value(leaf_type, value):
        try:
            coerced = leaf_type.coerce_output_value(value)
        except Exception as exc:  # graphql-core's path reports it as it would
            raise _Slow from exc
        if coerced is None or coerced is Undefined:
            raise _Slow
        return coerced

    def _subfields(self, object_type, field_details_list):
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            raise _Slow
        return grouped_field_set

    def _object_value(self, object_type, declared, value, path, grouped_field_set, field_details_list):
        """An object's fields; an error below it is handled as graphql-core's execute_field would."""
        try:
            return _synchronous(self.execute_fields(object_type, value, path, grouped_field_set, None), self)
        except Exception as raw_error:  # noqa: BLE001 - handled (located, or re-raised) as graphql-core does
            self.handle_field_error(raw_error, declared, field_details_list, path)
            return None

    def _list_value(self, list_info, value, path, field_details_list):
        item_type, item_gql_type, items_non_null, declared = list_info
        if not isinstance(value, list | tuple) or (items_non_null and any(item is None for item in value)):
            raise _Slow
        grouped_field_set = self._subfields(item_type, field_details_list)
        out = []
        for index, item in enumerate(value):
            if item is None:
                out.append(None)
                continue
            item_path = path.add_key(index, None)
            try:
                out.append(_synchronous(self.execute_fields(item_type, item, item_path, grouped_field_set, None), self))
            except Exception as raw_error:  # noqa: BLE001 - as graphql-core's complete_list_item_value
                try:
                    self.handle_field_error(raw_error, item_gql_type, field_details_list, item_path)
                except Exception as item_error:  # noqa: BLE001 - a non-null item nulls the list field
                    self.handle_field_error(item_error, declared, field_details_list, path)
                    return None
                out.append(None)
        return out

    @staticmethod
    def _ordered(grouped_field_set, short: dict, others: dict) -> dict:
        # The response keeps the document's field order.
        out = {}
        for name in grouped_field_set:
            if name in short:
                out[name] = short[name]
            elif name in others:
                out[name] = others[name]
        return out

    def _plan(self, parent_type, grouped_field_set):
        """Which fields of a selection take the short path; the selection of a list's items is one
        object for every item, so this is worked out once per selection and request."""
        plans = self.__dict__.setdefault("_short_plans", {})
        key = (parent_type.name, id(grouped_field_set))
        plan = plans.get(key)
        if plan is None or plan[0] is not grouped_field_set:
            short, others = [], {}
            for response_name, field_details_list in grouped_field_set.items():
                first = field_details_list[0].node
                field_def = self.schema.get_field(parent_type, first.name.value)
                how = _short(field_def, first) if field_def is not None else None
                if how is None:
                    others[response_name] = field_details_list
                else:
                    short.append((response_name, field_details_list, how))
            plan = plans[key] = (grouped_field_set, short, others)
        return plan[1], plan[2]
