"""Enqueueing notification jobs on arq (the outbox relay does, for each ticket event)."""

from __future__ import annotations

from arq.connections import ArqRedis

from app.events import AccountMail, TicketEvent

NOTIFY_JOB = "notify_event"
ACCOUNT_MAIL_JOB = "account_mail"


class ArqJobQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue_event(self, event: TicketEvent) -> None:
        # The job id makes a repeated enqueue of the same event a no-op (arq dedupes by id); it
        # names the outbox row by its id and when it was written, as ids start again after a
        # database restore while Redis keeps the old rows' results.
        await self.pool.enqueue_job(NOTIFY_JOB, event.to_json(), _job_id=f"notify:{event.key}")

    async def enqueue_account_mail(self, mail: AccountMail) -> None:
        await self.pool.enqueue_job(
            ACCOUNT_MAIL_JOB, mail.to_json(), _job_id=f"account-mail:{mail.key}"
        )
