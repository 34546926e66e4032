"""Presence (collision detection): who has a ticket open, or is writing a reply."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import Private

from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.directory import User
from app.services import presence

PresenceState = presence.PresenceState
strawberry.enum(PresenceState, name="PresenceState")  # the service's enum is the GraphQL enum


@strawberry.type(description="A staff member who has the ticket open.")
class Presence:
    state: PresenceState
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
    state: PresenceState
    heartbeat_seconds: int = strawberry.field(
        description="Report again within this many seconds, or the presence lapses."
    )
    expires_at: datetime


ReportPresenceResult = result_union("ReportPresenceResult", PresenceReport)
