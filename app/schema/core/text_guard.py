"""Control characters in text input are refused before any resolver runs.

NUL and the other C0/C1 control characters have no place in a subject, a name, an address or a
search; they break PostgreSQL (NUL), are stored raw by SQLite, and CR/LF in a subject would end
up in a mail header. Bodies (input fields marked ``MULTILINE``, and top-level ``body``
arguments) may hold tab, CR and LF. Mutations answer a typed ``ValidationError`` naming the
field; queries answer a GraphQL error with code ``VALIDATION_ERROR``. Both change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.utils.str_converters import to_camel_case

from app.errors import ValidationFailed
from app.i18n import N_

MULTILINE = {"multiline": True}
"""Metadata for input fields that may hold tab, CR and LF: ``strawberry.field(metadata=...)``."""

MULTILINE_ARGUMENTS = frozenset({"body", "signature"})

# Surrogates (U+D800-U+DFFF) count too: JSON can escape half of a UTF-16 pair ("\ud800"), which
# is no character, cannot be encoded in UTF-8, and so reached the database as an INTERNAL error.
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MESSAGE = N_("Control characters are not allowed here.")


def _bad(value: str, multiline: bool) -> bool:
    return bool((_MULTI_LINE if multiline else _SINGLE_LINE).search(value))


def _path(parent: str, name: str) -> str:
    """A field's argument path as errors name it: ``filter.search``; the fields of a
    mutation's ``input`` by their own names (``subject``, ``filter.search``)."""
    return name if parent in ("", "input") else f"{parent}.{name}"


def _fields_with_bad_text(name: str, value: Any, multiline: bool) -> Iterator[str]:
    """Paths of the fields (GraphQL names) under ``value`` that hold a control character."""
    if isinstance(value, str):
        if _bad(value, multiline):
            yield name
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _fields_with_bad_text(name, item, multiline)
    elif isinstance(
        definition := getattr(value, "__strawberry_definition__", None), StrawberryObjectDefinition
    ):
        for field in definition.fields:
            yield from _fields_with_bad_text(
                _path(name, field.graphql_name or to_camel_case(field.python_name)),
                getattr(value, field.python_name, None),
                bool(field.metadata and field.metadata.get("multiline")),
            )


def check_arguments(arguments: Mapping[str, Any]) -> None:
    """Raise ``ValidationFailed`` naming (by path) every field of a mutation's (coerced)
    arguments that holds a control character."""
    bad = {
        field: MESSAGE
        for name, value in arguments.items()
        for field in _fields_with_bad_text(to_camel_case(name), value, name in MULTILINE_ARGUMENTS)
    }
    if bad:
        raise ValidationFailed(bad)


def _strings(
    path: str, node: ValueNode, variables: Mapping[str, Any], used: set[str]
) -> Iterator[tuple[str, str]]:
    """The strings an argument's value holds, literal or from a variable, each with the
    argument path it is at (``filter.search``, whether ``filter``, ``search`` or neither is a
    variable); ``used`` collects the variables met."""
    if isinstance(node, StringValueNode):
        yield path, node.value
    elif isinstance(node, VariableNode):
        used.add(node.name.value)
        yield from _variable_strings(path, variables.get(node.name.value))
    elif isinstance(node, ListValueNode):
        for item in node.values:
            yield from _strings(path, item, variables, used)
    elif isinstance(node, ObjectValueNode):
        for field in node.fields:
            yield from _strings(_path(path, field.name.value), field.value, variables, used)


def _variable_strings(path: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for item in value:
            yield from _variable_strings(path, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _variable_strings(_path(path, str(key)), item)


def _arguments(document: DocumentNode) -> Iterator[ArgumentNode]:
    """Every field argument in the document, fragments included."""
    stack: list[SelectionSetNode | None] = [
        getattr(definition, "selection_set", None) for definition in document.definitions
    ]
    while stack:
        selection_set = stack.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            yield from getattr(selection, "arguments", None) or ()
            stack.append(getattr(selection, "selection_set", None))


class RefuseControlCharactersInQueries(SchemaExtension):
    """The query side of the rule (mutations check their coerced arguments in ``mutation()``):
    any string a query sends, as a literal or a variable, must be free of control characters."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        operation = (
            get_operation_ast(context.graphql_document, context.operation_name)
            if context.graphql_document
            else None
        )
        if operation is not None and operation.operation is OperationType.QUERY:
            assert context.graphql_document is not None
            field = _first_bad_query_string(context.graphql_document, context.variables or {})
            if field is not None:
                # The field is named in the extensions; the message is for people, in the
                # reader's language (a mutation's typed error is translated the same way).
                say = getattr(context.context, "say", None)
                context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            say(MESSAGE) if callable(say) else MESSAGE,
                            extensions={"code": "VALIDATION_ERROR", "field": field},
                        )
                    ],
                )
        yield


def _first_bad_query_string(document: DocumentNode, variables: Mapping[str, Any]) -> str | None:
    """The argument path of the first string of the query holding a control character (a
    top-level ``body`` may hold tab, CR and LF)."""
    used: set[str] = set()
    strings = [
        (path, text, argument.name.value in MULTILINE_ARGUMENTS and path == argument.name.value)
        for argument in _arguments(document)
        for path, text in _strings(argument.name.value, argument.value, variables, used)
    ]
    # A variable no argument uses is still refused, under its own name.
    strings += [
        (path, text, False)
        for variable, value in variables.items()
        if variable not in used
        for path, text in _variable_strings(variable, value)
    ]
    return next((path for path, text, lines in strings if _bad(text, lines)), None)
