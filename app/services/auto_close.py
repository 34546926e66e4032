"""Auto-close: Answered tickets with no activity for N days are closed by the system.

N is the department's ``auto_close_days`` when set, else the global setting (admin-editable,
default from AUTO_CLOSE_DAYS); 0 turns it off. Each ticket is closed by a conditional update
inside its own transaction ("still Answered, still idle, still in this department"), so with
several workers running each ticket is closed, messaged and mailed exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from app.auth.actor import SYSTEM
from app.events import EventType, emit, event_for
from app.infra.clock import now
from app.models import Department, Ticket, TicketStatus
from app.services import audit, settings
from app.services.messages import add_system_message

BATCH = 200


@dataclass(frozen=True)
class AutoClosed:
    number: int
    days: int


def closing_message(days: int) -> str:
    span = "1 day" if days == 1 else f"{days} days"
    return (
        f"This ticket was closed automatically after {span} without a reply. "
        "If you still need help, reply to reopen it."
    )


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
    async with in_transaction() as connection:
        won = await (
            Ticket.filter(
                id=ticket_id,
                department_id=department_id,
                status=TicketStatus.ANSWERED,
                last_activity_at__lte=cutoff,
            )
            .using_db(connection)
            .update(status=TicketStatus.CLOSED, closed_at=stamp, last_activity_at=stamp)
        )
        if won != 1:
            return None  # replied to, changed, or closed by another worker meanwhile
        ticket = await Ticket.filter(id=ticket_id).using_db(connection).get()
        await audit.record(
            connection,
            actor=SYSTEM,
            ticket=ticket,
            field="status",
            old=TicketStatus.ANSWERED,
            new=TicketStatus.CLOSED,
        )
        message = await add_system_message(connection, ticket=ticket, body=closing_message(days))
        await emit(
            connection,
            event_for(
                ticket, EventType.CLOSED, message=message.id, actor=None, changes=("status",)
            ),
        )
    return ticket.number
