"""Outbound mail log for admins: what was mailed to whom, and what failed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app import models
from app.mail.outbound import records
from app.models import OutboundStatus  # exposed as OutboundMailStatus (app.schema.enums)
from app.resolvers.ids import optional_id
from app.schema import enums as _enums  # noqa: F401  (registers the GraphQL enum)
from app.schema.types import Info


@strawberry.type(description="One notification mail to one recipient.")
class OutboundMail:
    id: strawberry.ID
    recipient: str
    subject: str
    message_id: str
    status: OutboundStatus
    attempts: int
    last_error: str | None = strawberry.field(
        description="The SMTP server's answer (or the network error) of the last failure."
    )
    created_at: datetime
    next_attempt_at: datetime | None = strawberry.field(description="When RETRYING: the next try.")
    sent_at: datetime | None
    ticket_number: int | None

    @classmethod
    def of(cls, row: models.OutboundMail) -> OutboundMail:
        ticket = row.ticket if isinstance(row.ticket, models.Ticket) else None
        return cls(
            id=strawberry.ID(str(row.id)),
            recipient=row.recipient,
            subject=row.subject,
            message_id=row.message_id,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at if row.status is OutboundStatus.RETRYING else None,
            sent_at=row.sent_at,
            ticket_number=ticket.number if ticket is not None else None,
        )


@strawberry.type
class MailOutQueries:
    @strawberry.field(
        description=(
            "Admins: notification mail, newest first; status FAILED lists permanent failures. "
            "Page with `before` (the last id seen). Everyone else gets an empty list."
        )
    )
    async def outbound_mail(
        self,
        info: Info,
        status: OutboundStatus | None = None,
        first: int = 50,
        before: strawberry.ID | None = None,
    ) -> list[OutboundMail]:
        actor = info.context.actor
        if actor is None or not actor.is_admin:
            return []
        rows = await records.list_outbound(
            actor=actor, status=status, first=first, before_id=optional_id(before, "before")
        )
        return [OutboundMail.of(row) for row in rows]
