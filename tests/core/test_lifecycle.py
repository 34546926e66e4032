"""The ticket lifecycle of the spec, through the real GraphQL API."""

from __future__ import annotations

from datetime import timedelta

from helpers import CLOSE, NOTE, REPLY, TICKET, UPDATE, open_as

from app.models import AuditEntry, Ticket, TicketStatus
from app.services import tickets as ticket_service


async def status_of(number: int) -> TicketStatus:
    return (await Ticket.get(number=number)).status


async def test_status_follows_the_conversation(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    assert ticket.status is TicketStatus.OPEN
    n = ticket.number

    await gql.data(REPLY, {"input": {"number": n, "body": "On it"}}, token=world.staff_x.token)
    assert await status_of(n) is TicketStatus.ANSWERED

    await gql.data(REPLY, {"input": {"number": n, "body": "Thanks"}}, token=world.client_a.token)
    assert await status_of(n) is TicketStatus.CUSTOMER_REPLY

    closed = await gql.data(CLOSE, {"number": n}, token=world.staff_x.token)
    assert closed["closeTicket"]["status"] == "CLOSED"
    assert closed["closeTicket"]["closedAt"] is not None

    # A client reply reopens a closed ticket as Customer Reply.
    await gql.data(
        REPLY, {"input": {"number": n, "body": "Back again"}}, token=world.client_a.token
    )
    reopened = await Ticket.get(number=n)
    assert reopened.status is TicketStatus.CUSTOMER_REPLY
    assert reopened.closed_at is None


async def test_answered_cannot_be_set_by_hand(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    data = await gql.data(
        UPDATE,
        {"input": {"number": ticket.number, "status": "ANSWERED"}},
        token=world.admin.token,
    )
    result = data["updateTicket"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "status"
    assert await status_of(ticket.number) is TicketStatus.OPEN
    assert await AuditEntry.filter(ticket_id=ticket.id).count() == 0


async def test_staff_set_in_progress_and_on_hold(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    for status in ("IN_PROGRESS", "ON_HOLD", "OPEN"):
        data = await gql.data(
            UPDATE,
            {"input": {"number": ticket.number, "status": status}},
            token=world.staff_x.token,
        )
        assert data["updateTicket"]["status"] == status


async def test_client_may_close_own_ticket(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    data = await gql.data(CLOSE, {"number": ticket.number}, token=world.client_a.token)
    assert data["closeTicket"]["status"] == "CLOSED"


async def test_internal_note_changes_nothing_the_client_sees(gql, world, frozen_clock):
    ticket = await open_as(world.client_a, world.dept_x)
    before = await gql.data(TICKET, {"number": ticket.number}, token=world.client_a.token)
    frozen_clock.advance(timedelta(hours=1))
    await gql.data(
        NOTE, {"input": {"number": ticket.number, "body": "hush"}}, token=world.staff_x.token
    )
    after = await gql.data(TICKET, {"number": ticket.number}, token=world.client_a.token)
    assert after == before


async def test_last_activity_moves_on_replies_and_changes(gql, world, frozen_clock):
    ticket = await open_as(world.client_a, world.dept_x)
    last = (await Ticket.get(id=ticket.id)).last_activity_at
    steps = [
        (REPLY, {"input": {"number": ticket.number, "body": "a"}}, world.staff_x.token),
        (UPDATE, {"input": {"number": ticket.number, "priority": "URGENT"}}, world.staff_x.token),
        (REPLY, {"input": {"number": ticket.number, "body": "b"}}, world.client_a.token),
        (CLOSE, {"number": ticket.number}, world.staff_x.token),
    ]
    for query, variables, token in steps:
        frozen_clock.advance(timedelta(minutes=5))
        await gql.data(query, variables, token=token)
        now = (await Ticket.get(id=ticket.id)).last_activity_at
        assert now > last
        last = now


async def test_numbers_are_sequential_and_never_reused(world):
    first = await open_as(world.client_a, world.dept_x)
    second = await open_as(world.client_a, world.dept_x)
    assert (first.number, second.number) == (1000, 1001)
    await second.delete()
    third = await open_as(world.client_a, world.dept_x)
    assert third.number == 1002


async def test_assignment_rules_and_audit(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    n = ticket.number
    refused_client = await gql.data(
        UPDATE,
        {"input": {"number": n, "assigneeId": str(world.client_b.id)}},
        token=world.staff_x.token,
    )
    assert refused_client["updateTicket"]["field"] == "assigneeId"
    refused_other_dept = await gql.data(
        UPDATE,
        {"input": {"number": n, "assigneeId": str(world.staff_y.id)}},
        token=world.staff_x.token,
    )
    assert refused_other_dept["updateTicket"]["field"] == "assigneeId"
    assert (await Ticket.get(id=ticket.id)).assignee_id is None

    assigned = await gql.data(
        UPDATE,
        {"input": {"number": n, "assigneeId": str(world.staff_x.id)}},
        token=world.staff_x.token,
    )
    assert assigned["updateTicket"]["assignee"]["name"] == "Xavier Staff"

    # Moving the ticket to a department the assignee cannot access unassigns it.
    moved = await gql.data(
        UPDATE,
        {"input": {"number": n, "departmentId": str(world.dept_y.id)}},
        token=world.admin.token,
    )
    assert moved["updateTicket"]["department"]["id"] == str(world.dept_y.id)
    assert moved["updateTicket"]["assignee"] is None

    trail = await gql.data(TICKET, {"number": n}, token=world.admin.token)
    entries = [
        (e["field"], e["oldValue"], e["newValue"], e["actor"]["name"])
        for e in (edge["node"] for edge in trail["ticket"]["auditTrail"]["edges"])
    ]
    assert entries == [
        ("assignee", None, "Xavier Staff", "Xavier Staff"),
        ("department", "Support", "Billing", "Ada Admin"),
        ("assignee", "Xavier Staff", None, "Ada Admin"),
    ]
    # The staff member of the old department no longer sees it at all.
    gone = await gql.data(TICKET, {"number": n}, token=world.staff_x.token)
    assert gone["ticket"] is None


async def test_unassign_with_explicit_null(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    await ticket_service.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=world.staff_x.id
    )
    data = await gql.data(
        UPDATE,
        {"input": {"number": ticket.number, "assigneeId": None}},
        token=world.staff_x.token,
    )
    assert data["updateTicket"]["assignee"] is None
    kept = await gql.data(
        UPDATE, {"input": {"number": ticket.number, "priority": "LOW"}}, token=world.staff_x.token
    )
    assert kept["updateTicket"]["assignee"] is None


async def test_status_changes_are_audited_with_the_automatic_ones(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": "x"}}, token=world.staff_x.token
    )
    await gql.data(
        UPDATE, {"input": {"number": ticket.number, "status": "ON_HOLD"}}, token=world.staff_x.token
    )
    trail = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_x.token)
    entries = [edge["node"] for edge in trail["ticket"]["auditTrail"]["edges"]]
    assert [(e["field"], e["oldValue"], e["newValue"]) for e in entries] == [
        ("status", "OPEN", "ANSWERED"),
        ("status", "ANSWERED", "ON_HOLD"),
    ]
