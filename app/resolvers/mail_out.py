"""Outbound mail log for admins: what was mailed to whom, and what failed."""

from __future__ import annotations

import strawberry

from app.mail.outbound import records
from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.mail_out import OutboundMail, OutboundMailConnection, OutboundMailStatus


@strawberry.type
class MailOutQueries:
    @strawberry.field(
        description="Admins only: notification mail, newest first; status FAILED lists "
        "permanent failures."
    )
    async def outbound_mail(
        self,
        info: Info,
        status: OutboundMailStatus | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> OutboundMailConnection:
        rows, has_next = await records.list_outbound(
            actor=info.context.actor,
            status=status,
            first=pagination.checked_first(first),
            after_id=pagination.decode_id(after, "outbound"),
        )
        return pagination.connection(
            OutboundMailConnection,
            "outbound",
            [OutboundMail.of(row) for row in rows],
            [[row.id] for row in rows],
            has_next=has_next,
            after=after,
        )
