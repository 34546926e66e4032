"""Outbox ids used again (a restored database, ``TRUNCATE ... RESTART IDENTITY``) while Redis
keeps its data: the new rows' jobs are new jobs, their mails go out, and an old row's late
"handled" mark leaves the new row with its id alone. Real Redis, a real arq worker, real SMTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from mailout_support import run_worker
from tortoise import connections

from app import events
from app.config import get_settings
from app.events import TICKETS_CHANNEL, EventType, TicketEvent
from app.models import OutboundMail, OutboundStatus, OutboxEvent
from app.services import account_links, messages, tickets

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


async def restart_outbox_ids() -> None:
    """Empty the outbox and start its ids again from 1, as restoring a backup does (Redis,
    with its job results, is left as it is)."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script('TRUNCATE "outbox" RESTART IDENTITY;')
    else:
        await conn.execute_script(
            "DELETE FROM \"outbox\"; DELETE FROM sqlite_sequence WHERE name = 'outbox';"
        )


async def outbox_ids() -> list[int]:
    return sorted(await OutboxEvent.all().values_list("id", flat=True))  # type: ignore[arg-type]


async def test_notifications_of_rows_with_reused_ids_are_mailed(
    world, smtp, settings, mail_settings, arq_pool, redis
):
    await restart_outbox_ids()
    staff, client = world.staff_x.actor, world.client_a.actor
    opened = await tickets.open_ticket(
        actor=client, department_id=world.dept_x.id, subject="VPN", body="Down",
        settings=get_settings(),
    )  # fmt: skip
    number = opened.ticket.number
    await messages.reply_to_ticket(
        actor=staff, number=number, body="Restarted it", settings=get_settings()
    )
    await tickets.close_ticket(actor=staff, number=number)
    await events.flushed()
    first_ids = await outbox_ids()
    assert first_ids == [1, 2, 3]  # CREATED, MESSAGE_ADDED, CLOSED
    worker = await run_worker(settings, mail_settings)
    assert worker.jobs_complete == 3 and worker.jobs_failed == 0
    mailed_before = len(smtp.received)
    assert mailed_before > 0
    assert await redis.keys("arq:result:*")  # arq keeps the results (an hour)

    await restart_outbox_ids()
    # The client reopens the ticket with a reply (MESSAGE_ADDED, REOPENED); staff close it again.
    await messages.reply_to_ticket(
        actor=client, number=number, body="Down again", settings=get_settings()
    )
    await tickets.close_ticket(actor=staff, number=number)
    await events.flushed()
    assert await outbox_ids() == first_ids  # the same ids as the rows whose jobs ran
    worker = await run_worker(settings, mail_settings)
    assert worker.jobs_complete == 3 and worker.jobs_failed == 0
    new_mails = smtp.received[mailed_before:]
    assert "xavier@example.com" in [a for m in new_mails for a in m.rcpt_tos]  # the reply
    closed = await OutboundMail.filter(
        dedupe_key__startswith=f"CLOSED:t{opened.ticket.id}:", status=OutboundStatus.SENT
    ).count()
    assert closed == 2  # closed twice, mailed twice
    assert await OutboxEvent.filter(handled_at=None).count() == 0
    # Enqueued again (as the relay does for rows whose job did not say it finished): no-ops.
    for row in await OutboxEvent.all():
        await events.sinks.jobs.enqueue_event(sent_as(row))  # type: ignore[union-attr]
    worker = await run_worker(settings, mail_settings)
    assert worker.jobs_complete == 0 and len(smtp.received) == mailed_before + len(new_mails)


async def test_account_mail_of_rows_with_reused_ids_is_mailed(
    world, smtp, settings, mail_settings, arq_pool, redis
):
    await restart_outbox_ids()
    address = world.client_a.user.email
    await account_links.request_password_reset(redis=redis, settings=settings, email=address)
    await events.flushed()
    assert await outbox_ids() == [1]
    await run_worker(settings, mail_settings)
    assert smtp.recipients() == [address]

    await restart_outbox_ids()
    await account_links.request_password_reset(redis=redis, settings=settings, email=address)
    await events.flushed()
    assert await outbox_ids() == [1]
    await run_worker(settings, mail_settings)
    assert smtp.recipients() == [address, address]
    assert await OutboxEvent.filter(handled_at=None).count() == 0


def sent_as(row: OutboxEvent) -> TicketEvent:
    """The event of ``row`` as the relay hands it to the job queue."""
    return replace(
        TicketEvent.from_json(row.payload),
        event_id=row.id,
        event_at=events.row_stamp(row.created_at),
    )


async def write_row(payload: str) -> OutboxEvent:
    return await OutboxEvent.create(
        channel=TICKETS_CHANNEL, payload=payload, notify=True, created_at=datetime.now(UTC)
    )


async def test_a_late_handled_mark_of_an_old_row_leaves_the_new_row_with_its_id(world):
    await restart_outbox_ids()
    payload = TicketEvent(
        type=EventType.UPDATED, ticket=1, ticket_id=1, department=world.dept_x.id,
        client=world.client_a.id, changes=("priority",),
    ).to_json()  # fmt: skip
    old = sent_as(await write_row(payload))
    await restart_outbox_ids()
    new = await write_row(payload)
    assert new.id == old.event_id
    await events.handled(old)  # the old row's job finishes late
    assert (await OutboxEvent.get(id=new.id)).handled_at is None
    await events.handled(sent_as(new))  # its own job does
    assert (await OutboxEvent.get(id=new.id)).handled_at is not None


async def test_a_job_enqueued_before_events_carried_their_stamp_is_marked_by_id(world):
    """Jobs still in Redis from before the upgrade name their row by its id alone."""
    payload = TicketEvent(
        type=EventType.UPDATED, ticket=1, ticket_id=1, department=world.dept_x.id,
        client=world.client_a.id, changes=("priority",),
    ).to_json()  # fmt: skip
    row = await write_row(payload)
    legacy = replace(sent_as(row), event_at=None)
    assert legacy.key == f"e{row.id}"
    await events.handled(legacy)
    assert (await OutboxEvent.get(id=row.id)).handled_at is not None
