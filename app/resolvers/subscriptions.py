"""Subscriptions: ticket events and presence, over graphql-transport-ws only.

Access is checked when subscribing (a ticket the viewer cannot see is refused exactly like a
missing one) and again for every event: the per-process dispatcher (``app.live.dispatcher``)
decides in memory who may see an event and loads it once; each subscription re-checks its own
viewer just before sending. Events that may have been lost close the socket with the resync code
(see ``app.live.connections``) rather than appearing here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Hashable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import Private

from app import models
from app.auth import policy
from app.auth.actor import Actor
from app.errors import DomainError
from app.live.connections import LiveConnection
from app.live.dispatcher import Gone, LoadedEvent, PresenceChanged
from app.live.renders import SharedRenders
from app.live.runtime import LiveUpdates
from app.resolvers.live import Presence
from app.resolvers.loaders import Loaders
from app.schema.enums import TicketEventType
from app.schema.types import Info, Message, Ticket
from app.services import presence, tickets

log = logging.getLogger(__name__)

T = TypeVar("T")


@strawberry.type
class TicketEvent:
    type: TicketEventType
    ticket: Ticket
    message: Message | None
    # Subscribers that would render this event identically share one execution.
    shared_renders: Private[SharedRenders | None] = None
    payload_key: Private[Hashable] = None


def _refusal(exc: DomainError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code, "field": exc.field})


def _live(info: Info) -> tuple[LiveUpdates, LiveConnection]:
    connection = info.context.state.get("connection")
    if not isinstance(connection, LiveConnection):
        raise GraphQLError(
            "Subscriptions run over a WebSocket (graphql-transport-ws).",
            extensions={"code": "BAD_REQUEST", "field": None},
        )
    return info.context.state["live"], connection


async def _visible_ticket(actor: Actor, number: int, *, staff_only: bool = False) -> models.Ticket:
    try:
        if staff_only:
            return await presence.ticket_for_staff(actor=actor, number=number)
        return await tickets.get_ticket(actor=actor, number=number)
    except DomainError as exc:
        raise _refusal(exc) from None


async def _guarded(stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Refusals keep their message and code; anything unexpected is logged and masked."""
    try:
        async for item in stream:
            yield item
    except GraphQLError:
        raise
    except DomainError as exc:
        raise _refusal(exc) from None
    except Exception as exc:
        log.exception("subscription failed")
        raise GraphQLError("Unexpected error.", extensions={"code": "INTERNAL"}) from exc


def _shape(info: Info, connection: LiveConnection, loaded: LoadedEvent) -> TicketEvent | None:
    """The event as this viewer may see it, or None. The last check before sending."""
    actor = connection.actor
    if connection.closing or not policy.can_view_ticket(actor, loaded.ticket):
        return None
    if loaded.signal.internal and not policy.can_see_internal(actor):
        return None
    message = loaded.message
    if message is not None and not tickets.message_visible(actor, message):
        message = None
    info.context.loaders = loaded.loaders  # shared by every subscriber of this event here
    return TicketEvent(
        type=TicketEventType(loaded.signal.type.value),
        ticket=Ticket.of(loaded.ticket),
        message=Message.of(message) if message is not None else None,
        shared_renders=loaded.renders,
        payload_key=message.id if message is not None else None,
    )


async def _ticket_events(
    info: Info, ticket: models.Ticket | None
) -> AsyncGenerator[TicketEvent, None]:
    live, connection = _live(info)
    with live.dispatcher.listen(connection, ticket=ticket) as listener:
        async for item in listener:
            if isinstance(item, Gone) and ticket is not None:
                # Moved where the viewer cannot follow: ends like a missing ticket.
                await tickets.get_ticket(actor=connection.actor, number=ticket.number)
            elif isinstance(item, LoadedEvent):
                event = _shape(info, connection, item)
                if event is not None:
                    yield event


async def _presence(info: Info, ticket: models.Ticket) -> AsyncGenerator[list[Presence], None]:
    live, connection = _live(info)
    redis = info.context.redis
    connection.presence.add(ticket.id)
    try:
        with live.dispatcher.listen(connection, kind="presence", ticket=ticket) as listener:
            entries = tuple(await presence.list_presence(redis=redis, ticket_id=ticket.id))
            shown = entries
            info.context.loaders = Loaders()
            yield [Presence.of(e) for e in entries]
            while True:
                try:
                    item = await asyncio.wait_for(anext(listener), presence.next_lapse(entries))
                except TimeoutError:  # the first entry lapses now
                    item = PresenceChanged(
                        tuple(await presence.list_presence(redis=redis, ticket_id=ticket.id))
                    )
                if isinstance(item, Gone):
                    await presence.ticket_for_staff(actor=connection.actor, number=ticket.number)
                elif isinstance(item, PresenceChanged):
                    entries = item.entries
                    if [(e.user_id, e.state, e.since) for e in entries] != [
                        (e.user_id, e.state, e.since) for e in shown
                    ]:
                        shown = entries
                        info.context.loaders = Loaders()
                        yield [Presence.of(e) for e in entries]
    finally:
        await live.leave(connection, ticket.id)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="One ticket: replies, notes (staff), field changes.")
    async def ticket_events(self, info: Info, number: int) -> AsyncGenerator[TicketEvent, None]:
        _, connection = _live(info)
        ticket = await _visible_ticket(connection.actor, number)
        return _guarded(_ticket_events(info, ticket))

    @strawberry.subscription(description="Every ticket the viewer may see.")
    async def ticket_list_events(self, info: Info) -> AsyncGenerator[TicketEvent, None]:
        _live(info)
        return _guarded(_ticket_events(info, None))

    @strawberry.subscription(
        description="Staff only: who has the ticket open (VIEWING) or is writing a reply "
        "(REPLYING); the whole list at once and again on every change."
    )
    async def ticket_presence(
        self, info: Info, number: int
    ) -> AsyncGenerator[list[Presence], None]:
        _, connection = _live(info)
        ticket = await _visible_ticket(connection.actor, number, staff_only=True)
        return _guarded(_presence(info, ticket))
