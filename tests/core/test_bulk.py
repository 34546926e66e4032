"""Bulk actions: one change to many tickets, each through the single update's path (locked,
audited, one event each), a typed result per ticket, and tickets the actor may not see
answering NotFound exactly like missing ones."""

from __future__ import annotations

import pytest
from helpers import open_as

from app import events
from app.events import TICKETS_CHANNEL, EventType, TicketEvent
from app.models import AuditEntry, OutboxEvent, Ticket, TicketPriority, TicketStatus, TicketTag
from app.services import bulk, tags

BULK = """mutation($numbers: [Int!], $filter: TicketFilter, $change: BulkChangeInput!) {
  bulkUpdateTickets(numbers: $numbers, filter: $filter, change: $change) {
    number ok
    ticket { number status priority department { name } assignee { name } tags { name } version }
    error { __typename code message field ... on ValidationError { fieldErrors { field message } } }
  } }"""
TICKET = """query($n: Int!) { ticket(number: $n) { status priority assignee { name }
  auditTrail { edges { node { field oldValue newValue actor { name } } } } } }"""


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


async def run(gql, token, change, numbers=None, flt=None) -> list[dict]:
    variables = {"change": change, "numbers": numbers, "filter": flt}
    return (await gql.data(BULK, variables, token=token))["bulkUpdateTickets"]


async def snapshot(*tickets: Ticket) -> list[tuple]:
    rows = [await Ticket.get(id=t.id) for t in tickets]
    return [(r.status, r.priority, r.assignee_id, r.department_id, r.version) for r in rows]


@pytest.fixture
async def three(world):
    """Two of client A's tickets in Support (staff X's), one of client B's in Billing (Y's)."""
    return (
        await open_as(world.client_a, world.dept_x, subject="Printer"),
        await open_as(world.client_a, world.dept_x, subject="Scanner"),
        await open_as(world.client_b, world.dept_y, subject="Invoice"),
    )


async def test_staff_change_their_tickets_and_others_answer_not_found_like_missing(
    gql, world, three
):
    printer, scanner, invoice = three
    tag = await tags.create_tag(actor=world.admin.actor, name="Hardware", color="#123456")
    before_invoice = await snapshot(invoice)
    results = await run(
        gql,
        world.staff_x.token,
        {
            "status": "IN_PROGRESS",
            "priority": "HIGH",
            "assigneeId": str(world.staff_x.id),
            "addTagIds": [str(tag.id)],
        },
        numbers=[printer.number, invoice.number, 99999, scanner.number],
    )
    assert [r["number"] for r in results] == [printer.number, invoice.number, 99999, scanner.number]
    ok = {r["number"]: r for r in results if r["ok"]}
    assert set(ok) == {printer.number, scanner.number}
    for number in (printer.number, scanner.number):
        ticket = ok[number]["ticket"]
        assert (ticket["status"], ticket["priority"]) == ("IN_PROGRESS", "HIGH")
        assert ticket["assignee"] == {"name": "Xavier Staff"}
        assert ticket["tags"] == [{"name": "Hardware"}]
        assert ticket["version"] == 2  # one change, one version
        assert ok[number]["error"] is None
    hidden, missing = results[1], results[2]
    assert hidden["ticket"] is None and missing["ticket"] is None
    assert hidden["error"]["__typename"] == missing["error"]["__typename"] == "NotFound"
    assert hidden["error"]["message"].replace(str(invoice.number), "N") == missing["error"][
        "message"
    ].replace("99999", "N")
    assert (hidden["error"]["code"], hidden["error"]["field"]) == (
        missing["error"]["code"],
        missing["error"]["field"],
    )
    assert await snapshot(invoice) == before_invoice
    assert not await TicketTag.filter(ticket_id=invoice.id).exists()
    trail = await gql.data(TICKET, {"n": printer.number}, token=world.staff_x.token)
    entries = {
        (e["node"]["field"], e["node"]["newValue"], e["node"]["actor"]["name"])
        for e in trail["ticket"]["auditTrail"]["edges"]
    }
    assert entries == {
        ("status", "IN_PROGRESS", "Xavier Staff"),
        ("priority", "HIGH", "Xavier Staff"),
        ("assignee", "Xavier Staff", "Xavier Staff"),
        ("tags", "Hardware", "Xavier Staff"),
    }


