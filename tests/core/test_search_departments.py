"""A search reads messages by the department they belong to (PostgreSQL: a copy of the
ticket's department on each message, kept by the database, so staff's scope applies inside the
index walk). Whatever moves a message's ticket (a move, a merge) moves what finds it, in the
same transaction; staff of several departments find all of theirs; and a word found only in
older messages than the newest ones read one by one is still found."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import UPDATE, open_as
from tortoise import connections

from app.models import Ticket
from app.services import search
from app.services.ticket_list import SortField, TicketFilter, TicketSort, list_tickets

RELEVANCE = TicketSort(field=SortField.RELEVANCE)
MERGE = """mutation($s: Int!, $t: Int!) { mergeTickets(source: $s, target: $t) {
  __typename ... on Error { message } } }"""


async def found(actor, text: str) -> list[int]:
    page = await list_tickets(actor=actor, flt=TicketFilter(search=text), sort=RELEVANCE)
    assert page.total == len(page.tickets)  # the count agrees with what is listed
    return sorted(t.number for t in page.tickets)


async def copies_agree() -> None:
    """PostgreSQL: every message's department is its ticket's (SQLite keeps no copy)."""
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        return
    _, rows = await conn.execute_query(
        "SELECT COUNT(*) AS n FROM messages m JOIN tickets t ON t.id = m.ticket_id "
        "WHERE m.department_id IS DISTINCT FROM t.department_id"
    )
    assert rows[0]["n"] == 0


async def test_a_moved_ticket_is_found_by_its_new_department_only(gql, world):
    ticket = await open_as(world.client_a, world.dept_x, subject="Hello", body="toner smudges")
    assert await found(world.staff_x.actor, "toner") == [ticket.number]
    assert await found(world.staff_y.actor, "toner") == []

    move = {"input": {"number": ticket.number, "departmentId": str(world.dept_y.id)}}
    moved = await gql.data(UPDATE, move, token=world.admin.token)
    assert moved["updateTicket"]["__typename"] == "Ticket"
    await copies_agree()
    assert await found(world.staff_x.actor, "toner") == []
    assert await found(world.staff_y.actor, "toner") == [ticket.number]
    assert await found(world.admin.actor, "toner") == [ticket.number]
    assert await found(world.client_a.actor, "toner") == [ticket.number]
    assert await found(world.client_b.actor, "toner") == []


async def test_merged_messages_are_found_through_the_target_in_its_department(gql, world):
    target = await open_as(world.client_a, world.dept_x, subject="Printer", body="paper jam")
    source = await open_as(world.client_a, world.dept_y, subject="Again", body="duplex broken")
    assert await found(world.staff_y.actor, "duplex") == [source.number]

    merged = await gql.data(
        MERGE, {"s": source.number, "t": target.number}, token=world.admin.token
    )
    assert merged["mergeTickets"]["__typename"] == "MergedTickets"
    await copies_agree()
    # The message now belongs to the target, in department X.
    assert await found(world.staff_x.actor, "duplex") == [target.number]
    assert await found(world.staff_y.actor, "duplex") == []
    assert await found(world.client_a.actor, "duplex") == [target.number]
    assert await found(world.client_b.actor, "duplex") == []


async def test_staff_of_two_departments_find_both_and_a_filter_narrows_to_one(world):
    x = await open_as(world.client_a, world.dept_x, subject="One", body="modem lights")
    y = await open_as(world.client_b, world.dept_y, subject="Two", body="modem cable")
    both = dataclasses.replace(
        world.staff_x.actor, department_ids=frozenset({world.dept_x.id, world.dept_y.id})
    )
    assert await found(both, "modem") == sorted([x.number, y.number])
    only_y = await list_tickets(
        actor=both, flt=TicketFilter(search="modem", department_id=world.dept_y.id), sort=RELEVANCE
    )
    assert [t.number for t in only_y.tickets] == [y.number]
    # A department the searcher is not in finds nothing, even by filter.
    outside = await list_tickets(
        actor=world.staff_x.actor,
        flt=TicketFilter(search="modem", department_id=world.dept_y.id),
        sort=RELEVANCE,
    )
    assert outside.tickets == [] and outside.total == 0
    assert await found(world.admin.actor, "modem") == sorted([x.number, y.number])


async def test_older_matches_than_the_newest_rows_read_one_by_one_are_found(world, monkeypatch):
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the two steps are PostgreSQL's; SQLite's FTS5 reads every match")
    monkeypatch.setattr(search, "RECENT_MESSAGES", 2)
    monkeypatch.setattr(search, "RECENT_SUBJECTS", 2)
    monkeypatch.setattr(search, "CANDIDATES", 3)
    old = await open_as(world.client_a, world.dept_x, subject="Scanner", body="scanner streaks")
    for i in range(4):
        await open_as(world.client_a, world.dept_x, subject=f"Other {i}", body="unrelated words")
    # Only in rows older than the newest two, by message and by subject.
    assert await found(world.staff_x.actor, "streaks") == [old.number]
    assert await found(world.staff_x.actor, "scanner") == [old.number]
    assert await found(world.admin.actor, "streaks") == [old.number]
    # A word in more than the bound: the newest three, with "3+" (a lower bound).
    page = await list_tickets(
        actor=world.staff_x.actor, flt=TicketFilter(search="unrelated"), sort=RELEVANCE
    )
    assert len(page.tickets) == 3 and page.total_capped
