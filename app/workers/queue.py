"""Enqueueing notification jobs on arq (the outbox relay does, for each ticket event)."""

from __future__ import annotations

from arq.connections import ArqRedis

from app.events import TicketEvent

NOTIFY_JOB = "notify_event"


class ArqJobQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue_event(self, event: TicketEvent) -> None:
        # The job id makes a repeated enqueue of the same event a no-op (arq dedupes by id).
        await self.pool.enqueue_job(NOTIFY_JOB, event.to_json(), _job_id=f"notify:{event.key}")
