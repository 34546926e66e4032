"""Keeping SLA clocks costs no query for a department without any SLA policy: whether one
exists is read with the ticket's lock, in the same statement and transaction, so a policy an
admin sets (in any process) applies to the very next change. Statements are counted on
Tortoise's statement log, as bench/sql_count.py does."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from app.config import get_settings
from app.models import TicketPriority, TicketStatus
from app.services import messages, tickets
from tests.sla.helpers import calendar_policy, fresh

SLA_TABLES = ("sla_policies", "business_calendars")


class StatementLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(record.getMessage())

    def sla_reads(self) -> list[str]:
        """Statements of their own on the SLA tables (not the lock's subquery)."""
        return [s for s in self.statements if any(f'FROM "{t}"' in s for t in SLA_TABLES)]


@pytest.fixture
def statements() -> Iterator[StatementLog]:
    log = StatementLog()
    logger = logging.getLogger("tortoise.db_client")
    previous = (logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(log)
    yield log
    logger.removeHandler(log)
    logger.setLevel(previous[0])
    logger.propagate = previous[1]


async def test_no_policy_no_sla_query_and_a_new_policy_applies_at_once(
    world, frozen_clock, statements
):
    settings = get_settings()
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer",
        body="Broken",
        settings=settings,
    )
    ticket = opened.ticket
    changes = [
        lambda: tickets.update_ticket(
            actor=world.staff_x.actor, number=ticket.number, status=TicketStatus.IN_PROGRESS
        ),
        lambda: tickets.update_ticket(
            actor=world.staff_x.actor, number=ticket.number, priority=TicketPriority.HIGH
        ),
        lambda: messages.reply_to_ticket(
            actor=world.staff_x.actor, number=ticket.number, body="On it", settings=settings
        ),
        lambda: messages.reply_to_ticket(
            actor=world.client_a.actor, number=ticket.number, body="Thanks", settings=settings
        ),
        lambda: tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number),
    ]
    for change in changes:
        statements.statements.clear()
        await change()
        assert statements.statements, "the statement log records"
        assert statements.sla_reads() == [], statements.sla_reads()

    # A policy for another department changes nothing here either.
    await calendar_policy(world, department=world.dept_y, priority=TicketPriority.HIGH)
    statements.statements.clear()
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, status=TicketStatus.OPEN
    )
    assert statements.sla_reads() == []
    assert (await fresh(ticket)).resolution_due_at is None

    # The admin sets a policy for Support: the very next change reads it and starts the clocks.
    await calendar_policy(world, priority=TicketPriority.HIGH)
    statements.statements.clear()
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, status=TicketStatus.IN_PROGRESS
    )
    assert statements.sla_reads() != []
    row = await fresh(ticket)
    assert row.sla_active and row.resolution_due_at is not None
