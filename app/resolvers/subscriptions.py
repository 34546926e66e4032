"""Subscriptions: each event is re-checked against the policy before it is sent."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app.auth import policy
from app.events import TICKETS_CHANNEL
from app.events import TicketEvent as Signal
from app.pubsub import Hub, Resync
from app.resolvers.loaders import Loaders
from app.schema.enums import TicketEventType
from app.schema.types import Info, Message, Ticket
from app.services import tickets


@strawberry.type
class TicketEvent:
    type: TicketEventType
    ticket: Ticket
    message: Message | None


async def _event_for(info: Info, signal: Signal) -> TicketEvent | None:
    actor = info.context.actor
    if not policy.can_view_ticket_fields(actor, signal.department, signal.client):
        return None
    if signal.internal and not policy.can_see_internal(actor):
        return None
    info.context.loaders = Loaders()
    try:
        ticket = await tickets.get_ticket(actor=actor, number=signal.ticket)
    except Exception:
        return None
    message = None
    if signal.message is not None:
        row = await info.context.loaders.messages.load(signal.message)
        if row is not None and tickets.message_visible(actor, row):
            message = Message.of(row)
    return TicketEvent(
        type=TicketEventType(signal.type.value), ticket=Ticket.of(ticket), message=message
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(description="One ticket: replies, notes (staff), field changes.")
    async def ticket_events(self, info: Info, number: int) -> AsyncGenerator[TicketEvent, None]:
        ticket = await tickets.get_ticket(actor=info.context.actor, number=number)
        hub: Hub = info.context.state["hub"]
        async with hub.subscribe(TICKETS_CHANNEL) as sub:
            async for item in sub:
                if isinstance(item, Resync):
                    continue
                signal = Signal.from_json(item.message)
                if signal.ticket_id != ticket.id:
                    continue
                event = await _event_for(info, signal)
                if event is not None:
                    yield event

    @strawberry.subscription(description="Every ticket the viewer may see.")
    async def ticket_list_events(self, info: Info) -> AsyncGenerator[TicketEvent, None]:
        policy.require_user(info.context.actor)
        hub: Hub = info.context.state["hub"]
        async with hub.subscribe(TICKETS_CHANNEL) as sub:
            async for item in sub:
                if isinstance(item, Resync):
                    continue
                event = await _event_for(info, Signal.from_json(item.message))
                if event is not None:
                    yield event
