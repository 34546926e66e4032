"""A query cost limit: every operation is priced from its document before it runs.

Each field costs 1, times the number of times it can appear: a field with a ``first`` argument
multiplies its subtree by ``first`` (a literal; a variable counts as the largest page, 100;
no argument, as its default), a connection's ``edges`` by 1 (``first`` already counted), and any
other list by its bound (``LIST_BOUNDS``, else ``DEFAULT_LIST_BOUND``). Aliases and fragments
count for every place they are used; introspection is not priced (the schema is small and
``INTROSPECTION=false`` turns it off). The price depends only on the document, so it is
computed once per document with the rest of validation (and cached with it).

Over ``QUERY_COST_LIMIT`` the operation is refused, over HTTP and WebSocket alike, with an
error whose extensions carry ``code: QUERY_TOO_COSTLY``, the ``cost`` and the ``limit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)

from app.services.accounts import MAX_API_TOKENS
from app.services.canned import MAX_CANNED_RESPONSES
from app.services.directory import MAX_DEPARTMENTS
from app.services.saved_views import MAX_VISIBLE_VIEWS
from app.services.tags import MAX_TAGS, MAX_TAGS_PER_TICKET

MAX_PAGE = 100
DEFAULT_LIST_BOUND = 10
LIST_BOUNDS: Mapping[str, int] = {
    # Files on one message are capped by MAX_FILES_PER_MESSAGE (20 by default).
    "Message.attachments": 20,
    # Lists that are not paged because their rows are capped when created.
    "Query.apiTokens": MAX_API_TOKENS,
    "Query.departments": MAX_DEPARTMENTS,
    "Query.cannedResponses": MAX_CANNED_RESPONSES,
    "Query.tags": MAX_TAGS,
    "Query.savedViews": MAX_VISIBLE_VIEWS,
    "Ticket.tags": MAX_TAGS_PER_TICKET,
}


def _multiplier(parent: str, name: str, field: GraphQLField, node: FieldNode) -> int:
    if "first" in field.args:
        given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        if isinstance(given, IntValueNode):
            return max(0, min(int(given.value), MAX_PAGE))
        if given is None and isinstance(field.args["first"].default_value, int):
            return min(field.args["first"].default_value, MAX_PAGE)
        return MAX_PAGE
    field_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(field_type, GraphQLList) or name in ("edges", "nodes"):
        return 1
    return LIST_BOUNDS.get(f"{parent}.{name}", DEFAULT_LIST_BOUND)


class _Pricer:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments

    def selection_cost(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, seen: frozenset
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(selection.selection_set, target or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # unknown or cyclic: other validation rules report it
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selection_cost(
                    fragment.selection_set, target or parent, seen | {name}
                )
        return total

    def field_cost(self, node: FieldNode, parent: GraphQLNamedType, seen: frozenset) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(parent, GraphQLObjectType):
            return 0
        field = parent.fields.get(name)
        if field is None:
            return 0
        child = get_named_type(field.type)
        inner = self.selection_cost(node.selection_set, child, seen)
        return _multiplier(parent.name, name, field, node) * (1 + inner)


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> int:
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Pricer(schema, fragments).selection_cost(operation.selection_set, root, frozenset())


def query_cost_rule(limit: int) -> type[ValidationRule]:
    """A validation rule refusing operations that cost more than ``limit``."""

    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            self.fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = operation_cost(self.context.schema, node, self.fragments)
            if cost > limit:
                self.report_error(
                    GraphQLError(
                        f"This operation would cost {cost}, over the limit of {limit}: ask for "
                        "fewer items (first) or fewer fields.",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
                    )
                )

    return QueryCostRule
