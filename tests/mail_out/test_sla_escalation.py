"""SLA escalations with the clock moved and the real job run: what fires when, what it changes,
who is mailed, and that each rule fires once per ticket and clock however many workers run."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mailout_support import deliver

from app.config import get_settings
from app.events import EventType
from app.infra.clock import clock
from app.models import AuditEntry, EscalationFiring, Ticket, TicketPriority, TicketStatus
from app.services import messages, sla_admin, tickets
from app.services.escalation import run_escalations
from app.services.sla import SlaState, state
from app.workers.escalation import escalate_sla
from tests.sla.helpers import MONDAY_9_BERLIN, calendar_policy

MIN = timedelta(minutes=1)


async def rule(world, **values):
    defaults = {"name": "Escalate", "target": "first_response", "at_percent": 75}
    return await sla_admin.create_rule(
        actor=world.admin.actor, rule=sla_admin.RuleInput(**{**defaults, **values})
    )


async def open_assigned(world, subject="Server down"):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject=subject,
        body="Nothing works",
        settings=get_settings(),
    )
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=opened.ticket.number, assignee_id=world.staff_x.id
    )
    return await Ticket.get(id=opened.ticket.id)


async def test_at_75_percent_the_assignee_is_mailed_and_the_priority_raised_once(
    world, smtp, recorder, job_ctx
) -> None:
    await calendar_policy(world)  # MEDIUM: first response in 60 minutes
    await calendar_policy(world, priority=TicketPriority.HIGH, first_response_minutes=60)
    await rule(world, notify_assignee=True, raise_priority=True)
    clock.freeze(MONDAY_9_BERLIN)
    ticket = await open_assigned(world)
    await recorder.take()

    clock.advance(44 * MIN)
    assert await escalate_sla({"settings": get_settings()}) == 0
    clock.advance(1 * MIN)  # 45 of 60 minutes: 75 %
    assert await escalate_sla({"settings": get_settings()}) == 1

    ticket = await Ticket.get(id=ticket.id)
    assert ticket.priority is TicketPriority.HIGH
    assert ticket.assignee_id == world.staff_x.id
    trail = await AuditEntry.filter(ticket_id=ticket.id).order_by("id")
    escalated = [e for e in trail if e.field == "escalation"]
    assert [e.new_value for e in escalated] == ["escalated by SLA: first response at 75 %"]
    raised = [e for e in trail if e.field == "priority"]
    assert [(e.old_value, e.new_value, e.actor_id) for e in raised] == [("MEDIUM", "HIGH", None)]
    events = await recorder.take()
    assert [e.type for e in events] == [EventType.ESCALATED]
    assert events[0].internal and events[0].changes == ("priority",)
    assert any('"type":"ESCALATED"' in published for published in recorder.published)
    recorder.events.extend(events)
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["xavier@example.com"]  # never the client
    assert "escalated by SLA: first response at 75 %" in smtp.received[0].part("plain")

    # Running again, later, fires nothing more and mails nobody.
    clock.advance(5 * MIN)
    assert await escalate_sla({"settings": get_settings()}) == 0
    assert await recorder.take() == []


async def test_at_breach_the_ticket_is_reassigned_and_department_and_admins_hear(
    world, smtp, recorder, job_ctx
) -> None:
    second = await _second_support_staff(world)
    await calendar_policy(world)
    await rule(
        world,
        name="Breach",
        at_percent=100,
        notify_department=True,
        notify_admins=True,
        reassign_to_id=second.id,
    )
    clock.freeze(MONDAY_9_BERLIN)
    ticket = await open_assigned(world)
    await recorder.take()
    clock.advance(59 * MIN)
    assert await run_escalations() == []
    clock.advance(1 * MIN)
    [fired] = await run_escalations()
    assert fired.number == ticket.number and fired.clock == "first_response"
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.assignee_id == second.id
    assert state(ticket) is SlaState.BREACHED
    assert ticket.sla_breached_at == MONDAY_9_BERLIN + 60 * MIN
    events = await recorder.take()
    assert [e.type for e in events] == [EventType.ESCALATED, EventType.ASSIGNED]
    recorder.events.extend(events)
    await deliver(recorder, job_ctx)
    # The department's staff, the admins, and (as new assignee) the second staff member.
    assert sorted(smtp.recipients()) == sorted(
        ["xavier@example.com", second.email, "admin@example.com", second.email]
    )
    assert "alice@example.com" not in smtp.recipients()


async def _second_support_staff(world):
    from app.models import Role
    from tests.conftest import make_person

    person = await make_person("Sam Second", "sam@example.com", Role.STAFF, [world.dept_x])
    return person.user


async def test_a_reply_in_time_or_a_paused_clock_escalates_nothing(world, recorder) -> None:
    await calendar_policy(world)
    await rule(world, notify_assignee=True)
    await rule(world, name="Resolution", target="resolution", at_percent=50, notify_admins=True)
    clock.freeze(MONDAY_9_BERLIN)
    ticket = await open_assigned(world)
    clock.advance(30 * MIN)
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="On it", settings=get_settings()
    )
    # Answered: the resolution clock is paused at 30 of 240 minutes; days pass.
    clock.advance(timedelta(days=3))
    assert await run_escalations() == []
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.ANSWERED


async def test_each_next_response_cycle_escalates_once(world, recorder) -> None:
    await calendar_policy(world)  # next response in 30 minutes
    await rule(world, name="Next", target="next_response", at_percent=100, notify_assignee=True)
    clock.freeze(MONDAY_9_BERLIN)
    ticket = await open_assigned(world)
    for cycle in range(2):
        clock.advance(5 * MIN)
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, number=ticket.number, body="Hi", settings=get_settings()
        )
        clock.advance(5 * MIN)
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=ticket.number, body="Still", settings=get_settings()
        )
        clock.advance(31 * MIN)
        fired = await run_escalations()
        assert [f.clock.split(":")[0] for f in fired] == ["next_response"], cycle
        assert await run_escalations() == []
    assert await EscalationFiring.filter(ticket_id=ticket.id).count() == 2


async def test_several_workers_at_once_fire_each_rule_once(world, recorder) -> None:
    await calendar_policy(world)
    await rule(world, notify_assignee=True, raise_priority=True)
    clock.freeze(MONDAY_9_BERLIN)
    opened = [await open_assigned(world, f"Outage {i}") for i in range(5)]
    clock.advance(50 * MIN)
    runs = await asyncio.gather(*(run_escalations() for _ in range(4)))
    assert sorted(f.number for run in runs for f in run) == sorted(t.number for t in opened)
    assert await EscalationFiring.all().count() == 5
    for ticket in opened:
        fresh = await Ticket.get(id=ticket.id)
        assert fresh.priority is TicketPriority.HIGH  # raised once, not to URGENT
        assert await AuditEntry.filter(ticket_id=ticket.id, field="escalation").count() == 1
    events = [e for e in await recorder.take() if e.type is EventType.ESCALATED]
    assert len(events) == 5
