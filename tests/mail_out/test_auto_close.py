"""Auto-close with a clock the test moves: who is closed when, what it leaves behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mailout_support import deliver

from app.config import get_settings
from app.events import EventType
from app.models import AuditEntry, Message, MessageSource, Ticket, TicketStatus
from app.services import messages, tickets
from app.services import settings as settings_service
from app.services.directory import update_department
from app.workers.auto_close import auto_close_tickets


async def answered_ticket(world, department=None, subject="VPN down"):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=(department or world.dept_x).id,
        subject=subject,
        body="It is down",
        settings=get_settings(),
    )
    staff = world.staff_y if department is world.dept_y else world.staff_x
    await messages.reply_to_ticket(
        actor=staff.actor, number=opened.ticket.number, body="Fixed", settings=get_settings()
    )
    ticket = await Ticket.get(id=opened.ticket.id)
    assert ticket.status is TicketStatus.ANSWERED
    return ticket


async def status(ticket: Ticket) -> TicketStatus:
    return (await Ticket.get(id=ticket.id)).status


async def test_answered_tickets_close_after_seven_idle_days(
    world, smtp, recorder, job_ctx, frozen_clock
):
    ticket = await answered_ticket(world)
    await recorder.take()

    frozen_clock.advance(timedelta(days=6, hours=23))
    assert await auto_close_tickets({"settings": get_settings()}) == 0
    assert await status(ticket) is TicketStatus.ANSWERED

    frozen_clock.advance(timedelta(hours=1))
    assert await auto_close_tickets({"settings": get_settings()}) == 1
    closed = await Ticket.get(id=ticket.id)
    assert closed.status is TicketStatus.CLOSED
    assert closed.closed_at == frozen_clock.now()

    system = await Message.filter(ticket_id=ticket.id).order_by("-id").first()
    assert system is not None and system.source is MessageSource.SYSTEM
    assert system.author_id is None and not system.internal
    assert "closed automatically after 7 days" in system.body
    audit = await AuditEntry.filter(ticket_id=ticket.id, field="status").order_by("-id").first()
    assert audit is not None and audit.actor_id is None
    assert (audit.old_value, audit.new_value) == ("ANSWERED", "CLOSED")

    [event] = await recorder.take()
    assert event.type is EventType.CLOSED and event.message == system.id and event.actor is None
    assert any('"type":"CLOSED"' in published for published in recorder.published)
    recorder.events.append(event)
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["alice@example.com"]
    assert "closed automatically" in smtp.received[0].part("plain")

    # Running again closes nothing more and mails nobody.
    frozen_clock.advance(timedelta(days=30))
    assert await auto_close_tickets({"settings": get_settings()}) == 0
    assert await recorder.take() == []


async def test_only_answered_tickets_without_activity_are_closed(world, recorder, frozen_clock):
    answered = await answered_ticket(world)
    waiting = await answered_ticket(world, subject="Waiting on us")
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=waiting.number, body="No", settings=get_settings()
    )
    on_hold = await answered_ticket(world, subject="On hold")
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=on_hold.number, status=TicketStatus.ON_HOLD
    )
    recent = await answered_ticket(world, subject="Recent")

    frozen_clock.advance(timedelta(days=5))
    # A fresh reply five days later restarts the count for that ticket.
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=recent.number, body="Ping", settings=get_settings()
    )
    frozen_clock.advance(timedelta(days=3))
    assert await auto_close_tickets({"settings": get_settings()}) == 1
    assert await status(answered) is TicketStatus.CLOSED
    assert await status(waiting) is TicketStatus.CUSTOMER_REPLY
    assert await status(on_hold) is TicketStatus.ON_HOLD
    assert await status(recent) is TicketStatus.ANSWERED


async def test_department_override_and_zero_turns_it_off(world, recorder, frozen_clock):
    support = await answered_ticket(world, world.dept_x)
    billing = await answered_ticket(world, world.dept_y)
    await update_department(
        actor=world.admin.actor, department_id=world.dept_y.id, auto_close_days=2
    )

    frozen_clock.advance(timedelta(days=2, minutes=1))
    assert await auto_close_tickets({"settings": get_settings()}) == 1
    assert await status(billing) is TicketStatus.CLOSED
    assert await status(support) is TicketStatus.ANSWERED

    await update_department(
        actor=world.admin.actor, department_id=world.dept_x.id, auto_close_days=0
    )
    frozen_clock.advance(timedelta(days=60))
    assert await auto_close_tickets({"settings": get_settings()}) == 0
    assert await status(support) is TicketStatus.ANSWERED

    # Back to the global setting, which the admin turns off (0), then sets to 30 days.
    await update_department(
        actor=world.admin.actor, department_id=world.dept_x.id, clear_auto_close=True
    )
    await settings_service.set_auto_close_days(actor=world.admin.actor, days=0)
    assert await auto_close_tickets({"settings": get_settings()}) == 0
    await settings_service.set_auto_close_days(actor=world.admin.actor, days=30)
    assert await auto_close_tickets({"settings": get_settings()}) == 1
    assert await status(support) is TicketStatus.CLOSED


async def test_concurrent_runs_close_each_ticket_once(world, recorder, frozen_clock):
    due = [await answered_ticket(world, subject=f"T{i}") for i in range(5)]
    await recorder.take()
    frozen_clock.advance(timedelta(days=8))
    counts = await asyncio.gather(
        *(auto_close_tickets({"settings": get_settings()}) for _ in range(4))
    )
    assert sum(counts) == 5
    for ticket in due:
        assert await status(ticket) is TicketStatus.CLOSED
        system = Message.filter(ticket_id=ticket.id, source=MessageSource.SYSTEM)
        assert await system.count() == 1
        closes = AuditEntry.filter(ticket_id=ticket.id, field="status", new_value="CLOSED")
        assert await closes.count() == 1
    closed_events = [e for e in await recorder.take() if e.type is EventType.CLOSED]
    assert sorted(e.ticket for e in closed_events) == sorted(t.number for t in due)
