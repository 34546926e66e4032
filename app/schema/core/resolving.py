"""Resolving without an await where the value is at hand.

graphql-core awaits whatever a resolver returns if it is awaitable, and completes anything else
at once. A field whose value a page has already loaded is therefore a plain (sync) resolver,
and only when the value is not at hand does it hand back the coroutine that loads it. A field
that never awaits costs graphql-core no task, future or gather: in a list of fifty rows that
is most of what executing the page costs.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar, cast

T = TypeVar("T")


class Missing:
    """Not handed down: the field loads the value itself."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


def later(awaitable: Awaitable[T]) -> T:
    """``awaitable`` as the sync resolver's answer: graphql-core awaits it (typed as its value,
    which is what the field's GraphQL type is read from)."""
    return cast(T, awaitable)
