"""An admin's edit of a policy or of business hours moves the due times of the open tickets it
concerns right away (not at their next change), in batches; closed tickets, other priorities
and other departments keep theirs, and no version moves nor audit entry appears."""

from __future__ import annotations

from datetime import timedelta

from app.config import get_settings
from app.events import EventType, TicketEvent
from app.models import AuditEntry, OutboxEvent, TicketPriority, TicketStatus
from app.services import sla_admin, tickets
from tests.core.helpers import open_as
from tests.sla.helpers import MONDAY_9_BERLIN, at, calendar_policy, fresh, nine_to_five

MIN = timedelta(minutes=1)


async def test_a_policy_edit_moves_the_due_times_of_open_tickets(world, monkeypatch) -> None:
    monkeypatch.setattr(sla_admin, "RECOMPUTE_BATCH", 2, raising=False)  # two batches
    await calendar_policy(world)  # 60 / 30 / 240 minutes, Medium, Support
    await calendar_policy(world, priority=TicketPriority.HIGH)
    await calendar_policy(world, department=world.dept_y)
    start = MONDAY_9_BERLIN
    at(start)
    open_ones = [await open_as(world.client_a, world.dept_x) for _ in range(3)]
    high = (
        await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject="Urgent",
            body="Help",
            priority=TicketPriority.HIGH,
            settings=get_settings(),
        )
    ).ticket
    billing = await open_as(world.client_a, world.dept_y)
    closed = await open_as(world.client_a, world.dept_x)
    await tickets.close_ticket(actor=world.staff_x.actor, number=closed.number)
    untouched = [await fresh(t) for t in (high, billing, closed)]
    versions = [(await fresh(t)).version for t in open_ones]
    audit_before = await AuditEntry.all().count()
    for ticket in open_ones:
        assert (await fresh(ticket)).resolution_due_at == start + 240 * MIN

    at(start + 10 * MIN)
    outbox_before = await OutboxEvent.all().count()
    await calendar_policy(world, first_response_minutes=20, resolution_minutes=120)
    # One internal UPDATED event per recomputed ticket (staff pages refresh; clients hear
    # nothing of it, and nobody is mailed).
    sent = [
        TicketEvent.from_json(row.payload)
        for row in await OutboxEvent.all().order_by("id").offset(outbox_before)
    ]
    assert sorted(e.ticket_id for e in sent) == sorted(t.id for t in open_ones)
    for event in sent:
        assert (event.type, event.changes, event.internal) == (
            EventType.UPDATED,
            ("sla",),
            True,
        )
    for ticket, version in zip(open_ones, versions, strict=True):
        row = await fresh(ticket)
        assert row.first_response_due_at == start + 20 * MIN
        assert row.resolution_due_at == start + 120 * MIN
        assert row.sla_due_key == int((start + 20 * MIN).timestamp())
        assert row.version == version
    for before, after in zip(
        untouched, [await fresh(t) for t in (high, billing, closed)], strict=True
    ):
        assert (before.resolution_due_at, before.first_response_due_at) == (
            after.resolution_due_at,
            after.first_response_due_at,
        )
    assert await AuditEntry.all().count() == audit_before

    # Tightened past the time used: the ticket is breached at once.
    at(start + 30 * MIN)
    await calendar_policy(world, first_response_minutes=15)
    row = await fresh(open_ones[0])
    assert row.sla_breached_at == start + 15 * MIN

    # Business hours for Support (a policy in business hours): due times follow the calendar.
    await calendar_policy(
        world,
        first_response_minutes=60,
        resolution_minutes=240,
        first_response_business=True,
        resolution_business=True,
    )
    at(start + 40 * MIN)
    second = open_ones[1]
    before = (await fresh(second)).resolution_due_at
    await nine_to_five(world)
    after = (await fresh(second)).resolution_due_at
    assert before == after  # Monday 09:00 Berlin: still inside the day, 4 hours on
    await sla_admin.set_business_hours(
        actor=world.admin.actor,
        department_id=world.dept_x.id,
        timezone="Europe/Berlin",
        windows=[sla_admin.Window(weekday=d, opens="09:00", closes="11:00") for d in range(1, 6)],
        holidays=[],
    )
    # Resolution from Monday 09:00 Berlin: 120 minutes that day, the other 120 on Tuesday.
    tuesday_11 = start + timedelta(days=1, hours=2)
    assert (await fresh(second)).resolution_due_at == tuesday_11

    # Deleting the policy ends the open tickets' SLA at once.
    [policy] = [
        p
        for p in await sla_admin.list_policies(actor=world.admin.actor)
        if p.department_id == world.dept_x.id and p.priority == TicketPriority.MEDIUM
    ]
    await sla_admin.delete_policy(actor=world.admin.actor, policy_id=policy.id)
    for ticket in open_ones:
        row = await fresh(ticket)
        assert not row.sla_active and row.resolution_due_at is None
    high_row = await fresh(high)
    assert high_row.sla_active and high_row.status is TicketStatus.OPEN
