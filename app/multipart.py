"""The GraphQL multipart request spec, read strictly: a malformed upload request is a 400.

``operations`` must be one JSON object (batching is off), ``map`` a JSON object from file field
names to lists of ``variables.…`` paths, every mapped name a file part, and every path must
land on a ``null`` placeholder that the operation's variables already hold, declared (in the
operation) as an ``Upload``; a file goes to one path. Strawberry's own reader answers 500 (or
INTERNAL) for several of these, and a file on a String variable was a variable error in a 200.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLType,
    OperationDefinitionNode,
    parse,
    type_from_ast,
)

UPLOAD = "Upload"


class MalformedMultipart(ValueError):
    """The message says what is wrong, for the client."""


def place_files(
    operations: Any,
    files_map: Any,
    files: Mapping[str, Any],
    schema: GraphQLSchema | None = None,
) -> dict[str, Any]:
    """The operations with each file at its path; with ``schema``, each path must be declared
    an Upload by the operation (a document that does not parse is left to GraphQL to answer)."""
    operations = _json(operations, "operations")
    files_map = _json(files_map, "map")
    if not isinstance(operations, dict):
        raise MalformedMultipart("'operations' must be one JSON object (batching is off).")
    if not isinstance(files_map, dict):
        raise MalformedMultipart("'map' must be a JSON object of file field names to paths.")
    for name, paths in files_map.items():
        if name not in files:
            raise MalformedMultipart(f"'map' names {name!r}, which is not a file in the request.")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise MalformedMultipart(f"'map' must give {name!r} a list of paths.")
        if len(paths) > 1:
            raise MalformedMultipart(
                f"'map' gives {name!r} {len(paths)} paths; send each file once, for one path."
            )
        for path in paths:
            _place(operations, path, files[name])
    if schema is not None:
        variables = _variable_types(operations, schema)
        if variables is not None:
            for paths in files_map.values():
                for path in paths:
                    _require_upload(variables, path, schema)
    return operations


def _variable_types(
    operations: dict[str, Any], schema: GraphQLSchema
) -> dict[str, GraphQLType | None] | None:
    """The declared type of each variable of the operation to run; None when the document
    does not say (it does not parse, or names no single operation): GraphQL answers that."""
    query, name = operations.get("query"), operations.get("operationName")
    if not isinstance(query, str):
        return None
    try:
        document = parse(query)
    except GraphQLError:
        return None
    chosen = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (name is None or (d.name is not None and d.name.value == name))
    ]
    if len(chosen) != 1:
        return None
    return {
        v.variable.name.value: type_from_ast(schema, v.type)
        for v in chosen[0].variable_definitions or ()
    }


def _require_upload(
    variables: Mapping[str, GraphQLType | None], path: str, schema: GraphQLSchema
) -> None:
    """A file must land where the operation takes an Upload (not a String, an Int...)."""
    keys = path.split(".")[1:]
    kind: Any = variables.get(keys[0])
    for key in keys[1:]:
        kind = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
        if isinstance(kind, GraphQLList) and key.isdigit():
            kind = kind.of_type
        elif isinstance(kind, GraphQLInputObjectType) and key in kind.fields:
            kind = kind.fields[key].type
        else:
            kind = None
            break
    named: GraphQLInputType | None = kind
    while isinstance(named, GraphQLNonNull | GraphQLList):
        named = named.of_type
    if named is None or named is not schema.get_type(UPLOAD) or isinstance(kind, GraphQLList):
        shown = str(kind) if kind is not None else "not declared"
        raise MalformedMultipart(
            f"Path {path!r} is {shown} in the operation, not an Upload: a file goes only where "
            "the operation takes an Upload."
        )


def _json(value: Any, part: str) -> Any:
    if value is None:
        raise MalformedMultipart(f"The multipart request has no {part!r} part.")
    if isinstance(value, bytes | str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than json decodes
            raise MalformedMultipart(f"{part!r} is not valid JSON.") from None
    raise MalformedMultipart(f"{part!r} must be a form field, not a file.")


def _place(operations: dict[str, Any], path: str, file: Any) -> None:
    keys = path.split(".")
    if len(keys) < 2 or keys[0] != "variables":
        raise MalformedMultipart(f"Path {path!r} must start with 'variables.'.")
    container: Any = operations
    for key in keys[:-1]:
        container = _step(container, key, path)
    last = keys[-1]
    if isinstance(container, list):
        index = _index(container, last, path)
        if container[index] is not None:
            raise MalformedMultipart(f"Path {path!r} is not a null placeholder for a file.")
        container[index] = file
    elif isinstance(container, dict) and last in container:
        if container[last] is not None:
            raise MalformedMultipart(f"Path {path!r} is not a null placeholder for a file.")
        container[last] = file
    else:
        raise MalformedMultipart(f"Path {path!r} names nothing in the operation's variables.")


def _step(container: Any, key: str, path: str) -> Any:
    if isinstance(container, list):
        return container[_index(container, key, path)]
    if isinstance(container, dict) and key in container:
        return container[key]
    raise MalformedMultipart(f"Path {path!r} names nothing in the operation's variables.")


def _index(container: list[Any], key: str, path: str) -> int:
    if not key.isdigit() or int(key) >= len(container):
        raise MalformedMultipart(f"Path {path!r} names nothing in the operation's variables.")
    return int(key)
