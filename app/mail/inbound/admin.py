"""Admins list inbound mail by outcome and re-run a failed or refused message."""

from __future__ import annotations

from collections.abc import Sequence

from app.auth import policy
from app.auth.actor import Actor
from app.config import Settings
from app.errors import Conflict, NotFound
from app.mail.inbound.process import process_inbound
from app.models import InboundMail, InboundStatus

RERUNNABLE = (InboundStatus.FAILED, InboundStatus.REFUSED)
# Everything but the raw bytes, which can be megabytes per row.
LIST_FIELDS: Sequence[str] = (
    "id",
    "dedupe_key",
    "transport",
    "size",
    "sender",
    "subject",
    "status",
    "reason",
    "ticket_id",
    "message_id",
    "received_at",
    "processed_at",
    "attempts",
)


async def list_inbound(
    *,
    actor: Actor | None,
    status: InboundStatus | None = None,
    first: int = 20,
    after_id: int | None = None,
) -> tuple[list[InboundMail], bool, int]:
    """Newest first: the page after the mail ``after_id`` (if given) holds older mail.
    Returns (page, has_next, total count for the filter)."""
    policy.require_admin(actor)
    query = InboundMail.all()
    if status is not None:
        query = query.filter(status=status)
    total = await query.count()
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    rows = await query.order_by("-id").limit(first + 1).only(*LIST_FIELDS)
    return rows[:first], len(rows) > first, total


async def rerun_inbound(*, actor: Actor | None, settings: Settings, inbound_id: int) -> InboundMail:
    """Process a FAILED or REFUSED message again, now; no notice goes to the sender."""
    policy.require_admin(actor)
    mail = await InboundMail.get_or_none(id=inbound_id).only("id", "status", "size")
    if mail is None:
        raise NotFound("Inbound mail was not found.", field="id")
    if mail.status not in RERUNNABLE:
        raise Conflict("Only failed or refused mail can be re-run.", field="id")
    reset = await InboundMail.filter(id=inbound_id, status=mail.status).update(
        status=InboundStatus.RECEIVED, processed_at=None
    )
    if not reset:
        raise Conflict("This mail changed meanwhile; reload and try again.", field="id")
    result = await process_inbound(inbound_id, settings=settings, notify=False, final=True)
    assert result is not None
    return result
