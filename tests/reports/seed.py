"""A small, exactly known history for the report tests (the numbers the tests expect follow
from it; see the comments)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import AuditEntry, RatingScore, RatingSource, Ticket, TicketRating, TicketStatus

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
END = datetime(2026, 3, 5, tzinfo=UTC)
NOW = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


async def _ticket(world, number, dept, client, created, status, **fields) -> Ticket:
    return await Ticket.create(
        number=number,
        subject=f"Ticket {number}",
        department=dept,
        client=client,
        status=status,
        created_at=created,
        last_activity_at=created,
        **fields,
    )


async def _status(ticket: Ticket, old: str, new: str, when: datetime) -> None:
    await AuditEntry.create(
        ticket=ticket, field="status", old_value=old, new_value=new, created_at=when
    )


async def history(world) -> None:
    """Support (X): t0 before the span (still open); t1 answered in 10 min, closed after a day
    (first response met, resolution breached); t2 answered in an hour (breached), resolution
    pending, moved to In Progress after the span; t3 unassigned, answered in 20 min, closed
    after 12 h; t5 opened after the span. Billing (Y): t4 never answered (breached)."""
    x, y, a, b = world.dept_x, world.dept_y, world.client_a.user, world.client_b.user
    staff_x, staff_y = world.staff_x.user, world.staff_y.user
    closed, open_ = TicketStatus.CLOSED, TicketStatus.OPEN
    await _ticket(world, 100, x, a, at(1, 12), open_)
    t1 = await _ticket(
        world, 101, x, a, at(2, 9), closed, assignee=staff_x,
        first_response_at=at(2, 9, 10), first_response_due_at=at(2, 10),
        closed_at=at(3, 9), resolution_due_at=at(3, 8),
    )  # fmt: skip
    await _status(t1, "OPEN", "ANSWERED", at(2, 9, 10))
    await _status(t1, "ANSWERED", "CLOSED", at(3, 9))
    t2 = await _ticket(
        world, 102, x, b, at(2, 10), TicketStatus.IN_PROGRESS, assignee=staff_x,
        first_response_at=at(2, 11), first_response_due_at=at(2, 10, 30),
        resolution_due_at=at(10, 10),
    )  # fmt: skip
    await _status(t2, "OPEN", "ANSWERED", at(2, 11))
    await _status(t2, "ANSWERED", "IN_PROGRESS", at(6, 8))
    t3 = await _ticket(
        world, 103, x, b, at(3, 12), closed, first_response_at=at(3, 12, 20), closed_at=at(4, 0)
    )
    await _status(t3, "OPEN", "CLOSED", at(4, 0))
    t4 = await _ticket(
        world, 104, y, b, at(4, 15), open_, assignee=staff_y, first_response_due_at=at(4, 16)
    )
    await _ticket(world, 105, x, a, at(6, 9), open_)
    # Ratings: t1 Good on Mar 3; t3 Good and then Bad on Mar 4 (only the current one counts);
    # t4 (Billing) Good on Mar 4; one on Mar 6, after the span.
    good, bad = RatingScore.GOOD, RatingScore.BAD
    await _rating(t1, good, at(3, 10))
    await _rating(t3, good, at(4, 1), current=False)
    await _rating(t3, bad, at(4, 2))
    await _rating(t4, good, at(4, 17))
    await _rating(t2, bad, at(6, 9))


async def _rating(ticket: Ticket, score: RatingScore, when: datetime, current: bool = True) -> None:
    await TicketRating.create(
        ticket=ticket, client_id=ticket.client_id, score=score, source=RatingSource.PORTAL,
        close_entry_id=0, rated_at=when, current=current,
    )  # fmt: skip


async def a_month(world, until: datetime, tickets: int = 240) -> None:
    """March 2026 with a working-hours rhythm (for a picture of the page, not for figures)."""
    import random
    from datetime import timedelta

    rng = random.Random(3)
    statuses = ["OPEN", "ANSWERED", "IN_PROGRESS", "ON_HOLD", "CUSTOMER_REPLY"]
    for i in range(tickets):
        day = 1 + i * 30 // tickets
        created = at(day, rng.choice([7, 8, 8, 9, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 19]))
        created += timedelta(minutes=rng.randrange(60))
        dept = world.dept_x if rng.random() < 0.6 else world.dept_y
        staff = (world.staff_x if dept == world.dept_x else world.staff_y).user
        answered = created + timedelta(minutes=int(rng.expovariate(1 / 90)))
        closed = answered + timedelta(hours=int(rng.expovariate(1 / 20)))
        done = closed < until and rng.random() < 0.8
        ticket = await _ticket(
            world, 1000 + i, dept, world.client_a.user, created,
            TicketStatus.CLOSED if done else TicketStatus[rng.choice(statuses)],
            assignee=staff if rng.random() < 0.8 else None,
            first_response_at=answered, first_response_due_at=created + timedelta(hours=2),
            closed_at=closed if done else None, resolution_due_at=created + timedelta(days=1),
        )  # fmt: skip
        await _status(ticket, "OPEN", "ANSWERED", answered)
        if done:
            await _status(ticket, "ANSWERED", "CLOSED", closed)
            if rng.random() < 0.5:  # half the clients rate, most of them Good
                score = RatingScore.GOOD if rng.random() < 0.8 else RatingScore.BAD
                await _rating(ticket, score, closed + timedelta(minutes=rng.randrange(600)))
        elif ticket.status is not TicketStatus.ANSWERED:
            await _status(ticket, "ANSWERED", ticket.status.name, answered + timedelta(hours=1))
