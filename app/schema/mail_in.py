"""Inbound mail as admins see it: what arrived, and what became of it."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import Private

from app import models
from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.core.pagination import Connection

InboundMailStatus = models.InboundStatus
strawberry.enum(InboundMailStatus, name="InboundMailStatus")  # the stored enum, by this name


@strawberry.type(description="One message that arrived by email, and what became of it.")
class InboundMail:
    id: strawberry.ID
    transport: str = strawberry.field(description="smtp, lmtp, pipe, http or imap.")
    status: InboundMailStatus
    reason: str | None = strawberry.field(
        description="Why it was ignored, refused, held or failed; what it became if processed."
    )
    sender: str | None
    subject: str | None
    size: int
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    _ticket_id: Private[int | None]
    _message_id: Private[int | None]

    @strawberry.field
    async def ticket_number(self, info: Info) -> int | None:
        return await info.context.loaders.ticket_number(self._ticket_id)

    @strawberry.field(description="The reply it became.")
    def message_id(self) -> strawberry.ID | None:
        return None if self._message_id is None else strawberry.ID(str(self._message_id))

    @classmethod
    def of(cls, row: models.InboundMail) -> InboundMail:
        return cls(
            id=strawberry.ID(str(row.id)),
            transport=row.transport,
            status=row.status,
            reason=row.reason,
            sender=row.sender,
            subject=row.subject,
            size=row.size,
            attempts=row.attempts,
            received_at=row.received_at,
            processed_at=row.processed_at,
            _ticket_id=row.ticket_id,  # type: ignore[attr-defined]
            _message_id=row.message_id,  # type: ignore[attr-defined]
        )


@strawberry.type
class InboundMailConnection(Connection[InboundMail]):
    total_count: int


RerunInboundMailResult = result_union("RerunInboundMailResult", InboundMail)
AcceptHeldMailResult = result_union("AcceptHeldMailResult", InboundMail)
RejectHeldMailResult = result_union("RejectHeldMailResult", InboundMail)
