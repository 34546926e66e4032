"""Sequential ticket numbers that are never reused, even after a ticket is deleted."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from app.models import TicketSequence


async def next_ticket_number(connection: BaseDBAsyncClient, *, first: int) -> int:
    """Take the next number inside the caller's transaction (``first`` for the very first
    ticket: FIRST_TICKET_NUMBER).

    The increment takes the row lock (PostgreSQL) or the write lock (SQLite) first, so two
    transactions can never read the same value; a rolled-back ticket leaves a gap, as a
    sequence should, rather than a reused number.
    """
    updated = (
        await TicketSequence.filter(id=1)
        .using_db(connection)
        .update(next_number=F("next_number") + 1)
    )
    if not updated:
        await TicketSequence.create(id=1, next_number=first + 1, using_db=connection)
        return first
    row = await TicketSequence.get(id=1, using_db=connection)
    return row.next_number - 1
