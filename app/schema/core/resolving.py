"""Resolving without an await where the value is at hand.

graphql-core awaits whatever a resolver returns if it is awaitable, and completes anything else
at once. A field whose value a page has already loaded is therefore a plain (sync) resolver,
and only when the value is not at hand does it hand back the coroutine that loads it. A field
that never awaits costs graphql-core no task, future or gather: in a list of fifty rows that
is most of what executing the page costs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")

current_loaders: ContextVar[Any] = ContextVar("current_loaders", default=None)
"""The executing operation's DataLoaders (``app.schema.core.loaders.Loaders``), set by the
executor as each execution starts: what a ``Deferred`` loads through."""

current_public_url: ContextVar[str] = ContextVar("current_public_url", default="")
"""The executing operation's public URL (settings), set with ``current_loaders``: what a
deferred attachment builds its download link with."""


class Missing:
    """Not handed down: the field loads the value itself."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


def later(awaitable: Awaitable[T]) -> T:
    """``awaitable`` as the sync resolver's answer: graphql-core awaits it (typed as its value,
    which is what the field's GraphQL type is read from)."""
    return cast(T, awaitable)


class Deferred(Generic[T]):
    """A plain attribute's value that is not at hand: loaded through the executing operation's
    DataLoaders when (and each time) graphql-core awaits it, never if the field is not asked
    for. A type whose field is usually handed down (a list row's department) keeps it a plain
    attribute this way, which costs graphql-core far less than a resolver method, and still
    answers where it was not handed down (a single ticket, a live event)."""

    __slots__ = ("_key", "_load")

    def __init__(self, load: Callable[[Any, Any], Awaitable[T]], key: Any) -> None:
        self._load, self._key = load, key

    def __await__(self) -> Generator[Any, None, T]:
        return self._load(current_loaders.get(), self._key).__await__()


def deferred(load: Callable[[Any, Any], Awaitable[T]], key: Any) -> T:
    """A ``Deferred`` typed as its value (what the field's GraphQL type is read from)."""
    return cast(T, Deferred(load, key))


class Lazy(Generic[T]):
    """A plain attribute's value that costs something to make (a long text's rendering):
    made when (and each time) graphql-core awaits it, never if the field is not asked for.
    Unlike a coroutine made up front, one that is never awaited leaves nothing behind."""

    __slots__ = ("_args", "_make")

    def __init__(self, make: Callable[..., Awaitable[T]], *args: Any) -> None:
        self._make, self._args = make, args

    def __await__(self) -> Generator[Any, None, T]:
        return self._make(*self._args).__await__()


def lazily(make: Callable[..., Awaitable[T]], *args: Any) -> T:
    """A ``Lazy`` typed as its value (what the field's GraphQL type is read from)."""
    return cast(T, Lazy(make, *args))
