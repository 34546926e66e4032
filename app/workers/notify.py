"""Notification job: mails one ticket event to everyone it concerns.

arq may run a job twice; each (event, recipient) has a delivery record claimed before sending,
so a second run sends nothing new. Transient SMTP failures run the job again later on
``RETRY_DELAYS`` (arq ``Retry``, or a new deferred job once the wait outlives arq's one-day
job lifetime); rows already sent are skipped then. Permanent failures are recorded as FAILED
with the server's answer, for admins to see.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from arq import ArqRedis, Retry, func
from arq.constants import expires_extra_ms

from app import events
from app.config import Settings, SmtpConfigError, SmtpTarget
from app.events import TicketEvent
from app.infra import metrics
from app.mail.outbound import records
from app.mail.outbound.compose import compose
from app.mail.outbound.content import PlannedMail, plan_for
from app.mail.outbound.send import SendFailure, SmtpPool
from app.models import OutboundMail
from app.workers.queue import NOTIFY_JOB
from app.workers.timeouts import JOB_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

JOB_LIFETIME = timedelta(milliseconds=expires_extra_ms)

MAX_PARALLEL_SENDS = 8
JOB_MAX_TRIES = 2 * records.MAX_ATTEMPTS + 5
"""Above the schedule: a run that finds a row claimed by another run also counts as a try."""


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[SmtpTarget, SmtpPool]] = (
    weakref.WeakKeyDictionary()
)


def smtp_pool(target: SmtpTarget) -> SmtpPool:
    """This process's open connections to ``target``, reused from job to job (arq hands each
    job a copy of its context, so they live here, per event loop)."""
    pools = _POOLS.setdefault(asyncio.get_running_loop(), {})
    if target not in pools:
        pools[target] = SmtpPool(target)
    return pools[target]


async def close_smtp_pools() -> None:
    """Say goodbye to the SMTP servers (for a worker's shutdown, and tests)."""
    pools = _POOLS.pop(asyncio.get_running_loop(), {})
    for pool in pools.values():
        await pool.close()


def _settings(ctx: dict[str, Any]) -> Settings:
    settings = ctx.get("settings")
    assert isinstance(settings, Settings), "the worker's start-up puts the settings in ctx"
    return settings


async def notify_event(ctx: dict[str, Any], event_json: str, rerun: bool = False) -> str:
    """Mail ``event`` to everyone it concerns. ``rerun`` marks a job this job scheduled for
    itself (see ``_try_again``)."""
    try:
        event = TicketEvent.from_json(event_json)
    except (ValueError, TypeError, KeyError) as exc:
        log.error("ignoring a malformed event %r: %s", event_json[:200], exc)
        return "malformed event"
    summary = await _run(ctx, event, rerun)
    await events.handled(event)  # not reached on Retry: the job is still arq's
    return summary


async def _run(ctx: dict[str, Any], event: TicketEvent, rerun: bool) -> str:
    try:
        summary, delay = await _notify(ctx, event, rerun=rerun or ctx.get("job_try") != 1)
    except Exception:
        # The database or Redis had a moment: try again later rather than drop the event.
        tries = int(ctx.get("job_try") or 1)
        delay = records.RETRY_DELAYS[min(tries, len(records.RETRY_DELAYS)) - 1]
        log.exception("notification job failed (try %s); again in %ss", tries, delay)
        return await _try_again(ctx, event, delay, "failed")
    if delay is None:
        return summary
    log.warning(
        "ticket #%s %s: %s; next try in %ss", event.ticket, event.type.value, summary, delay
    )
    return await _try_again(ctx, event, delay, summary)


async def _try_again(ctx: dict[str, Any], event: TicketEvent, delay: float, summary: str) -> str:
    """Run this job again in ``delay`` seconds: arq ``Retry`` while the job is kept that long
    (arq drops a job a day after it was first due); else a new job, deferred, that lives
    long enough."""
    pool: ArqRedis | None = ctx.get("redis")
    enqueued: datetime | None = ctx.get("enqueue_time")
    due = datetime.now(UTC) + timedelta(seconds=delay)
    if pool is None or enqueued is None or due + timedelta(hours=1) < enqueued + JOB_LIFETIME:
        raise Retry(defer=delay)
    await pool.enqueue_job(
        NOTIFY_JOB,
        event.to_json(),
        True,
        _job_id=f"notify:{event.key}:at{int(due.timestamp())}",
        _defer_by=timedelta(seconds=delay),
        _expires=timedelta(seconds=delay) + JOB_LIFETIME,
    )
    return f"{summary}; again in {delay:.0f}s as a new job"


async def _notify(
    ctx: dict[str, Any], event: TicketEvent, *, rerun: bool
) -> tuple[str, float | None]:
    """Send what is due; returns (summary, seconds until the next try or None)."""
    settings = _settings(ctx)
    plan = await plan_for(event, settings)
    if plan.identity is not None and rerun:
        # A rerun: mails planned earlier for someone no longer entitled are not retried.
        await records.retire_unplanned(plan.identity, {m.dedupe_key for m in plan.mails})
    if not plan.mails or plan.ticket is None:
        return "nothing to send", None
    try:
        target: SmtpPool | SmtpConfigError = smtp_pool(SmtpTarget.from_url(settings.smtp))
    except SmtpConfigError as exc:
        target = exc
    gate = asyncio.Semaphore(MAX_PARALLEL_SENDS)
    ticket_id = plan.ticket.id

    async def one(mail: PlannedMail) -> tuple[str, float | None]:
        async with gate:
            return await deliver(mail, ticket_id=ticket_id, target=target, settings=settings)

    results = await asyncio.gather(*(one(mail) for mail in plan.mails), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result  # after every other send finished, so no row is left half-done
    outcomes = [r for r in results if not isinstance(r, BaseException)]
    counts = Counter(outcome for outcome, _ in outcomes)
    delays = [delay for _, delay in outcomes if delay is not None]
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    return summary, min(delays) if delays else None


async def deliver(
    mail: PlannedMail,
    *,
    ticket_id: int,
    target: SmtpPool | SmtpConfigError,
    settings: Settings,
) -> tuple[str, float | None]:
    """Send one planned mail unless it was already; returns (outcome, retry delay or None).

    Once claimed, the mail is sent and its outcome recorded even if the job is cancelled
    meanwhile: the worker cancels its running jobs when Redis goes away
    (``app.workers.serve``), and a cancel between the SMTP server's "250" and the SENT mark
    left the row claimed, so the job's rerun sent the mail again once the lease ran out.
    """
    claimed = await records.claim_new_or_existing(mail, ticket_id=ticket_id)
    if claimed.row is None:
        if claimed.retry_in is not None:
            return "in flight elsewhere", claimed.retry_in
        return "already done", None
    sending = asyncio.ensure_future(
        _send_and_record(mail, claimed.row, target=target, settings=settings)
    )
    _SENDING.add(sending)
    sending.add_done_callback(_sent)
    return await asyncio.shield(sending)


_SENDING: set[asyncio.Future[tuple[str, float | None]]] = set()
"""Sends under way (kept referenced until done, also when their job was cancelled)."""
SEND_WAIT = 15.0
"""How long a worker's shutdown waits for the mails being sent (the SMTP timeout bounds each)."""


async def sends_finished(timeout: float = SEND_WAIT) -> None:  # noqa: ASYNC109
    """Wait (bounded) until the mails being sent are sent and recorded, also those whose job
    was cancelled."""
    loop = asyncio.get_running_loop()
    sending = [s for s in _SENDING if s.get_loop() is loop]
    if sending:
        await asyncio.wait(sending, timeout=timeout)


def _sent(sending: asyncio.Future[tuple[str, float | None]]) -> None:
    _SENDING.discard(sending)
    if not sending.cancelled() and sending.exception() is not None:
        # Its job raised it too, unless the job was cancelled meanwhile (then the row stays
        # claimed, and a rerun takes it after the lease).
        log.debug("a mail's send failed: %r", sending.exception())


async def _send_and_record(
    mail: PlannedMail,
    row: OutboundMail,
    *,
    target: SmtpPool | SmtpConfigError,
    settings: Settings,
) -> tuple[str, float | None]:
    try:
        if isinstance(target, SmtpConfigError):
            raise SendFailure(transient=True, error=f"bad SMTP_URL: {target}")
        try:
            message = compose(mail.notification)
        except (ValueError, TypeError) as exc:
            raise SendFailure(transient=False, error=f"cannot build the mail: {exc}") from exc
        await target.send(
            message,
            sender=settings.sender_address,
            recipients=[mail.notification.recipient_address],
        )
    except SendFailure as failure:
        if failure.transient:
            delay = await records.mark_retry(row, failure.error)
            if delay is not None:
                metrics.MAILS.labels("retrying").inc()
                return "retrying", delay
            log.error("giving up on %s to %s: %s", row.dedupe_key, row.recipient, failure.error)
            metrics.MAILS.labels("failed").inc()
            return "failed", None
        log.error(
            "permanent failure for %s to %s: %s", row.dedupe_key, row.recipient, failure.error
        )
        await records.mark_failed(row, failure.error)
        metrics.MAILS.labels("failed").inc()
        return "failed", None
    await records.mark_sent(row)
    metrics.MAILS.labels("sent").inc()
    return "sent", None


FUNCTIONS: list[Any] = [
    func(notify_event, name=NOTIFY_JOB, max_tries=JOB_MAX_TRIES, timeout=JOB_TIMEOUT_SECONDS),
]
