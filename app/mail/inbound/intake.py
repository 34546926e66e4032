"""The one way in for every transport: store the raw message, then queue its processing.

A transport acknowledges a message only after ``accept`` returns. ``TemporaryFailure`` means
the database or the queue could not be reached: the transport must make the sender try again
later (SMTP 451, HTTP 503, exit code 75, IMAP leaves the message unflagged). Nothing is lost
when a message was stored but not queued: the sweep job queues it a minute later.
"""

from __future__ import annotations

import logging
from typing import Protocol

from app.config import Settings
from app.mail.inbound.store import Stored, store_message, store_oversize
from app.models import InboundStatus

log = logging.getLogger(__name__)

PROCESS_JOB = "process_inbound_mail"


class TemporaryFailure(Exception):
    """The message could not be stored or queued now; the sender should retry."""


class JobPool(Protocol):
    async def enqueue_job(
        self, function: str, *args: object, _job_id: str | None = None
    ) -> object: ...


def job_id(inbound_id: int) -> str:
    """One queued job per stored message: queueing it again while it waits is a no-op."""
    return f"inbound:{inbound_id}"


async def enqueue(pool: JobPool, inbound_id: int) -> None:
    await pool.enqueue_job(PROCESS_JOB, inbound_id, _job_id=job_id(inbound_id))


async def _queue(pool: JobPool | None, stored: Stored) -> None:
    if pool is None or stored.status is not InboundStatus.RECEIVED:
        return
    try:
        await enqueue(pool, stored.id)
    except Exception as exc:
        raise TemporaryFailure(f"the job queue is unavailable: {exc}") from exc


async def accept(raw: bytes, *, transport: str, pool: JobPool | None, settings: Settings) -> Stored:
    """Store (deduplicated) and queue one raw message."""
    try:
        stored = await store_message(raw, transport=transport, settings=settings)
    except Exception as exc:
        log.exception("could not store inbound mail (%s)", transport)
        raise TemporaryFailure(f"the database is unavailable: {exc}") from exc
    await _queue(pool, stored)
    return stored


async def accept_oversize(
    head: bytes,
    *,
    size: int,
    transport: str,
    settings: Settings,
    envelope_sender: str | None = None,
) -> Stored:
    """Record a message too large to keep (nothing to queue: it is stored as FAILED)."""
    try:
        return await store_oversize(
            head,
            size=size,
            transport=transport,
            settings=settings,
            envelope_sender=envelope_sender,
        )
    except Exception as exc:
        log.exception("could not record over-size inbound mail (%s)", transport)
        raise TemporaryFailure(f"the database is unavailable: {exc}") from exc
