"""The GraphQL API (SPEC §9.1, the Navixy Repository dialect of seed 003): one schema assembled
from the apps' own types and resolvers, as config/api.py assembles their REST routers, with
its limits on by default."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError, OperationDefinitionNode
from graphql.validation import ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from assets.core.errors import DomainError
from assets.graphql.executor import RepositoryExecutor
from assets.graphql.mutations import Mutation as AssetMutation
from assets.graphql.queries import Query as AssetQuery
from assets.graphql.types import Integration, User

logger = logging.getLogger(__name__)

MAX_DEPTH = 10
MAX_ALIASES = 50
MAX_TOKENS = 10_000


class SafeStringLiterals(ValidationRule):
    """String literals of a document that no database can store: an escaped NUL (PostgreSQL
    refuses it in text) or a lone surrogate (not UTF-8). The body's JSON is checked by the view;
    these only appear once the document itself is parsed."""

    def enter_string_value(self, node, *_args):
        value = node.value
        if "\x00" in value:
            self.report_error(GraphQLError("String literals must not contain NUL characters", node))
            return
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.report_error(GraphQLError("String literals must be valid Unicode text", node))


# The limit rules as classes made once: the validation cache is keyed by the rules, and the
# limiters' own factories would make new classes (and so a cache miss) on every request.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    SafeStringLiterals,
]


class OperationNameRequired(SchemaExtension):
    """A document of several operations needs `operationName` (GraphQL spec, GetOperation).
    Strawberry would run the first one; graphql-core's own check never sees the name missing
    because strawberry fills it in from that first operation."""

    MESSAGE = "Must provide operation name if query contains multiple operations."

    def on_validate(self):
        context = self.execution_context
        document = context.graphql_document
        # The name as the client sent it: `operation_name` answers the first operation's instead.
        if document is not None and context._provided_operation_name is None and sum(
                isinstance(definition, OperationDefinitionNode) for definition in document.definitions) > 1:
            context.pre_execution_errors = [*(context.pre_execution_errors or []), GraphQLError(self.MESSAGE)]
        yield


@strawberry.type
class Query(AssetQuery):
    pass


@strawberry.type
class Mutation(AssetMutation):
    pass


class RepositorySchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Domain errors and bad documents are the client's, answered in the response; only
        # what escaped a resolver unexpectedly is worth a traceback in the log.
        for error in errors:
            if error.path is not None and not isinstance(error.original_error, DomainError):
                logger.error("unexpected error in GraphQL field %s", ".".join(map(str, error.path)),
                             exc_info=error.original_error or error)


schema = RepositorySchema(
    query=Query,
    mutation=Mutation,
    types=[User, Integration],
    config=StrawberryConfig(auto_camel_case=True),
    execution_context_class=RepositoryExecutor,
    extensions=[
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(LIMIT_RULES),
        # A client sends the same few documents again and again: each is parsed and validated
        # once per process (the caches are bounded, so unique texts can't grow them).
        ParserCache,
        ValidationCache,
        OperationNameRequired,  # after ValidationCache, which sets the validation's errors
    ],
)
