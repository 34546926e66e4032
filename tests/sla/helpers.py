"""Set-ups shared by the SLA tests: policies and calendars through the admin services."""

from __future__ import annotations

from datetime import UTC, datetime

from app.infra.clock import clock
from app.models import Ticket, TicketPriority
from app.services import sla_admin
from app.services.sla_admin import PolicyTerms, Window

MONDAY_9_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)


async def calendar_policy(world, department=None, priority=TicketPriority.MEDIUM, **terms):
    """A policy in calendar hours (every minute counts) for ``department`` (Support)."""
    values = {
        "first_response_minutes": 60,
        "next_response_minutes": 30,
        "resolution_minutes": 240,
        "first_response_business": False,
        "next_response_business": False,
        "resolution_business": False,
        **terms,
    }
    return await sla_admin.set_policy(
        actor=world.admin.actor,
        department_id=(department or world.dept_x).id,
        priority=priority,
        terms=PolicyTerms(**values),
    )


async def nine_to_five(world, department=None, holidays=()):
    return await sla_admin.set_business_hours(
        actor=world.admin.actor,
        department_id=(department or world.dept_x).id,
        timezone="Europe/Berlin",
        windows=[Window(weekday=d, opens="09:00", closes="17:00") for d in range(1, 6)],
        holidays=list(holidays),
    )


async def fresh(ticket: Ticket) -> Ticket:
    return await Ticket.get(id=ticket.id)


def at(moment: datetime) -> None:
    clock.freeze(moment)