async def test_one_event_per_ticket_like_a_single_update(world, three):
    """Each ticket's change writes one UPDATED event (with every field it changed) and, as a
    single update does, ASSIGNED for the new assignee's mail; a ticket not changed, none."""
    printer, scanner, _ = three
    tag = await tags.create_tag(actor=world.admin.actor, name="Hardware", color="#123456")
    await bulk.bulk_update_tickets(
        actor=world.staff_x.actor,
        change=bulk.BulkChange(priority=TicketPriority.LOW),
        numbers=[scanner.number],
    )
    await events.flushed()
    latest = await OutboxEvent.all().order_by("-id").first()
    outcomes = await bulk.bulk_update_tickets(
        actor=world.staff_x.actor,
        change=bulk.BulkChange(
            priority=TicketPriority.LOW, assignee_id=world.staff_x.id, add_tags=(tag.id,)
        ),
        numbers=[printer.number, scanner.number],
    )
    assert [o.error for o in outcomes] == [None, None]
    await events.flushed()
    rows = await OutboxEvent.filter(id__gt=latest.id, channel=TICKETS_CHANNEL).order_by("id")
    written = [TicketEvent.from_json(row.payload) for row in rows]
    assert [(e.ticket, e.type, e.changes, e.internal) for e in written] == [
        (printer.number, EventType.UPDATED, ("priority", "assignee", "tags"), False),
        (printer.number, EventType.ASSIGNED, (), False),
        (scanner.number, EventType.UPDATED, ("assignee", "tags"), False),
        (scanner.number, EventType.ASSIGNED, (), False),
    ]
    # Tags alone: internal, like addTicketTags (clients are not sent it).
    again = await bulk.bulk_update_tickets(
        actor=world.staff_x.actor,
        change=bulk.BulkChange(remove_tags=(tag.id,)),
        numbers=[printer.number],
    )
    assert again[0].error is None
    await events.flushed()
    last = TicketEvent.from_json((await OutboxEvent.all().order_by("-id").first()).payload)
    assert (last.type, last.changes, last.internal) == (EventType.UPDATED, ("tags",), True)


async def test_closing_in_bulk_closes_each_with_a_closed_event(gql, world, three):
    printer, scanner, _ = three
    results = await run(
        gql, world.staff_x.token, {"close": True}, numbers=[printer.number, scanner.number]
    )
    assert [r["ticket"]["status"] for r in results] == ["CLOSED", "CLOSED"]
    for ticket in (printer, scanner):
        row = await Ticket.get(id=ticket.id)
        assert row.status is TicketStatus.CLOSED and row.closed_at is not None
    await events.flushed()
    rows = await OutboxEvent.filter(channel=TICKETS_CHANNEL).order_by("-id").limit(2)
    assert [TicketEvent.from_json(r.payload).type for r in rows] == [EventType.CLOSED] * 2


@pytest.mark.parametrize("persona", ["anonymous", "client_a", "client_b"])
async def test_clients_and_the_anonymous_are_refused_as_a_whole(gql, world, three, persona):
    printer, _, invoice = three
    before = await snapshot(printer, invoice)
    results = await run(
        gql,
        token_of(world, persona),
        {"status": "CLOSED"},
        numbers=[printer.number, invoice.number],
    )
    code = "NOT_AUTHENTICATED" if persona == "anonymous" else "PERMISSION_DENIED"
    assert len(results) == 1
    assert results[0]["number"] is None and results[0]["ok"] is False
    assert (results[0]["error"]["__typename"], results[0]["error"]["code"]) == (
        "PermissionDenied",
        code,
    )
    assert await snapshot(printer, invoice) == before


@pytest.mark.parametrize(
    ("persona", "changed"),
    [("staff_x", {"Printer", "Scanner"}), ("staff_y", {"Invoice"}), ("admin", None)],
)
async def test_each_staff_member_changes_exactly_the_tickets_they_work(
    gql, world, three, persona, changed
):
    names = {t.number: t.subject for t in three}
    results = await run(gql, token_of(world, persona), {"priority": "URGENT"}, numbers=list(names))
    done = {names[r["number"]] for r in results if r["ok"]}
    refused = {names[r["number"]] for r in results if not r["ok"]}
    expected = changed if changed is not None else set(names.values())
    assert done == expected
    assert all(r["error"]["__typename"] == "NotFound" for r in results if not r["ok"])
    assert refused == set(names.values()) - expected
    for ticket in three:
        row = await Ticket.get(id=ticket.id)
        assert (row.priority is TicketPriority.URGENT) == (ticket.subject in expected)


