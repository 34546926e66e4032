"""Inbound mail log, re-run, and the decision on held mail, for admins."""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry

from app import models
from app.errors import ValidationFailed
from app.mail.inbound import admin
from app.models import InboundStatus  # exposed as InboundMailStatus (app.schema.enums)
from app.resolvers.ids import parse_id
from app.schema import enums as _enums  # noqa: F401  (registers the GraphQL enum)
from app.schema.errors import mutation, result_union
from app.schema.types import Info, PageInfo


@strawberry.type(description="One message that arrived by email, and what became of it.")
class InboundMail:
    id: strawberry.ID
    transport: str = strawberry.field(description="smtp, lmtp, pipe, http or imap.")
    status: InboundStatus
    reason: str | None = strawberry.field(
        description="Why it was ignored, refused, held or failed; what it became if processed."
    )
    sender: str | None
    subject: str | None
    size: int
    attempts: int
    received_at: datetime
    processed_at: datetime | None
    ticket_number: int | None
    message_id: strawberry.ID | None = strawberry.field(description="The reply it became.")

    @classmethod
    def of(cls, row: models.InboundMail, ticket_number: int | None) -> InboundMail:
        message = row.message_id  # type: ignore[attr-defined]
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
            ticket_number=ticket_number,
            message_id=strawberry.ID(str(message)) if message else None,
        )


@strawberry.type
class InboundMailEdge:
    cursor: str
    node: InboundMail


@strawberry.type
class InboundMailConnection:
    edges: list[InboundMailEdge]
    page_info: PageInfo
    total_count: int


RerunInboundMailResult = result_union("RerunInboundMailResult", InboundMail)
AcceptHeldMailResult = result_union("AcceptHeldMailResult", InboundMail)
RejectHeldMailResult = result_union("RejectHeldMailResult", InboundMail)


def _cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"in:{row_id}".encode()).decode()


def _before(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "in":
            return int(value)
    except ValueError:
        pass
    raise ValidationFailed.single("after", "That is not a valid cursor.")


async def _numbers(rows: list[models.InboundMail]) -> dict[int, int]:
    ids = {row.ticket_id for row in rows if row.ticket_id}  # type: ignore[attr-defined]
    if not ids:
        return {}
    pairs = await models.Ticket.filter(id__in=list(ids)).values_list("id", "number")
    return {int(ticket_id): int(number) for ticket_id, number in pairs}


async def _shape(rows: list[models.InboundMail]) -> list[InboundMail]:
    numbers = await _numbers(rows)
    return [
        InboundMail.of(row, numbers.get(row.ticket_id))  # type: ignore[attr-defined]
        for row in rows
    ]


@strawberry.type
class MailInQueries:
    @strawberry.field(
        description="Admins only: inbound mail, newest first, optionally by outcome (status)."
    )
    async def inbound_mail(
        self,
        info: Info,
        status: InboundStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> InboundMailConnection:
        rows, has_next, total = await admin.list_inbound(
            actor=info.context.actor, status=status, first=first, before_id=_before(after)
        )
        nodes = await _shape(rows)
        cursors = [_cursor(row.id) for row in rows]
        return InboundMailConnection(
            edges=[InboundMailEdge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            total_count=total,
        )


@strawberry.type
class MailInMutations:
    @mutation(description="Admins only: process a failed or refused inbound mail again, now.")
    async def rerun_inbound_mail(self, info: Info, id: strawberry.ID) -> RerunInboundMailResult:
        row = await admin.rerun_inbound(actor=info.context.actor, inbound_id=parse_id(id, "id"))
        return (await _shape([row]))[0]

    @mutation(
        description=(
            "Admins only: post a HELD mail as its claimed sender (the admin vouches for its "
            "From); returns what became of it."
        )
    )
    async def accept_held_mail(self, info: Info, id: strawberry.ID) -> AcceptHeldMailResult:
        row = await admin.accept_held(actor=info.context.actor, inbound_id=parse_id(id, "id"))
        return (await _shape([row]))[0]

    @mutation(description="Admins only: refuse a HELD mail for good; nobody is mailed.")
    async def reject_held_mail(self, info: Info, id: strawberry.ID) -> RejectHeldMailResult:
        row = await admin.reject_held(actor=info.context.actor, inbound_id=parse_id(id, "id"))
        return (await _shape([row]))[0]
