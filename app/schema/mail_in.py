"""Inbound mail as admins see it: what arrived, and what became of it."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import Private

from app import models
from app.mail.inbound.admin import InboundAction, actions_for
from app.mail.inbound.preview import MailPreview
from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.core.pagination import Connection

InboundMailStatus = models.InboundStatus
strawberry.enum(InboundMailStatus, name="InboundMailStatus")  # the stored enum, by this name
InboundMailAction = InboundAction
strawberry.enum(
    InboundMailAction,
    name="InboundMailAction",
    description="RERUN: rerunInboundMail; ACCEPT: acceptHeldMail; REJECT: rejectHeldMail.",
)


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
    rejected: bool = strawberry.field(
        description="An administrator rejected it: it stays refused (no re-run, no accept)."
    )
    actions: list[InboundMailAction] = strawberry.field(
        description=(
            "What an admin may do to it now (HELD: ACCEPT, REJECT; FAILED or REFUSED and not "
            "rejected: RERUN; else none). Any other action answers CONFLICT."
        )
    )
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
            rejected=row.rejected,
            actions=actions_for(row),
            _ticket_id=row.ticket_id,  # type: ignore[attr-defined]
            _message_id=row.message_id,  # type: ignore[attr-defined]
        )


@strawberry.type(description="A file attached to an inbound mail: its name and size only.")
class InboundMailAttachment:
    name: str
    content_type: str
    size: int = strawberry.field(description="Bytes.")


@strawberry.type(
    description=(
        "What an inbound mail says, read from its raw bytes: the body is plain text (HTML mail "
        "converted to text, control characters dropped), never HTML."
    )
)
class InboundMailContent:
    id: strawberry.ID
    sender: str | None
    sender_name: str | None
    subject: str | None
    date: datetime | None = strawberry.field(description="The mail's Date header, if readable.")
    text: str
    truncated: bool = strawberry.field(description="The text was cut (the raw mail keeps it).")
    attachments: list[InboundMailAttachment]
    error: str | None = strawberry.field(
        description="Why it could not be read as a message (its bytes are then shown as text)."
    )

    @classmethod
    def of(cls, inbound_id: int, found: MailPreview) -> InboundMailContent:
        return cls(
            id=strawberry.ID(str(inbound_id)),
            sender=found.sender,
            sender_name=found.sender_name,
            subject=found.subject,
            date=found.date,
            text=found.text,
            truncated=found.truncated,
            attachments=[
                InboundMailAttachment(name=a.name, content_type=a.content_type, size=a.size)
                for a in found.attachments
            ],
            error=found.error,
        )


@strawberry.type
class InboundMailConnection(Connection[InboundMail]):
    total_count: int


RerunInboundMailResult = result_union("RerunInboundMailResult", InboundMail)
AcceptHeldMailResult = result_union("AcceptHeldMailResult", InboundMail)
RejectHeldMailResult = result_union("RejectHeldMailResult", InboundMail)
