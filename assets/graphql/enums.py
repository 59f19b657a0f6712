"""The schema's enums, made from the vocabularies the product already has (field types, type
origins, REST's filter operators and orderings), so a value added there appears here."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable

import strawberry

from assets.core import catalogue
from assets.field_types import FieldType as FieldTypeChoice
from assets.models import CustomFieldDefinition as CustomFieldDefinitionModel
from assets.queries import CF_OPERATORS, ORDERINGS, SUBQUERY_ORDERINGS


def graphql_enum(name: str, values: Iterable[str], description: str | None = None,
                 member: Callable[[str], str] = str.upper):
    """An enum whose members (`member(value)`, e.g. TITLE) stand for the product's values ("title")."""
    return strawberry.enum(enum.Enum(name, {member(value): value for value in values}), description=description)


FieldType = graphql_enum("FieldType", FieldTypeChoice.values, "The kinds of custom field.")
AssetTypeOrigin = graphql_enum("AssetTypeOrigin", (catalogue.SYSTEM, catalogue.ORGANIZATION,
                                                   catalogue.PARENT_ORGANIZATION))
# The seed spells REST's `isnull` IS_NULL.
CustomFieldOperator = graphql_enum("CustomFieldOperator", CF_OPERATORS,
                                   member=lambda value: "IS_NULL" if value == "isnull" else value.upper())
AssetOrderField = graphql_enum("AssetOrderField", [
    *sorted(ORDERINGS, key=("title", "key", "created_at", "updated_at").index), *SUBQUERY_ORDERINGS,
])
SortDirection = graphql_enum("SortDirection", ("ASC", "DESC"))
FieldIndexStatus = graphql_enum(
    "FieldIndexStatus", [value for value in CustomFieldDefinitionModel.IndexStatus.values if value],
    "Of an indexed custom field: the background build's state.")
