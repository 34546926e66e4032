"""What every subscription shares: the socket it runs on, and errors as subscriptions answer
them, over graphql-transport-ws only.

Access is checked when subscribing (a ticket the viewer cannot see is refused exactly like a
missing one) and again for every event: the per-process dispatcher (``app.live.dispatcher``)
decides in memory who may see an event and loads it once; each subscription re-checks its own
viewer just before sending. Events that may have been lost close the socket with the resync code
(see ``app.live.connections``) rather than appearing here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from typing import TypeVar

from graphql import GraphQLError

from app.errors import DomainError
from app.live.connections import LiveConnection
from app.live.runtime import LiveUpdates
from app.schema.core.context import Info

log = logging.getLogger(__name__)

T = TypeVar("T")


def refusal(exc: DomainError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code, "field": exc.field})


def socket(info: Info) -> tuple[LiveUpdates, LiveConnection]:
    """This process's live updates and the subscriber's socket; refused over HTTP."""
    connection = info.context.state.get("connection")
    if not isinstance(connection, LiveConnection):
        raise GraphQLError(
            "Subscriptions run over a WebSocket (graphql-transport-ws).",
            extensions={"code": "BAD_REQUEST", "field": None},
        )
    return info.context.state["live"], connection


async def refused_as_graphql(lookup: Awaitable[T]) -> T:
    """A lookup made when subscribing; a domain error refuses the subscription."""
    try:
        return await lookup
    except DomainError as exc:
        raise refusal(exc) from None


async def guarded(stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Refusals keep their message and code; anything unexpected is logged and masked."""
    try:
        async for item in stream:
            yield item
    except GraphQLError:
        raise
    except DomainError as exc:
        raise refusal(exc) from None
    except Exception as exc:
        log.exception("subscription failed")
        raise GraphQLError("Unexpected error.", extensions={"code": "INTERNAL"}) from exc