async def test_a_rule_broken_on_one_ticket_leaves_it_alone_and_changes_the_others(
    gql, world, three
):
    """Assigning Xavier (Support) fails where he has no access, as a single update would."""
    printer, _, invoice = three
    results = await run(
        gql,
        world.admin.token,
        {"assigneeId": str(world.staff_x.id), "priority": "HIGH"},
        numbers=[printer.number, invoice.number],
    )
    assert results[0]["ok"] and results[0]["ticket"]["assignee"] == {"name": "Xavier Staff"}
    assert results[1]["error"]["__typename"] == "ValidationError"
    assert results[1]["error"]["field"] == "assigneeId"
    row = await Ticket.get(id=invoice.id)
    assert (row.assignee_id, row.priority, row.version) == (None, TicketPriority.MEDIUM, 1)


async def test_all_matching_a_filter(gql, world, three, monkeypatch):
    printer, scanner, invoice = three
    await run(gql, world.admin.token, {"status": "ON_HOLD"}, numbers=[scanner.number])
    results = await run(
        gql, world.admin.token, {"priority": "LOW"}, flt={"status": ["OPEN"], "search": "printer"}
    )
    assert [r["number"] for r in results] == [printer.number]
    # Staff X's "all matching": only what their list shows.
    results = await run(gql, world.staff_x.token, {"priority": "HIGH"}, flt={})
    assert sorted(r["number"] for r in results) == [printer.number, scanner.number]
    assert (await Ticket.get(id=invoice.id)).priority is TicketPriority.MEDIUM
    # More than the limit match: refused as a whole, nothing changed.
    monkeypatch.setattr(bulk, "MAX_BULK", 2)
    before = await snapshot(*three)
    results = await run(gql, world.admin.token, {"priority": "URGENT"}, flt={})
    assert [r["error"]["field"] for r in results] == ["filter"]
    assert await snapshot(*three) == before


@pytest.mark.parametrize(
    ("change", "numbers", "flt", "field"),
    [
        ({}, [1], None, "change"),
        ({"priority": "LOW"}, [], None, "numbers"),
        ({"priority": "LOW"}, None, None, "numbers"),
        ({"priority": "LOW"}, [1], {}, "numbers"),
        ({"status": "ANSWERED"}, [1], None, "change.status"),
        ({"departmentId": "999999"}, [1], None, "change.departmentId"),
        ({"addTagIds": ["999999"]}, [1], None, "change.tags"),
        ({"close": True, "status": "OPEN"}, [1], None, "change.close"),
        ({"assigneeId": "abc"}, [1], None, "change.assigneeId"),
    ],
)
async def test_bad_requests_are_refused_typed_and_change_nothing(
    gql, world, three, change, numbers, flt, field
):
    numbers = [three[0].number] if numbers == [1] else numbers
    before = await snapshot(*three)
    audit_before = await AuditEntry.all().count()
    results = await run(gql, world.admin.token, change, numbers=numbers, flt=flt)
    assert len(results) == 1 and results[0]["number"] is None
    error = results[0]["error"]
    assert error["__typename"] == "ValidationError", error
    assert field in {e["field"] for e in error["fieldErrors"]}
    assert await snapshot(*three) == before
    assert await AuditEntry.all().count() == audit_before


@pytest.mark.parametrize(
    ("numbers", "flt", "message"),
    [
        (None, None, "Name the tickets, or give a filter."),
        ([1], {}, "Name the tickets, or give a filter, not both."),
    ],
)
async def test_neither_or_both_ways_of_naming_tickets_say_which(
    gql, world, three, numbers, flt, message
):
    numbers = [three[0].number] if numbers == [1] else numbers
    results = await run(gql, world.admin.token, {"priority": "LOW"}, numbers=numbers, flt=flt)
    error = results[0]["error"]
    assert {"field": "numbers", "message": message} in error["fieldErrors"]


async def test_too_many_numbers_are_refused(gql, world, three):
    results = await run(
        gql, world.admin.token, {"priority": "LOW"}, numbers=list(range(1, bulk.MAX_BULK + 2))
    )
    assert results[0]["error"]["field"] == "numbers"
    assert await snapshot(three[0]) == [
        (TicketStatus.OPEN, TicketPriority.MEDIUM, None, world.dept_x.id, 1)
    ]
