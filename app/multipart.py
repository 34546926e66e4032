"""The GraphQL multipart request spec, read strictly: a malformed upload request is a 400.

``operations`` must be one JSON object (batching is off), ``map`` a JSON object from file field
names to lists of ``variables.…`` paths, every mapped name a file part, and every path must
land on a ``null`` placeholder that the operation's variables already hold. Strawberry's own
reader answers 500 (or INTERNAL) for several of these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class MalformedMultipart(ValueError):
    """The message says what is wrong, for the client."""


def place_files(operations: Any, files_map: Any, files: Mapping[str, Any]) -> dict[str, Any]:
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
        for path in paths:
            _place(operations, path, files[name])
    return operations


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
