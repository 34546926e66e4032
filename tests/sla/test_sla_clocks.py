"""The clock rules, through the services every change takes: what a manager reads off a ticket
after each step of its life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.config import get_settings
from app.infra.clock import clock
from app.models import TicketPriority, TicketStatus
from app.services import messages, tickets
from app.services.sla import SlaState, state
from tests.core.helpers import open_as
from tests.sla.helpers import MONDAY_9_BERLIN, at, calendar_policy, fresh, nine_to_five

MIN = timedelta(minutes=1)


async def reply(person, ticket, body="answer"):
    await messages.reply_to_ticket(
        actor=person.actor, number=ticket.number, body=body, settings=get_settings()
    )


async def test_without_a_policy_a_ticket_has_no_sla(world) -> None:
    at(MONDAY_9_BERLIN)
    ticket = await fresh(await open_as(world.client_a, world.dept_x))
    assert state(ticket) is SlaState.NONE
    assert ticket.first_response_due_at is None and ticket.resolution_due_at is None


async def test_first_response_next_response_and_resolution_clocks(world) -> None:
    await calendar_policy(world)
    start = MONDAY_9_BERLIN
    at(start)
    opened = await open_as(world.client_a, world.dept_x)
    assert opened.first_response_due_at == start + 60 * MIN  # the returned ticket has them
    ticket = await fresh(opened)
    assert ticket.first_response_due_at == start + 60 * MIN
    assert ticket.resolution_due_at == start + 240 * MIN
    assert ticket.next_response_due_at is None
    assert state(ticket) is SlaState.ON_TRACK
    assert state(ticket, start + 44 * MIN) is SlaState.ON_TRACK
    assert state(ticket, start + 45 * MIN) is SlaState.AT_RISK  # 75 % of the first response

    # Staff answer after 50 minutes: the first response is met, the resolution clock pauses
    # (Answered waits on the client) with 50 minutes used.
    at(start + 50 * MIN)
    await reply(world.staff_x, ticket)
    ticket = await fresh(ticket)
    assert ticket.first_response_at == start + 50 * MIN
    assert ticket.resolution_due_at is None and ticket.resolution_used_seconds == 50 * 60
    assert state(ticket) is SlaState.PAUSED

    # The client answers two hours later: the next response is due in 30 minutes and the
    # resolution clock resumes with 190 minutes left.
    back = start + 170 * MIN
    at(back)
    await reply(world.client_a, ticket)
    ticket = await fresh(ticket)
    assert ticket.status is TicketStatus.CUSTOMER_REPLY
    assert ticket.next_response_due_at == back + 30 * MIN
    assert ticket.resolution_due_at == back + 190 * MIN
    assert state(ticket) is SlaState.ON_TRACK

    # Nobody answers for 40 minutes: breached, and it stays so after the late answer.
    at(back + 40 * MIN)
    assert state(await fresh(ticket)) is SlaState.BREACHED
    await reply(world.staff_x, ticket)
    ticket = await fresh(ticket)
    assert ticket.next_response_due_at is None
    assert ticket.sla_breached_at == back + 30 * MIN
    assert state(ticket) is SlaState.BREACHED


async def test_a_ticket_answered_in_time_and_closed_has_met_its_sla(world) -> None:
    await calendar_policy(world)
    at(MONDAY_9_BERLIN)
    ticket = await open_as(world.client_a, world.dept_x)
    clock.advance(10 * MIN)
    await reply(world.staff_x, ticket)
    clock.advance(10 * MIN)
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    ticket = await fresh(ticket)
    assert ticket.resolved_at == MONDAY_9_BERLIN + 20 * MIN
    assert state(ticket, MONDAY_9_BERLIN + timedelta(days=30)) is SlaState.MET


async def test_on_hold_pauses_and_a_reopened_ticket_resumes_its_resolution_clock(world) -> None:
    await calendar_policy(world, first_response_minutes=None, next_response_minutes=None)
    start = MONDAY_9_BERLIN
    at(start)
    ticket = await open_as(world.client_a, world.dept_x)
    at(start + 60 * MIN)
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, status=TicketStatus.ON_HOLD
    )
    ticket = await fresh(ticket)
    assert state(ticket) is SlaState.PAUSED
    assert ticket.resolution_due_at is None
    # A day on hold costs nothing.
    at(start + timedelta(days=1))
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, status=TicketStatus.IN_PROGRESS
    )
    ticket = await fresh(ticket)
    assert ticket.resolution_due_at == start + timedelta(days=1) + 180 * MIN
    # Closed after 30 more minutes, reopened by the client a week later: 150 minutes left.
    at(start + timedelta(days=1) + 30 * MIN)
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    assert state(await fresh(ticket)) is SlaState.MET
    reopened = start + timedelta(days=8)
    at(reopened)
    await reply(world.client_a, ticket, "it broke again")
    ticket = await fresh(ticket)
    assert ticket.status is TicketStatus.CUSTOMER_REPLY and ticket.resolved_at is None
    assert ticket.resolution_due_at == reopened + 150 * MIN
    assert state(ticket) is SlaState.ON_TRACK


async def test_business_hours_and_a_priority_change_move_the_due_times(world) -> None:
    await nine_to_five(world)
    await calendar_policy(
        world,
        first_response_minutes=120,
        first_response_business=True,
        next_response_minutes=None,
        resolution_minutes=None,
    )
    await calendar_policy(
        world,
        priority=TicketPriority.URGENT,
        first_response_minutes=30,
        first_response_business=True,
        next_response_minutes=None,
        resolution_minutes=None,
    )
    friday_evening = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
    at(friday_evening)
    ticket = await fresh(await open_as(world.client_a, world.dept_x))
    monday_11 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert ticket.first_response_due_at == monday_11
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, priority=TicketPriority.URGENT
    )
    ticket = await fresh(ticket)
    assert ticket.first_response_due_at == datetime(2026, 3, 9, 8, 30, tzinfo=UTC)
    # Moving the ticket to a department without a policy ends its SLA.
    await tickets.update_ticket(
        actor=world.admin.actor, number=ticket.number, department_id=world.dept_y.id
    )
    ticket = await fresh(ticket)
    assert state(ticket) is SlaState.NONE and ticket.first_response_due_at is None


async def test_an_internal_note_is_no_response(world) -> None:
    await calendar_policy(world)
    at(MONDAY_9_BERLIN)
    ticket = await open_as(world.client_a, world.dept_x)
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=ticket.number, body="looking", settings=get_settings()
    )
    ticket = await fresh(ticket)
    assert ticket.first_response_at is None
    assert ticket.first_response_due_at == MONDAY_9_BERLIN + 60 * MIN


async def test_closing_a_ticket_nobody_answered_in_time_is_a_breach(world) -> None:
    await calendar_policy(world)
    at(MONDAY_9_BERLIN)
    late = await open_as(world.client_a, world.dept_x, subject="Late")
    on_time = await open_as(world.client_a, world.dept_x, subject="Closed early")
    clock.advance(10 * MIN)
    await tickets.close_ticket(actor=world.staff_x.actor, number=on_time.number)
    clock.advance(80 * MIN)
    await tickets.close_ticket(actor=world.staff_x.actor, number=late.number)
    late = await fresh(late)
    assert late.sla_breached_at == MONDAY_9_BERLIN + 60 * MIN
    assert state(late) is SlaState.BREACHED
    # A change to the one closed in time, after its due time, is no breach.
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=on_time.number, priority=TicketPriority.LOW
    )
    assert state(await fresh(on_time)) is SlaState.NONE  # LOW has no policy
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=on_time.number, priority=TicketPriority.MEDIUM
    )
    on_time = await fresh(on_time)
    assert on_time.sla_breached_at is None and state(on_time) is SlaState.MET
