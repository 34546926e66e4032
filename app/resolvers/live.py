"""Presence (collision detection): staff report that they view or reply to a ticket."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import Private

from app.live.connections import LiveConnection
from app.schema.errors import mutation, result_union
from app.schema.types import Info, User
from app.services import presence

strawberry.enum(presence.PresenceState, name="PresenceState")


@strawberry.type(description="A staff member who has the ticket open.")
class Presence:
    state: presence.PresenceState
    since: datetime = strawberry.field(description="When this state began.")
    _user_id: Private[int]

    @strawberry.field
    async def user(self, info: Info) -> User:
        user = await info.context.loaders.users.load(self._user_id)
        assert user is not None
        return User.of(user)

    @classmethod
    def of(cls, entry: presence.PresenceEntry) -> Presence:
        return cls(state=entry.state, since=entry.since, _user_id=entry.user_id)


@strawberry.type
class PresenceReport:
    number: int
    state: presence.PresenceState
    heartbeat_seconds: int = strawberry.field(
        description="Report again within this many seconds, or the presence lapses."
    )
    expires_at: datetime


ReportPresenceResult = result_union("ReportPresenceResult", PresenceReport)


@strawberry.type
class LiveMutations:
    @mutation(
        description="Staff only: 'I am viewing / replying to this ticket'. Repeat every "
        "heartbeatSeconds while it holds; it is cleared when the reporting socket closes."
    )
    async def report_presence(
        self, info: Info, number: int, state: presence.PresenceState
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
