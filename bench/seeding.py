"""Data shared by the mail benchmarks: N answered tickets, one client each, in one department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class AnsweredTicket:
    ticket: Any
    client: Any
    staff_reply: Any


async def answered_tickets(n: int, *, reply_body: str = "Try this.") -> list[AnsweredTicket]:
    """Tickets #1000.. each with a client question and a staff reply (status Answered)."""
    from app.infra.clock import now
    from app.models import Department, Message, Role, Ticket, TicketStatus, User

    stamp = now()
    department = await Department.create(name="Support", created_at=stamp)
    staff = await User.create(
        name="Sam Staff", email="sam@bench.test", role=Role.STAFF, created_at=stamp
    )
    await staff.departments.add(department)
    rows = []
    for i in range(n):
        client = await User.create(
            name=f"Client {i}", email=f"client{i}@bench.test", role=Role.CLIENT, created_at=stamp
        )
        ticket = await Ticket.create(
            number=1000 + i,
            subject=f"Question {i}",
            department=department,
            client=client,
            status=TicketStatus.ANSWERED,
            created_at=stamp,
            last_activity_at=stamp,
        )
        await Message.create(ticket=ticket, author=client, body="Help, please.", created_at=stamp)
        reply = await Message.create(
            ticket=ticket, author=staff, body=reply_body.format(i=i), created_at=stamp
        )
        rows.append(AnsweredTicket(ticket=ticket, client=client, staff_reply=reply))
    return rows
