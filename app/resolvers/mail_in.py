"""Inbound mail log, re-run, and the decision on held mail, for admins."""

from __future__ import annotations

import strawberry

from app.errors import NotFound
from app.mail.inbound import admin
from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import parse_id
from app.schema.mail_in import (
    AcceptHeldMailResult,
    InboundMail,
    InboundMailConnection,
    InboundMailContent,
    InboundMailStatus,
    RejectHeldMailResult,
    RerunInboundMailResult,
)


@strawberry.type
class MailInQueries:
    @strawberry.field(
        description="Admins only: inbound mail, newest first, optionally by outcome (status)."
    )
    async def inbound_mail(
        self,
        info: Info,
        status: InboundMailStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> InboundMailConnection:
        rows, has_next, total = await admin.list_inbound(
            actor=info.context.actor,
            status=status,
            first=pagination.checked_first(first),
            after_id=pagination.decode_id(after, "inbound"),
        )
        return pagination.connection(
            InboundMailConnection,
            "inbound",
            [InboundMail.of(row) for row in rows],
            [[row.id] for row in rows],
            has_next=has_next,
            after=after,
            total_count=total,
        )

    @strawberry.field(
        description=(
            "Admins only: what one inbound mail says (sender, subject, date, body as plain "
            "text, attachments' names and sizes), to read before deciding; null when missing."
        )
    )
    async def inbound_mail_content(
        self, info: Info, id: strawberry.ID
    ) -> InboundMailContent | None:
        inbound_id = parse_id(id, "id")
        try:
            found = await admin.read_inbound(actor=info.context.actor, inbound_id=inbound_id)
        except NotFound:
            return None
        return InboundMailContent.of(inbound_id, found)


@strawberry.type
class MailInMutations:
    @mutation(description="Admins only: process a failed or refused inbound mail again, now.")
    async def rerun_inbound_mail(self, info: Info, id: strawberry.ID) -> RerunInboundMailResult:
        row = await admin.rerun_inbound(
            actor=info.context.actor, settings=info.context.settings, inbound_id=parse_id(id, "id")
        )
        return InboundMail.of(row)

    @mutation(
        description=(
            "Admins only: post a HELD mail as its claimed sender (the admin vouches for its "
            "From); returns what became of it."
        )
    )
    async def accept_held_mail(self, info: Info, id: strawberry.ID) -> AcceptHeldMailResult:
        row = await admin.accept_held(
            actor=info.context.actor, settings=info.context.settings, inbound_id=parse_id(id, "id")
        )
        return InboundMail.of(row)

    @mutation(description="Admins only: refuse a HELD mail for good; nobody is mailed.")
    async def reject_held_mail(self, info: Info, id: strawberry.ID) -> RejectHeldMailResult:
        row = await admin.reject_held(actor=info.context.actor, inbound_id=parse_id(id, "id"))
        return InboundMail.of(row)
