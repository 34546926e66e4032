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

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist
from tortoise.transactions import in_transaction

from app.events import Along, TicketEvent, emit
from app.models import Ticket
from app.services import sla
from app.services.rows import loaded, plan_of


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
        ticket, _ = await self._locked("id", ticket_id)
        if ticket is None:
            raise DoesNotExist(Ticket)
        return ticket

    async def lock_number(
        self, number: int, *, signature_of: int | None = None
    ) -> tuple[Ticket | None, str | None]:
        """As ``lock``, by the ticket's number (None: there is none): for a change that reads
        the ticket only here, the caller asks the policy whether the actor may see it. With
        ``signature_of`` (a user id) that user's signature is read in the same statement
        (stripped; None if empty), for a reply that carries it."""
        return await self._locked("number", number, signature_of=signature_of)

    async def _locked(
        self, column: str, value: int, *, signature_of: int | None = None
    ) -> tuple[Ticket | None, str | None]:
        connection = self.connection
        dialect = connection.capabilities.dialect
        if dialect == "sqlite":
            await connection.execute_query(_noop_update_sql(column), [value])
        signed = signature_of is not None
        params = [signature_of, value] if signed else [value]
        _, rows = await connection.execute_query(_lock_sql(dialect, column, signed), params)
        if not rows:
            return None, None
        (row,) = cast(Sequence[Sequence[Any]], rows)
        _, plan = plan_of(Ticket)
        ticket = loaded(Ticket, plan, row, 0, partial=False)
        ticket.__dict__[sla.POLICY_FLAG] = row[len(plan)]
        sla.remember_policy_flag(ticket)
        ticket.version += 1
        self.tickets[ticket.id] = ticket
        signature = str(row[len(plan) + 1] or "").strip() if signed else ""
        return ticket, signature or None

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
            statement = _update_statement(
                ticket, (*fields, "version"), self.connection.capabilities.dialect
            )
            if self.connection.capabilities.dialect == "sqlite":
                await self.connection.execute_query(statement.sql, statement.values)
            else:
                along = statement
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


def _update_statement(ticket: Ticket, fields: tuple[str, ...], dialect: str) -> Along:
    """The ``UPDATE`` of ``fields`` of the ticket's row (as ``Model.save`` writes them); on
    PostgreSQL for the outbox to send with its ``INSERT``."""
    meta = ticket._meta
    columns = [meta.fields_db_projection[name] for name in fields]
    values: list[object] = [
        meta.fields_map[name].to_db_value(getattr(ticket, name), ticket) for name in fields
    ]
    return Along(_update_sql(dialect, tuple(columns)), [*values, ticket.id])


@functools.lru_cache(maxsize=256)
def _update_sql(dialect: str, columns: tuple[str, ...]) -> str:
    mark = (lambda _: "?") if dialect == "sqlite" else (lambda i: f"${i}")
    assignments = ",".join(f'"{column}"={mark(i)}' for i, column in enumerate(columns, 1))
    return f'UPDATE "tickets" SET {assignments} WHERE "id"={mark(len(columns) + 1)}'


@functools.cache
def _noop_update_sql(column: str) -> str:
    """SQLite: a no-op write to the row takes the database's write lock before the read."""
    return f'UPDATE "tickets" SET "version"="version" WHERE "{column}"=?'


@functools.cache
def _lock_sql(dialect: str, column: str, signature: bool) -> str:
    """Every column of the ticket (as ``plan_of`` lists them), the SLA policy flag and, with
    ``signature``, a user's signature (the first parameter); on PostgreSQL the row locked
    ``FOR UPDATE``."""
    fields, _ = plan_of(Ticket)
    projection = Ticket._meta.fields_db_projection
    selected = [f'"{projection[name]}"' for name in fields] + [sla.FLAG_SQL]
    mark = (lambda _: "?") if dialect == "sqlite" else (lambda i: f"${i}")
    if signature:
        selected.append(f'(SELECT "signature" FROM "users" WHERE "id"={mark(1)})')
    where = f'"{column}"={mark(2 if signature else 1)}'
    lock = "" if dialect == "sqlite" else " FOR UPDATE"
    return f'SELECT {",".join(selected)} FROM "tickets" WHERE {where} LIMIT 1{lock}'
