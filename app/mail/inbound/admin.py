"""Admins list inbound mail by outcome, re-run a failed or refused message, and accept or
reject a held one.

Each action changes the message by a conditional update of its status (and attempt count), so
of two admins acting on one message at once, one gets a Conflict. An accepted message records
who accepted it before it is processed again, so whichever run processes it (this one, or a
worker's) posts it as its claimed sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from app.auth import policy
from app.auth.actor import Actor
from app.config import Settings
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.infra.clock import now
from app.mail.inbound.preview import MailPreview, preview
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
    "rejected",
)


class InboundAction(str, Enum):
    """What an admin may do to an inbound mail; which ones depends on its state."""

    RERUN = "RERUN"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


def actions_for(mail: InboundMail) -> list[InboundAction]:
    """The actions valid for ``mail`` now: re-run for failed or refused mail (not mail an admin
    rejected), accept or reject for held mail, nothing else."""
    if mail.rejected:
        return []
    if mail.status is InboundStatus.HELD:
        return [InboundAction.ACCEPT, InboundAction.REJECT]
    if mail.status in RERUNNABLE:
        return [InboundAction.RERUN]
    return []


CHANGED = N_("This mail changed meanwhile; reload and try again.")
REJECTED = N_("An administrator rejected this mail; it stays refused.")


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


async def read_inbound(*, actor: Actor | None, inbound_id: int) -> MailPreview:
    """What one inbound mail says (sender, subject, date, body as text, attachments), read from
    its raw bytes, so an admin can decide on it."""
    policy.require_admin(actor)
    mail = await InboundMail.get_or_none(id=inbound_id).only("id", "raw_bytes", "sender", "subject")
    if mail is None:
        raise NotFound("Inbound mail was not found.", field="id")
    return preview(bytes(mail.raw_bytes), sender=mail.sender, subject=mail.subject)


async def _get(inbound_id: int, statuses: Sequence[InboundStatus], refusal: str) -> InboundMail:
    mail = await InboundMail.get_or_none(id=inbound_id).only(
        "id", "status", "attempts", "reason", "rejected"
    )
    if mail is None:
        raise NotFound("Inbound mail was not found.", field="id")
    if mail.rejected:
        raise Conflict(REJECTED, field="id")
    if mail.status not in statuses:
        raise Conflict(refusal, field="id")
    return mail


async def _run_again(mail: InboundMail, settings: Settings, **changes: object) -> InboundMail:
    """Back to RECEIVED (with ``changes``) if nobody changed it meanwhile, then process it now;
    no notice goes to the sender."""
    reset = await InboundMail.filter(
        id=mail.id, status=mail.status, attempts=mail.attempts, rejected=False
    ).update(status=InboundStatus.RECEIVED, processed_at=None, **changes)
    if not reset:
        raise Conflict(CHANGED, field="id")
    result = await process_inbound(mail.id, settings=settings, notify=False, final=True)
    assert result is not None
    return result


async def rerun_inbound(*, actor: Actor | None, settings: Settings, inbound_id: int) -> InboundMail:
    """Process a FAILED or REFUSED message again, now; not one an admin rejected."""
    policy.require_admin(actor)
    mail = await _get(inbound_id, RERUNNABLE, "Only failed or refused mail can be re-run.")
    return await _run_again(mail, settings)


async def accept_held(*, actor: Actor | None, settings: Settings, inbound_id: int) -> InboundMail:
    """Post a HELD message as its claimed sender: the admin vouches for its From. The other
    rules still apply (access, a ticket closed too long ago)."""
    admin = policy.require_admin(actor)
    mail = await _get(inbound_id, (InboundStatus.HELD,), "Only held mail can be accepted.")
    return await _run_again(mail, settings, accepted_by_id=admin.user_id)


async def reject_held(*, actor: Actor | None, inbound_id: int) -> InboundMail:
    """Keep a HELD message refused for good (no re-run or accept brings it back); nobody is
    mailed."""
    admin = policy.require_admin(actor)
    mail = await _get(inbound_id, (InboundStatus.HELD,), "Only held mail can be rejected.")
    reason, stamp = f"rejected by {admin.name}: {mail.reason}", now()
    updated = await InboundMail.filter(
        id=mail.id, status=InboundStatus.HELD, attempts=mail.attempts
    ).update(status=InboundStatus.REFUSED, reason=reason, processed_at=stamp, rejected=True)
    if not updated:
        raise Conflict(CHANGED, field="id")
    return await InboundMail.get(id=mail.id).only(*LIST_FIELDS)
