"""The one way to page a list: ``first`` (1 to 100) and an opaque ``after`` cursor, answered as
a connection (``edges { cursor node }``, ``pageInfo``).

A cursor is the position of a row in its list, written as base64url JSON ``[list, *key]``:
the list's name (so a cursor from another list, or another sort of the ticket list, is
refused) and the row's keyset key, which the service pages by (an id, or a sort value and the
ticket number). Keys are values, not offsets, so pages stay correct while rows are added.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from app.errors import ValidationFailed, bad_cursor
from app.i18n import Msg
from app.schema.core.ids import MAX_ID

MAX_FIRST = 100

T = TypeVar("T")
C = TypeVar("C", bound="Connection[Any]")
Key = Sequence[Any]
"""A row's position in its list: JSON values (ids, numbers, strings)."""


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def checked_first(first: int) -> int:
    """The page size, refused with a typed error outside 1 to ``MAX_FIRST``."""
    if not 1 <= first <= MAX_FIRST:
        raise ValidationFailed.single(
            "first", Msg("first must be between 1 and {max}.", max=MAX_FIRST)
        )
    return first


def encode_cursor(list_name: str, key: Key) -> str:
    # orjson: a list page encodes a cursor per row, and the standard library's encoder costs
    # ten times as much. Both write JSON that ``decode_cursor`` reads back alike (orjson keeps
    # non-ASCII text as UTF-8 where the standard library escaped it).
    try:
        raw = orjson.dumps([list_name, *key])
    except TypeError:  # an integer over 64 bits
        raw = json.dumps([list_name, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_CURSOR_CHARS = 2048
"""The longest cursor a list hands out is well under this: 255 characters of text (the longest
column a cursor holds) at four UTF-8 bytes each, a name and a number, base64 encoded."""

MAX_CURSOR_TEXT = 255
"""The longest text in any cursor's key (a ticket's subject); a list whose column is shorter
passes its own bound."""

MAX_KEY_PARTS = 2
"""A key is a sort value and a tie-breaker at most."""


def decode_cursor(
    cursor: str | None, list_name: str, *, max_text: int = MAX_CURSOR_TEXT
) -> list[Any] | None:
    """The key in ``cursor``, or None for the first page; a typed error (naming ``after``, and
    never echoing the value) for anything that is not a cursor of this list.

    A cursor comes back from the client and may be forged, so its shape is checked before any
    of it is used: its length, then JSON (orjson, which stops at a fixed depth instead of
    recursing into ``[[[[...]]]]``), then a flat list of this list's name and one or two
    numbers or texts of at most ``max_text`` characters, as its column holds them."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR_CHARS:
        raise bad_cursor()
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):  # not base64, not JSON, or nested too deep
        raise bad_cursor() from None
    if (
        isinstance(decoded, list)
        and 2 <= len(decoded) <= 1 + MAX_KEY_PARTS
        and decoded[0] == list_name
        and all(_key_part(part, max_text) for part in decoded[1:])
    ):
        return decoded[1:]
    raise bad_cursor()


def _key_part(part: object, max_text: int) -> bool:
    """A value a key may hold: an integer (no bool, no float) or a text within its column."""
    if isinstance(part, str):
        return len(part) <= max_text and "\x00" not in part
    return isinstance(part, int) and not isinstance(part, bool)


def decode_id(cursor: str | None, list_name: str) -> int | None:
    """The row id in a cursor of a list paged by id, or None for the first page."""
    key = decode_cursor(cursor, list_name)
    if key is None:
        return None
    if len(key) != 1 or not isinstance(key[0], int) or isinstance(key[0], bool):
        raise bad_cursor()
    if not 1 <= key[0] <= MAX_ID:  # a forged cursor: no row has such an id
        raise bad_cursor()
    return key[0]


def page_info(cursors: Sequence[str], *, has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def edges(
    list_name: str,
    nodes: Sequence[T],
    keys: Sequence[Key],
    edge: type[Any] = Edge,
    edge_extras: Sequence[dict[str, Any]] | None = None,
) -> list[Any]:
    extras = edge_extras if edge_extras is not None else [{}] * len(nodes)
    return [
        edge(cursor=encode_cursor(list_name, key), node=node, **extra)
        for node, key, extra in zip(nodes, keys, extras, strict=True)
    ]


def connection(
    cls: type[C],
    list_name: str,
    nodes: Sequence[Any],
    keys: Sequence[Key],
    *,
    has_next: bool,
    after: str | None,
    edge: type[Any] = Edge,
    edge_extras: Sequence[dict[str, Any]] | None = None,
    **extra: Any,
) -> C:
    """A page of ``nodes`` (each at its ``key``) as the connection type ``cls``; ``edge`` and
    ``edge_extras`` give edges more fields (a search's highlight)."""
    page = edges(list_name, nodes, keys, edge, edge_extras)
    info = page_info([e.cursor for e in page], has_next=has_next, after=after)
    return cls(edges=page, page_info=info, **extra)
