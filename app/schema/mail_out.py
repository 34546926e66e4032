"""Outbound mail as admins see it: what was mailed to whom, and what failed."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import Private

from app import models
from app.schema.core.context import Info
from app.schema.core.pagination import Connection

OutboundMailStatus = models.OutboundStatus
strawberry.enum(OutboundMailStatus, name="OutboundMailStatus")  # the stored enum, by this name


@strawberry.type(description="One notification mail to one recipient.")
class OutboundMail:
    id: strawberry.ID
    recipient: str
    subject: str
    message_id: str
    status: OutboundMailStatus
    attempts: int
    last_error: str | None = strawberry.field(
        description="The SMTP server's answer (or the network error) of the last failure."
    )
    created_at: datetime
    next_attempt_at: datetime | None = strawberry.field(description="When RETRYING: the next try.")
    sent_at: datetime | None
    _ticket_id: Private[int | None]

    @strawberry.field
    async def ticket_number(self, info: Info) -> int | None:
        return await info.context.loaders.ticket_number(self._ticket_id)

    @classmethod
    def of(cls, row: models.OutboundMail) -> OutboundMail:
        retrying = row.status is models.OutboundStatus.RETRYING
        return cls(
            id=strawberry.ID(str(row.id)),
            recipient=row.recipient,
            subject=row.subject,
            message_id=row.message_id,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at if retrying else None,
            sent_at=row.sent_at,
            _ticket_id=row.ticket_id,  # type: ignore[attr-defined]
        )


@strawberry.type
class OutboundMailConnection(Connection[OutboundMail]):
    pass
