"""Enqueueing notification jobs on arq (the outbox relay does, for each ticket event).

A job is enqueued as arq's ``enqueue_job`` enqueues it (the same job and queue keys, the same
serialised job, the same expiry; nothing if a job or a result of that id exists), but in one
server-side script: one command and one round trip instead of arq's six commands in three
round trips (``WATCH``, ``EXISTS``, then ``MULTI``/``PSETEX``/``ZADD``/``EXEC``). The script
runs atomically, as arq's watched transaction does."""

from __future__ import annotations

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from app.events import AccountMail, TicketEvent

NOTIFY_JOB = "notify_event"
ACCOUNT_MAIL_JOB = "account_mail"

_ENQUEUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) ~= 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


class ArqJobQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool
        self._enqueue = pool.register_script(_ENQUEUE)

    async def enqueue_event(self, event: TicketEvent) -> None:
        # The job id makes a repeated enqueue of the same event a no-op (arq dedupes by id).
        await self.enqueue(NOTIFY_JOB, event.to_json(), job_id=f"notify:{event.key}")

    async def enqueue_account_mail(self, mail: AccountMail) -> None:
        await self.enqueue(ACCOUNT_MAIL_JOB, mail.to_json(), job_id=f"account-mail:{mail.mail_id}")

    async def enqueue(self, function: str, payload: str, *, job_id: str) -> bool:
        """``function(payload)`` on arq's default queue, to run now; False: a job or a
        result of ``job_id`` exists already (nothing enqueued)."""
        pool = self.pool
        now_ms = timestamp_ms()
        job = serialize_job(function, (payload,), {}, None, now_ms, serializer=pool.job_serializer)
        keys = [job_key_prefix + job_id, result_key_prefix + job_id, pool.default_queue_name]
        added = await self._enqueue(keys=keys, args=[pool.expires_extra_ms, job, now_ms, job_id])
        return bool(added)
