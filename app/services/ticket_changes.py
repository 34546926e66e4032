"""The one path every change to a ticket takes: opening, reply, note, update, close, auto-close
and the unassigning when staff lose a department.

Inside one write transaction each ticket's row is locked before it is read, so concurrent
changes end as some serial order would and every audit entry's "from" is the previous entry's
"to"; only the columns a change sets are written, with the version one higher (each audit entry
and message records the version it made). The events collected are written to the outbox in the
same transaction, so they leave exactly when the change commits (``app.events.outbox``). A
change whose last write is the ticket's own row (a reply, a close) hands that ``UPDATE`` to the
outbox (``save_last``): on PostgreSQL the update and the outbox's ``INSERT`` go as one
statement, so the outbox adds no round trip to the change.

Locking: ``SELECT … FOR UPDATE`` on PostgreSQL. SQLite runs one writer at a time, but Tortoise
starts its transactions with a deferred ``BEGIN``: two processes could both read a ticket and
then one of them fail on its write. A no-op write to the row first takes the database's write
lock before anything is read, as ``BEGIN IMMEDIATE`` would.

Service levels: before the events go to the outbox, every ticket they name has its SLA clocks
brought up to date (``app.services.sla.sync``), from its fields as the change left them and
the replies among the events, so no service can change a ticket and leave its due times stale.
The lock's own read also says whether the ticket's department has any SLA policy (a subquery,
read in the transaction, so never stale): without one, keeping the clocks costs no query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from app.events import Along, TicketEvent, emit
from app.models import Ticket
from app.services import sla


class TicketChanges:
    """One write transaction over tickets; see the module docstring."""

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self.connection = connection
        self.events: list[TicketEvent] = []
        self.tickets: dict[int, Ticket] = {}
        self._last: tuple[Ticket, tuple[str, ...]] | None = None

    async def lock(self, ticket_id: int) -> Ticket:
        """The ticket's row, locked until the commit, its ``version`` already the one this
        change will write (so audit entries and messages can record it)."""
        if self.connection.capabilities.dialect == "sqlite":
            await Ticket.filter(id=ticket_id).using_db(self.connection).update(version=F("version"))
            query = Ticket.filter(id=ticket_id).using_db(self.connection)
        else:
            query = Ticket.select_for_update().filter(id=ticket_id).using_db(self.connection)
        ticket = await sla.with_policy_flag(query).get()
        sla.remember_policy_flag(ticket)
        ticket.version += 1
        self.tickets[ticket.id] = ticket
        return ticket

    def track(self, ticket: Ticket) -> None:
        """A ticket this change created: its SLA fields are set on this object too."""
        self.tickets[ticket.id] = ticket

    async def save(self, ticket: Ticket, *fields: str) -> None:
        """Write ``fields`` (column names, e.g. ``assignee_id``) and the new version."""
        await ticket.save(using_db=self.connection, update_fields=[*fields, "version"])

    def save_last(self, ticket: Ticket, *fields: str) -> None:
        """As ``save``, written as the change ends, with its outbox rows: for the change's last
        write, when nothing after it in the change reads the ticket's row from the database
        (the object in memory already has the new values)."""
        if self._last is not None:
            raise RuntimeError("save_last is for a change's one last write")
        self._last = (ticket, fields)

    async def _finish(self) -> None:
        await sla.sync_change(self.connection, self.tickets, self.events)
        along: Along | None = None
        if self._last is not None:
            ticket, fields = self._last
            if self.connection.capabilities.dialect == "sqlite":
                await self.save(ticket, *fields)
            else:
                along = _update_statement(ticket, (*fields, "version"))
        await emit(self.connection, *self.events, along=along)

    def emit(self, *events: TicketEvent) -> None:
        """Write these to the outbox with the change (nothing, if the transaction fails)."""
        self.events.extend(events)


@asynccontextmanager
async def ticket_changes() -> AsyncIterator[TicketChanges]:
    """A write transaction for ticket changes; its events go to the outbox in it."""
    async with in_transaction() as connection:
        changes = TicketChanges(connection)
        yield changes
        await changes._finish()


def _update_statement(ticket: Ticket, fields: tuple[str, ...]) -> Along:
    """PostgreSQL's ``UPDATE`` of ``fields`` of the ticket's row (as ``Model.save`` writes them),
    for the outbox to send with its ``INSERT``."""
    meta = ticket._meta
    columns = [meta.fields_db_projection[name] for name in fields]
    values: list[object] = [
        meta.fields_map[name].to_db_value(getattr(ticket, name), ticket) for name in fields
    ]
    assignments = ",".join(f'"{column}"=${i}' for i, column in enumerate(columns, 1))
    sql = f'UPDATE "{meta.db_table}" SET {assignments} WHERE "id"=${len(columns) + 1}'
    return Along(sql, [*values, ticket.id])
