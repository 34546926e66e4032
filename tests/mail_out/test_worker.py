"""The whole path with a real arq worker (burst mode) on real Redis: a service emits, the job is
queued, the worker sends through SMTP; retries and the auto-close job by name too."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from arq.jobs import deserialize_job
from mailout_support import run_worker

from app import events
from app.config import get_settings
from app.models import OutboundMail, OutboundStatus, Ticket, TicketStatus
from app.services import messages, tickets
from app.workers.notify import notify_event

QUEUE = "arq:queue"
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


async def test_enqueue_worker_smtp(world, smtp, settings, mail_settings, arq_pool):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="VPN",
        body="Down",
        settings=get_settings(),
    )
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=opened.ticket.number,
        body="Restarted it",
        settings=get_settings(),
    )
    worker = await run_worker(settings, mail_settings)
    assert worker.jobs_complete == 2 and worker.jobs_failed == 0
    assert sorted(smtp.recipients()) == [
        "alice@example.com",
        "alice@example.com",
        "xavier@example.com",
    ]
    # arq delivering the same event again (say, after a lost acknowledgement) sends nothing.
    first_event = events.TicketEvent(
        type=events.EventType.CREATED,
        ticket=opened.ticket.number,
        ticket_id=opened.ticket.id,
        department=world.dept_x.id,
        client=world.client_a.id,
        message=opened.message.id,
        actor=world.client_a.id,
    )
    await arq_pool.enqueue_job("notify_event", first_event.to_json(), _job_id="again")
    await run_worker(settings, mail_settings)
    assert len(smtp.received) == 3


async def test_worker_retries_when_the_smtp_server_comes_back(
    world, smtp, settings, mail_settings, arq_pool, redis
):
    await smtp.stop()
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="VPN",
        body="Down",
        settings=get_settings(),
    )
    await run_worker(settings, mail_settings, max_jobs=1)
    rows = await OutboundMail.all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboundStatus.RETRYING, 1)}
    [(job_id, due_ms)] = await redis.zrange(QUEUE, 0, -1, withscores=True)
    assert job_id.decode().startswith("notify:e")  # the outbox row names the event
    assert 8_000 < due_ms - time.time() * 1000 <= 10_500  # deferred by the first delay, 10 s

    await smtp.start()
    await redis.zadd(QUEUE, {job_id: time.time() * 1000})  # ten seconds pass for the queue
    worker = await run_worker(settings, mail_settings)
    assert worker.jobs_complete == 1
    assert sorted(smtp.recipients()) == ["alice@example.com", "xavier@example.com"]
    rows = await OutboundMail.all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboundStatus.SENT, 2)}
    assert {r.subject for r in rows} == {f"[Ticket #{opened.ticket.number}] VPN"}


async def test_auto_close_by_name_closes_and_the_client_is_mailed(
    world, smtp, settings, mail_settings, arq_pool, frozen_clock
):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="VPN",
        body="Down",
        settings=get_settings(),
    )
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=opened.ticket.number,
        body="Fixed, please check",
        settings=get_settings(),
    )
    await run_worker(settings, mail_settings)
    smtp.received.clear()

    frozen_clock.advance(timedelta(days=7, minutes=1))
    await arq_pool.enqueue_job("auto_close_tickets")
    worker = await run_worker(settings, mail_settings)
    assert worker.jobs_failed == 0
    assert (await Ticket.get(id=opened.ticket.id)).status is TicketStatus.CLOSED
    assert smtp.recipients() == ["alice@example.com"]
    assert "closed automatically after 7 days" in smtp.received[0].part("plain")


async def test_a_retry_beyond_arqs_job_lifetime_becomes_a_new_deferred_job(
    world, smtp, settings, mail_settings, arq_pool, redis
):
    """arq forgets a job a day after it was due; a later try is enqueued as a new job."""
    await smtp.stop()
    await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="VPN",
        body="Down",
        settings=get_settings(),
    )
    await events.flushed()
    [(job_id, _)] = await redis.zrange(QUEUE, 0, -1, withscores=True)
    await redis.delete(QUEUE)  # this test plays the worker itself
    job = deserialize_job(await redis.get(b"arq:job:" + job_id))
    ctx = {
        "settings": mail_settings,
        "redis": arq_pool,
        "job_try": 6,
        "enqueue_time": datetime.now(UTC) - timedelta(hours=23, minutes=30),
    }
    outcome = await notify_event(ctx, *job.args)
    assert outcome.endswith("again in 10s as a new job")

    [(new_id, due_ms)] = await redis.zrange(QUEUE, 0, -1, withscores=True)
    assert new_id != job_id
    assert 8_000 < due_ms - time.time() * 1000 <= 10_500
    assert await redis.pttl(b"arq:job:" + new_id) > timedelta(days=1).total_seconds() * 1000

    await smtp.start()
    await redis.zadd(QUEUE, {new_id: time.time() * 1000})
    await run_worker(settings, mail_settings)
    assert sorted(smtp.recipients()) == ["alice@example.com", "xavier@example.com"]
    rows = await OutboundMail.all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboundStatus.SENT, 2)}
