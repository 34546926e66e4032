"""No lost updates: every change to a ticket goes through one path that locks its row, and
updateTicket's expectedVersion catches a person working on a stale ticket."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from helpers import NOTE, REPLY, UPDATE, note_as, open_as

from app.config import get_settings
from app.errors import NotFound
from app.models import AuditEntry, Message, Ticket, TicketPriority, TicketStatus
from app.services import messages
from app.services import tickets as ticket_service

TICKET_VERSION = """
query($number: Int!) { ticket(number: $number) { version priority status } }
"""

UPDATE_VERSIONED = """
mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
  __typename ... on Ticket { number priority status version }
  ... on Error { message code field } } }
"""


async def audit_chain(ticket_id: int, field: str = "status") -> list[tuple[str, str]]:
    return [
        (entry.old_value, entry.new_value)
        for entry in await AuditEntry.filter(ticket_id=ticket_id, field=field).order_by("id")
    ]


def assert_chain_consistent(chain: list[tuple[str, str]], first: str) -> None:
    """Each entry's "from" is the previous entry's "to", starting at ``first``."""
    previous = first
    for old, new in chain:
        assert old == previous, chain
        previous = new


# --- the race: close against a client's reply ------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or ""
    return url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres") else None


async def _wait_for_lock_waiters(conn, count: int, deadline_s: float = 20.0) -> None:
    """Until ``count`` sessions of this database wait on a lock (PostgreSQL). ``conn`` is not
    the one holding the lock: inside a transaction pg_stat_activity is a snapshot."""
    deadline = time.monotonic() + deadline_s
    while True:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"only {waiting} of {count} changes reached the lock"
        await asyncio.sleep(0)  # yield to the two changes; the condition above is what we wait on


async def test_close_racing_a_client_reply_ends_as_a_serial_order(world):
    """Fault test 4: 20 rounds of closeTicket racing the client's replyToTicket. On PostgreSQL
    a third connection holds the ticket's row until both changes are waiting on it, then lets
    go, so every round really races. Every final state is one a serial order gives, and the
    audit chain never forks."""
    url = _postgres_url()
    holder = watcher = None
    if url is not None:
        import asyncpg

        holder = await asyncpg.connect(url)
        watcher = await asyncpg.connect(url)
    outcomes: set[str] = set()
    try:
        for round_ in range(20):
            ticket = await open_as(world.client_a, world.dept_x, subject=f"Race {round_}")
            await messages.reply_to_ticket(
                actor=world.staff_x.actor,
                settings=get_settings(),
                number=ticket.number,
                body="Try turning it off and on.",
            )
            body = f"It is still broken ({round_})"
            hold = holder.transaction() if holder is not None else None
            if hold is not None:
                await hold.start()
                await holder.execute("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", ticket.id)
            close = asyncio.create_task(
                ticket_service.close_ticket(actor=world.staff_x.actor, number=ticket.number)
            )
            reply = asyncio.create_task(
                messages.reply_to_ticket(
                    actor=world.client_a.actor,
                    settings=get_settings(),
                    number=ticket.number,
                    body=body,
                )
            )
            if hold is not None:
                await _wait_for_lock_waiters(watcher, 2)
                await hold.rollback()
            await asyncio.gather(close, reply)

            final = await Ticket.get(id=ticket.id)
            chain = await audit_chain(ticket.id)
            assert_chain_consistent(chain, first="OPEN")
            reply_row = await Message.get(ticket_id=ticket.id, body=body)
            assert chain[0] == ("OPEN", "ANSWERED")
            if final.status is TicketStatus.CLOSED:
                # reply, then close: the close saw the client's reply.
                assert chain[1:] == [("ANSWERED", "CUSTOMER_REPLY"), ("CUSTOMER_REPLY", "CLOSED")]
                assert final.closed_at is not None
                outcomes.add("reply first")
            else:
                # close, then the reply reopened it: the reply is in a queue again.
                assert final.status is TicketStatus.CUSTOMER_REPLY
                assert chain[1:] == [("ANSWERED", "CLOSED"), ("CLOSED", "CUSTOMER_REPLY")]
                assert final.closed_at is None
                outcomes.add("close first")
            # Every change made exactly one version: open, staff reply, the two racers.
            assert final.version == 4
            assert reply_row.ticket_version in (3, 4)
    finally:
        for conn in (holder, watcher):
            if conn is not None:
                await conn.close()
    assert outcomes  # the states seen, for the record when run with -s
    print("outcomes:", sorted(outcomes))


async def test_every_change_bumps_the_version_and_audits_it(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    n = ticket.number
    assert (await Ticket.get(id=ticket.id)).version == 1
    await gql.data(REPLY, {"input": {"number": n, "body": "Hi"}}, token=world.staff_x.token)
    await gql.data(NOTE, {"input": {"number": n, "body": "fyi"}}, token=world.staff_x.token)
    await gql.data(UPDATE, {"input": {"number": n, "priority": "HIGH"}}, token=world.staff_x.token)
    row = await Ticket.get(id=ticket.id)
    assert row.version == 4
    assert row.priority is TicketPriority.HIGH
    entries = await AuditEntry.filter(ticket_id=ticket.id).order_by("id")
    assert [(e.field, e.ticket_version) for e in entries] == [("status", 2), ("priority", 4)]
    posted = await Message.filter(ticket_id=ticket.id).order_by("id")
    assert [m.ticket_version for m in posted] == [1, 2, 3]
    # An update that changes nothing is not a change.
    await gql.data(UPDATE, {"input": {"number": n, "priority": "HIGH"}}, token=world.staff_x.token)
    assert (await Ticket.get(id=ticket.id)).version == 4


# --- expectedVersion -------------------------------------------------------------------------


async def test_a_stale_expected_version_is_a_conflict_naming_who_changed_what(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    n = ticket.number
    seen = (await gql.data(TICKET_VERSION, {"number": n}, token=world.staff_x.token))["ticket"]
    assert seen["version"] == 1
    # Meanwhile an admin raises the priority and the client writes again.
    await gql.data(UPDATE, {"input": {"number": n, "priority": "URGENT"}}, token=world.admin.token)
    await gql.data(REPLY, {"input": {"number": n, "body": "?"}}, token=world.client_a.token)
    before = await Ticket.get(id=ticket.id)
    audit_before = await AuditEntry.filter(ticket_id=ticket.id).count()

    data = await gql.data(
        UPDATE_VERSIONED,
        {"input": {"number": n, "priority": "LOW", "status": "ON_HOLD", "expectedVersion": 1}},
        token=world.staff_x.token,
    )
    result = data["updateTicket"]
    assert result["__typename"] == "Conflict"
    assert result["field"] == "expectedVersion"
    assert "Ada Admin changed Priority from Medium to Urgent" in result["message"]
    assert "Alice Client replied" in result["message"]
    assert "not applied" in result["message"]
    after = await Ticket.get(id=ticket.id)
    assert (after.priority, after.status, after.version) == (
        before.priority,
        before.status,
        before.version,
    )
    assert await AuditEntry.filter(ticket_id=ticket.id).count() == audit_before


async def test_a_fresh_expected_version_applies_and_returns_the_next(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    n = ticket.number
    await note_as(world.staff_x, ticket)
    data = await gql.data(
        UPDATE_VERSIONED,
        {"input": {"number": n, "priority": "HIGH", "expectedVersion": 2}},
        token=world.staff_x.token,
    )
    result = data["updateTicket"]
    assert result["__typename"] == "Ticket", result
    assert (result["priority"], result["version"]) == ("HIGH", 3)
    # The same version again is now stale: the note's author is named.
    data = await gql.data(
        UPDATE_VERSIONED,
        {"input": {"number": n, "priority": "LOW", "expectedVersion": 2}},
        token=world.admin.token,
    )
    assert data["updateTicket"]["__typename"] == "Conflict"
    assert "Xavier Staff changed Priority from Medium to High" in data["updateTicket"]["message"]
    assert (await Ticket.get(id=ticket.id)).priority is TicketPriority.HIGH


@pytest.mark.parametrize("version", [0, 99, -1])
async def test_a_version_the_ticket_never_had_is_a_conflict(gql, world, version):
    ticket = await open_as(world.client_a, world.dept_x)
    data = await gql.data(
        UPDATE_VERSIONED,
        {"input": {"number": ticket.number, "priority": "HIGH", "expectedVersion": version}},
        token=world.staff_x.token,
    )
    assert data["updateTicket"]["__typename"] == "Conflict"
    assert "reload" in data["updateTicket"]["message"]
    row = await Ticket.get(id=ticket.id)
    assert (row.priority, row.version) == (TicketPriority.MEDIUM, 1)


async def test_a_stale_version_from_someone_who_may_not_see_the_ticket_is_not_found(gql, world):
    """The conflict names people and changes: only those who may change the ticket get it."""
    ticket = await open_as(world.client_a, world.dept_x)
    await gql.data(
        UPDATE, {"input": {"number": ticket.number, "priority": "URGENT"}}, token=world.admin.token
    )
    for person, typename in ((world.staff_y, "NotFound"), (world.client_a, "PermissionDenied")):
        data = await gql.data(
            UPDATE_VERSIONED,
            {"input": {"number": ticket.number, "priority": "LOW", "expectedVersion": 1}},
            token=person.token,
        )
        assert data["updateTicket"]["__typename"] == typename
        assert "URGENT" not in data["updateTicket"]["message"]
    assert (await Ticket.get(id=ticket.id)).priority is TicketPriority.URGENT


# --- the bulk path -----------------------------------------------------------------------------

UPDATE_USER = """
mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on Error { message code field } } }
"""


async def test_unassigning_a_staff_members_tickets_is_audited_and_versioned(gql, world):
    """Staff who lose a department lose its tickets through the change path: each one audited
    ("from" the staff member, by the admin) with its version bumped; tickets in departments
    they keep stay theirs."""
    await world.staff_x.user.departments.add(world.dept_y)
    lost = await open_as(world.client_a, world.dept_x)
    kept = await open_as(world.client_a, world.dept_y, subject="Invoice")
    for ticket in (lost, kept):
        await ticket_service.update_ticket(
            actor=world.admin.actor, number=ticket.number, assignee_id=world.staff_x.id
        )
    data = await gql.data(
        UPDATE_USER,
        {"input": {"id": str(world.staff_x.id), "departmentIds": [str(world.dept_y.id)]}},
        token=world.admin.token,
    )
    assert data["updateUser"]["__typename"] == "User"
    lost_row, kept_row = await Ticket.get(id=lost.id), await Ticket.get(id=kept.id)
    assert (lost_row.assignee_id, lost_row.version) == (None, 3)
    assert (kept_row.assignee_id, kept_row.version) == (world.staff_x.id, 2)
    assert await audit_chain(lost.id, "assignee") == [
        (None, "Xavier Staff"),
        ("Xavier Staff", None),
    ]
    last = await AuditEntry.filter(ticket_id=lost.id).order_by("-id").first()
    assert last is not None and (last.actor_id, last.ticket_version) == (world.admin.id, 3)


@pytest.mark.skipif(_postgres_url() is None, reason="holds a row lock from a second connection")
async def test_a_ticket_moved_while_waiting_for_the_lock_is_checked_where_it_is_now(world):
    """Staff of Support change a ticket just as an admin moves it to Billing: the change waits
    for the move, then finds the ticket out of its reach, and changes nothing."""
    import asyncpg

    ticket = await open_as(world.client_a, world.dept_x)
    url = _postgres_url()
    holder, watcher = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        move = holder.transaction()
        await move.start()
        await holder.execute(
            "UPDATE tickets SET department_id = $1 WHERE id = $2", world.dept_y.id, ticket.id
        )
        change = asyncio.create_task(
            ticket_service.update_ticket(
                actor=world.staff_x.actor, number=ticket.number, priority=TicketPriority.HIGH
            )
        )
        await _wait_for_lock_waiters(watcher, 1)
        await move.commit()
        with pytest.raises(NotFound):
            await change
    finally:
        await holder.close()
        await watcher.close()
    row = await Ticket.get(id=ticket.id)
    assert (row.priority, row.version) == (TicketPriority.MEDIUM, 1)


# --- what a client can observe ---------------------------------------------------------------

CLIENT_VIEW = """
query($number: Int!) { ticket(number: $number) {
  number status priority version lastActivityAt messages(first: 50) { edges { node { id } } } } }
