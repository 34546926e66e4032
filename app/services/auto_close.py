"""Auto-close: Answered tickets with no activity for N days are closed by the system.

N is the department's ``auto_close_days`` when set, else the global setting (admin-editable,
default from AUTO_CLOSE_DAYS); 0 turns it off. Each ticket is closed in its own transaction on
the one change path, which locks its row and checks again that it is still Answered, still idle
and still in this department, so with several workers running each ticket is closed, messaged
and mailed exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.auth.actor import SYSTEM
from app.events import EventType, event_for
from app.infra.clock import now
from app.models import Department, Ticket, TicketStatus
from app.services import settings, system_messages
from app.services.messages import add_system_message
from app.services.system_messages import SystemText
from app.services.ticket_changes import ticket_changes
from app.services.tickets import set_status

BATCH = 200


@dataclass(frozen=True)
class AutoClosed:
    number: int
    days: int


def closing_message(days: int) -> SystemText:
    """The message left on a ticket closed after ``days`` idle days (in each reader's
    language)."""
    return system_messages.auto_closed(days)


async def close_idle_tickets(*, default_days: int, batch: int = BATCH) -> list[AutoClosed]:
    """Close every ticket that is due now (``default_days``: AUTO_CLOSE_DAYS, for departments
    without their own setting unless admins changed it); returns those this call closed."""
    stamp = now()
    default_days = await settings.auto_close_days(default=default_days)
    closed: list[AutoClosed] = []
    for department in await Department.all().order_by("id"):
        days = department.auto_close_days
        days = default_days if days is None else days
        if days <= 0:
            continue
        cutoff = stamp - timedelta(days=days)
        while True:
            due: list[int] = await (
                Ticket.filter(
                    department_id=department.id,
                    status=TicketStatus.ANSWERED,
                    last_activity_at__lte=cutoff,
                )
                .order_by("last_activity_at", "id")
                .limit(batch)
                .values_list("id", flat=True)  # type: ignore[assignment]
            )
            for ticket_id in due:
                number = await _close_one(ticket_id, department.id, cutoff, stamp, days)
                if number is not None:
                    closed.append(AutoClosed(number=number, days=days))
            if len(due) < batch:
                break
    return closed


async def _close_one(
    ticket_id: int, department_id: int, cutoff: datetime, stamp: datetime, days: int
) -> int | None:
    async with ticket_changes() as ticket_change:
        ticket = await ticket_change.lock(ticket_id)
        if (
            ticket.department_id != department_id
            or ticket.status is not TicketStatus.ANSWERED
            or ticket.last_activity_at > cutoff
        ):
            return None  # replied to, changed, or closed by another worker meanwhile
        await set_status(ticket_change.connection, SYSTEM, ticket, TicketStatus.CLOSED)
        ticket.closed_at = ticket.last_activity_at = stamp
        message = await add_system_message(
            ticket_change.connection, ticket=ticket, text=closing_message(days)
        )
        await ticket_change.save(ticket, "status", "closed_at", "last_activity_at")
        ticket_change.emit(
            event_for(ticket, EventType.CLOSED, message=message.id, actor=None, changes=("status",))
        )
    return ticket.number
