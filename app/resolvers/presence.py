"""Presence (collision detection): staff report that they view or reply to a ticket, and
watch who else does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from app import models
from app.live.connections import LiveConnection
from app.live.dispatcher import Gone, PresenceChanged
from app.resolvers.live import guarded, refused_as_graphql, socket
from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.loaders import Loaders
from app.schema.presence import Presence, PresenceReport, PresenceState, ReportPresenceResult
from app.services import presence


@strawberry.type
class PresenceMutations:
    @mutation(
        description="Staff only: 'I am viewing / replying to this ticket'. Repeat every "
        "heartbeatSeconds while it holds; it is cleared when the reporting socket closes."
    )
    async def report_presence(
        self, info: Info, number: int, state: PresenceState
    ) -> ReportPresenceResult:
        ttl = info.context.settings.presence_ttl_seconds
        ticket, entry = await presence.report_presence(
            actor=info.context.actor,
            redis=info.context.redis,
            number=number,
            state=state,
            ttl_seconds=ttl,
        )
        connection = info.context.state.get("connection")
        if isinstance(connection, LiveConnection):
            connection.presence.add(ticket.id)
        return PresenceReport(
            number=ticket.number,
            state=entry.state,
            heartbeat_seconds=presence.heartbeat_seconds(ttl),
            expires_at=entry.expires_at,
        )


async def _presence(info: Info, ticket: models.Ticket) -> AsyncGenerator[list[Presence], None]:
    live, connection = socket(info)
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
class PresenceSubscriptions:
    @strawberry.subscription(
        description="Staff only: who has the ticket open (VIEWING) or is writing a reply "
        "(REPLYING); the whole list at once and again on every change."
    )
    async def ticket_presence(
        self, info: Info, number: int
    ) -> AsyncGenerator[list[Presence], None]:
        _, connection = socket(info)
        ticket = await refused_as_graphql(
            presence.ticket_for_staff(actor=connection.actor, number=number)
        )
        return guarded(_presence(info, ticket))