"""
ADD_TAGS = """
mutation($n: Int!, $ids: [ID!]!) { addTicketTags(number: $n, tagIds: $ids) {
  __typename ... on Error { code message } } }
"""


async def test_only_staff_read_the_version_so_notes_and_tags_stay_invisible_to_clients(gql, world):
    from app.services import tags

    ticket = await open_as(world.client_a, world.dept_x)
    n = ticket.number

    async def view(person) -> dict | None:
        return (await gql.data(CLIENT_VIEW, {"number": n}, token=person.token))["ticket"]

    before = await view(world.client_a)
    assert before is not None and before["version"] is None
    assert await view(world.client_b) is None  # not theirs: not found, as before
    assert await view(world.staff_y) is None  # another department's staff
    assert (await view(world.staff_x))["version"] == 1
    assert (await view(world.admin))["version"] == 1

    await gql.data(NOTE, {"input": {"number": n, "body": "fyi"}}, token=world.staff_x.token)
    tag = await tags.create_tag(actor=world.admin.actor, name="vip", color="#aa0000")
    added = await gql.data(ADD_TAGS, {"n": n, "ids": [str(tag.id)]}, token=world.staff_x.token)
    assert added["addTicketTags"]["__typename"] == "Ticket"
    assert (await view(world.staff_x))["version"] == 3  # staff see both changes
    assert (await view(world.admin))["version"] == 3
    assert await view(world.client_a) == before  # the client sees nothing change
    # A change the client can see is still shown: their own reply.
    await gql.data(REPLY, {"input": {"number": n, "body": "any news?"}}, token=world.client_a.token)
    after = await view(world.client_a)
    assert after["version"] is None and len(after["messages"]["edges"]) == 2
