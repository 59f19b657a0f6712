"""The short path of assets.graphql.executor answers exactly what graphql-core answers: the same
data, and the same errors at the same paths, for nulls in non-null fields, values a scalar
refuses and resolvers that raise, at every level of nesting."""

from __future__ import annotations

import enum

import pytest
import strawberry

from assets.graphql.executor import RepositoryExecutor


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Leafy:
    id: strawberry.ID
    count: int
    maybe: int | None
    colour: Colour

    @strawberry.field
    def broken(self) -> int | None:
        raise ValueError("resolver failed")

    @strawberry.field
    def broken_required(self) -> int:
        raise ValueError("required resolver failed")


@strawberry.type
class Holder:
    title: str
    leaf: Leafy
    maybe_leaf: Leafy | None
    leaves: list[Leafy]
    maybe_leaves: list[Leafy | None] | None


def leafy(**overrides):
    values = {"id": strawberry.ID("1"), "count": 3, "maybe": None, "colour": Colour.RED, **overrides}
    return Leafy(**values)


HOLDERS = {
    "good": lambda: Holder(title="ok", leaf=leafy(), maybe_leaf=None, leaves=[leafy(), leafy(count=4)],
                           maybe_leaves=[None, leafy()]),
    "null_leaf": lambda: Holder(title="x", leaf=leafy(count=None), maybe_leaf=leafy(count=None),
                                leaves=[leafy(count=None)], maybe_leaves=[leafy(count=None)]),
    "bad_scalar": lambda: Holder(title="x", leaf=leafy(count="many"), maybe_leaf=leafy(count="many"),
                                 leaves=[leafy(), leafy(count=2.5)], maybe_leaves=[leafy(count="x")]),
    "null_object": lambda: Holder(title=None, leaf=None, maybe_leaf=None, leaves=[None], maybe_leaves=None),
    "not_a_list": lambda: Holder(title="x", leaf=leafy(), maybe_leaf=leafy(), leaves=iter([leafy()]),
                                 maybe_leaves=(leafy(),)),
}


@strawberry.type
class Query:
    @strawberry.field
    def holder(self, case: str) -> Holder | None:
        return HOLDERS[case]()

    @strawberry.field
    def holders(self, case: str) -> list[Holder]:
        return [HOLDERS[case](), HOLDERS["good"]()]


DOCUMENTS = [
    "query($case: String!) { holder(case: $case) { title leaf { id count maybe colour } } }",
    "query($case: String!) { holder(case: $case) { maybeLeaf { count } leaves { count } } }",
    "query($case: String!) { holder(case: $case) { maybeLeaves { id count } } }",
    "query($case: String!) { holders(case: $case) { leaves { count broken } maybeLeaf { brokenRequired } } }",
    "query($case: String!) { holder(case: $case) { leaf { brokenRequired } title } }",
    "query($case: String!) { holders(case: $case) { a: title b: title leaf { c: count ...F } } }"
    " fragment F on Leafy { id count }",
]


def answer(schema, document, case):
    result = schema.execute_sync(document, variable_values={"case": case})
    errors = sorted((error.message, tuple(error.path or ())) for error in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("case", sorted(HOLDERS))
@pytest.mark.parametrize("document", DOCUMENTS)
def test_short_path_answers_as_graphql_core(document, case):
    plain = strawberry.Schema(query=Query)
    ours = strawberry.Schema(query=Query, execution_context_class=RepositoryExecutor)
    assert answer(ours, document, case) == answer(plain, document, case)
