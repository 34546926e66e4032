"""Delivery records (OutboundMail): one row per (event, recipient), claimed before sending.

States: PENDING with no attempts (planned), PENDING with attempts and a lease in
``next_attempt_at`` (being sent right now), RETRYING (a transient failure; the next try is at
``next_attempt_at``), SENT and FAILED (final). A worker claims a row by a conditional update
on its attempt count, so two runs of the same job never both send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from app.auth import policy
from app.auth.actor import Actor
from app.infra.clock import now
from app.mail.outbound.content import PlannedMail
from app.models import OutboundMail, OutboundStatus

RETRY_DELAYS: tuple[int, ...] = (10, 60, 300, 1800, 7200, 21600, 43200, 86400, 86400)
"""Seconds to wait after the 1st, 2nd, ... transient failure: 10 s up to a day, ~2.3 days in all."""
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = timedelta(seconds=60)
"""How long a claimed row counts as being sent before another run may take it over: above the
notification job's timeout (``app.workers.timeouts``), which cancels a send that takes longer,
and short, so that the mail of a worker killed mid-send goes out within a minute or two."""
MAX_ERROR_CHARS = 2000
_OPEN = (OutboundStatus.PENDING, OutboundStatus.RETRYING)


@dataclass(frozen=True)
class Claim:
    row: OutboundMail | None  # set when this run may send
    retry_in: float | None = None  # set when another run is sending it now


async def claim_new_or_existing(mail: PlannedMail, *, ticket_id: int) -> Claim:
    """Create the record already claimed by this run (the usual case: one insert), or, when
    it exists (a job run again), claim it if it is still open and nobody is sending it."""
    try:
        row = await OutboundMail.create(
            dedupe_key=mail.dedupe_key,
            ticket_id=ticket_id,
            recipient=mail.notification.recipient_address[:254],
            subject=mail.subject[:300],
            message_id=mail.notification.message_id[:300],
            status=OutboundStatus.PENDING,
            attempts=1,
            created_at=now(),
            next_attempt_at=now() + LEASE,
        )
        return Claim(row=row)
    except IntegrityError:  # the unique dedupe key: this mail was planned before
        existing = await OutboundMail.get(dedupe_key=mail.dedupe_key)
    return await claim(existing)


def _in_flight(row: OutboundMail) -> float | None:
    """Seconds left on another run's claim, or None when the row is free."""
    stamp = now()
    lease_end = row.next_attempt_at
    if (
        row.status is OutboundStatus.PENDING
        and row.attempts > 0
        and lease_end
        and lease_end > stamp
    ):
        return (lease_end - stamp).total_seconds()
    return None


async def claim(row: OutboundMail) -> Claim:
    for _ in range(2):
        if row.status not in _OPEN:
            return Claim(row=None)
        busy = _in_flight(row)
        if busy is not None:
            return Claim(row=None, retry_in=busy)
        attempts = row.attempts + 1
        updated = await OutboundMail.filter(
            id=row.id, attempts=row.attempts, status=row.status
        ).update(status=OutboundStatus.PENDING, attempts=attempts, next_attempt_at=now() + LEASE)
        if updated == 1:
            row.status, row.attempts = OutboundStatus.PENDING, attempts
            return Claim(row=row)
        row = await OutboundMail.get(id=row.id)  # someone else moved it; look again
    return Claim(row=None, retry_in=float(RETRY_DELAYS[0]))


async def mark_sent(row: OutboundMail) -> None:
    await OutboundMail.filter(id=row.id).update(
        status=OutboundStatus.SENT, sent_at=now(), next_attempt_at=None
    )


async def mark_failed(row: OutboundMail, error: str) -> None:
    await OutboundMail.filter(id=row.id).update(
        status=OutboundStatus.FAILED, last_error=error[:MAX_ERROR_CHARS], next_attempt_at=None
    )


async def mark_retry(row: OutboundMail, error: str) -> int | None:
    """Schedule the next try after a transient failure; returns the delay in seconds, or
    None when the schedule is used up (the row is then FAILED)."""
    if row.attempts >= MAX_ATTEMPTS:
        await mark_failed(row, f"gave up after {row.attempts} attempts: {error}")
        return None
    delay = RETRY_DELAYS[max(row.attempts, 1) - 1]
    await OutboundMail.filter(id=row.id).update(
        status=OutboundStatus.RETRYING,
        last_error=error[:MAX_ERROR_CHARS],
        next_attempt_at=now() + timedelta(seconds=delay),
    )
    return delay


async def retire_unplanned(identity: str, planned_keys: set[str]) -> int:
    """Open rows of this event whose recipient is no longer entitled (left the department,
    deactivated, ticket moved) are closed as FAILED instead of being sent on a retry."""
    rows = await OutboundMail.filter(dedupe_key__startswith=f"{identity}:u", status__in=_OPEN)
    stale = [row.id for row in rows if row.dedupe_key not in planned_keys]
    if not stale:
        return 0
    return await OutboundMail.filter(id__in=stale, status__in=_OPEN).update(
        status=OutboundStatus.FAILED,
        last_error="not sent: the recipient may no longer receive this ticket's mail",
        next_attempt_at=None,
    )


async def list_outbound(
    *,
    actor: Actor | None,
    status: OutboundStatus | None = None,
    first: int = 50,
    after_id: int | None = None,
) -> tuple[list[OutboundMail], bool]:
    """Admins only: delivery records, newest first (FAILED ones are the permanent failures);
    the page after the record ``after_id`` (if given) holds older ones. Returns (page,
    has_next)."""
    policy.require_admin(actor)
    query = OutboundMail.all()
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    rows = await query.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first
