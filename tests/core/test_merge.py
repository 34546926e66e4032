"""Merging a duplicate into another ticket: the thread joins the target in time order, the
source stays closed under its number with ``mergedInto``, both are audited, and only staff who
work both tickets may merge; tickets of different clients only when confirmed, and then the
target's client sees nothing of the source."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from helpers import REPLY, UPDATE, open_as

from app.config import get_settings
from app.models import AuditEntry, Message, Ticket, TicketStatus
from app.services import messages
from app.services.attachments import BytesFile

MERGE = """mutation($s: Int!, $t: Int!, $d: Boolean! = false) {
  mergeTickets(source: $s, target: $t, differentClients: $d) {
    __typename
    ... on MergedTickets { source { number status mergedInto { number } } target { number } }
    ... on Error { message code field }
    ... on ValidationError { fieldErrors { field message } } } }"""
TICKET = """query($n: Int!) { ticket(number: $n) {
  number status closedAt mergedInto { number subject }
  messages { edges { node { body internal source attachments { filename url } } } }
  auditTrail { edges { node { field oldValue newValue actor { name } } } } } }"""

BULK = """mutation($numbers: [Int!], $change: BulkChangeInput!) {
  bulkUpdateTickets(numbers: $numbers, change: $change) {
    number ok ticket { number status } error { __typename message field } } }"""

PERSONAS = ["anonymous", "client_a", "client_b", "staff_x", "staff_y", "admin"]


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


async def merge(gql, token, source: int, target: int, different: bool = False) -> dict:
    data = await gql.data(MERGE, {"s": source, "t": target, "d": different}, token=token)
    return data["mergeTickets"]


async def bulk(gql, token, change: dict, numbers: list[int]) -> list[dict]:
    data = await gql.data(BULK, {"change": change, "numbers": numbers}, token=token)
    return data["bulkUpdateTickets"]


async def thread(gql, token, number: int) -> list[tuple[str, bool]]:
    data = await gql.data(TICKET, {"n": number}, token=token)
    return [(e["node"]["body"], e["node"]["internal"]) for e in data["ticket"]["messages"]["edges"]]


async def state(*tickets: Ticket) -> list[tuple]:
    rows = [await Ticket.get(id=t.id) for t in tickets]
    counts = [await Message.filter(ticket_id=t.id).count() for t in tickets]
    return [(r.status, r.merged_into_id, r.version, n) for r, n in zip(rows, counts, strict=True)]


@pytest.fixture
async def pair(world, frozen_clock):
    """Client A's ticket (the target) and their duplicate (the source), with replies, a note
    and a file on the source, written alternately so that time order interleaves them."""
    settings = get_settings()
    target = await open_as(world.client_a, world.dept_x, subject="Printer", body="T1 printer")
    frozen_clock.advance(timedelta(minutes=1))
    source = await open_as(world.client_a, world.dept_x, subject="Printer again", body="S1 dup")
    frozen_clock.advance(timedelta(minutes=1))
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, settings=settings, number=target.number, body="T2 staff"
    )
    frozen_clock.advance(timedelta(minutes=1))
    await messages.reply_to_ticket(
        actor=world.client_a.actor,
        settings=settings,
        number=source.number,
        body="S2 photo",
        files=[BytesFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")],
    )
    frozen_clock.advance(timedelta(minutes=1))
    await messages.add_internal_note(
        actor=world.staff_x.actor, settings=settings, number=source.number, body="S3 note"
    )
    frozen_clock.advance(timedelta(minutes=1))
    return source, target


async def test_staff_merge_a_duplicate_and_the_thread_joins_in_time_order(gql, world, pair):
    source, target = pair
    merged = await merge(gql, world.staff_x.token, source.number, target.number)
    assert merged["__typename"] == "MergedTickets", merged
    assert merged["source"] == {
        "number": source.number,
        "status": "CLOSED",
        "mergedInto": {"number": target.number},
    }
    staff_view = await thread(gql, world.staff_x.token, target.number)
    assert staff_view == [
        ("T1 printer", False),
        ("S1 dup", False),
        ("T2 staff", False),
        ("S2 photo", False),
        ("S3 note", True),
        (f"Ticket #{source.number} (Printer again) was merged into this ticket.", True),
    ]
    # The client sees their whole conversation on the target, notes still hidden.
    assert await thread(gql, world.client_a.token, target.number) == [
        ("T1 printer", False),
        ("S1 dup", False),
        ("T2 staff", False),
        ("S2 photo", False),
    ]
    # The source keeps its number: closed, its system message, and where it went.
    seen = (await gql.data(TICKET, {"n": source.number}, token=world.client_a.token))["ticket"]
    assert seen["status"] == "CLOSED" and seen["closedAt"] is not None
    assert seen["mergedInto"] == {"number": target.number, "subject": "Printer"}
    assert [(e["node"]["body"], e["node"]["source"]) for e in seen["messages"]["edges"]] == [
        (f"This ticket was merged into #{target.number}.", "SYSTEM")
    ]
    # The file came along and downloads for the client through the target.
    data = await gql.data(TICKET, {"n": target.number}, token=world.client_a.token)
    [file] = [a for e in data["ticket"]["messages"]["edges"] for a in e["node"]["attachments"]]
    assert file["filename"] == "photo.png"
    async with httpx.AsyncClient() as http:
        mine = await http.get(
            file["url"], headers={"Authorization": f"Bearer {world.client_a.token}"}
        )
        other = await http.get(
            file["url"], headers={"Authorization": f"Bearer {world.client_b.token}"}
        )
    assert mine.status_code == 200 and mine.content.startswith(b"\x89PNG")
    assert other.status_code == 404
    # Audited on both.
    audit = {
        (e.ticket_id, e.field, e.new_value)
        for e in await AuditEntry.filter(ticket_id__in=[source.id, target.id])
    }
    assert (source.id, "merged into", f"#{target.number}") in audit
    assert (source.id, "status", "CLOSED") in audit
    assert (target.id, "merged", f"#{source.number}") in audit


@pytest.mark.parametrize("persona", PERSONAS)
async def test_only_staff_who_work_both_tickets_merge(gql, world, pair, persona):
    source, target = pair
    before = await state(source, target)
    result = await merge(gql, token_of(world, persona), source.number, target.number)
    expected = {
        "anonymous": ("PermissionDenied", "NOT_AUTHENTICATED"),
        "client_a": ("PermissionDenied", "PERMISSION_DENIED"),  # sees both, may not merge
        "client_b": ("NotFound", "NOT_FOUND"),
        "staff_y": ("NotFound", "NOT_FOUND"),
        "staff_x": ("MergedTickets", None),
        "admin": ("MergedTickets", None),
    }[persona]
    assert (result["__typename"], result.get("code")) == expected
    if expected[0] != "MergedTickets":
        assert await state(source, target) == before


async def test_a_ticket_the_actor_cannot_see_answers_not_found_like_a_missing_one(gql, world, pair):
    source, target = pair
    invoice = await open_as(world.client_a, world.dept_y, subject="Invoice")
    before = await state(source, target, invoice)
    hidden_target = await merge(gql, world.staff_x.token, source.number, invoice.number)
    missing_target = await merge(gql, world.staff_x.token, source.number, 987654)
    hidden_source = await merge(gql, world.staff_x.token, invoice.number, target.number)
    for result, field in (
        (hidden_target, "target"),
        (missing_target, "target"),
        (hidden_source, "source"),
    ):
        assert (result["__typename"], result["field"]) == ("NotFound", field)
    assert hidden_target["message"].replace(str(invoice.number), "N") == missing_target[
        "message"
    ].replace("987654", "N")
    assert await state(source, target, invoice) == before


async def test_different_clients_need_the_flag_and_the_target_client_sees_nothing_new(
    gql, world, pair
):
    source, _ = pair  # client A's
    bobs = await open_as(world.client_b, world.dept_x, subject="Bob's printer", body="B1 bob")
    before = await state(source, bobs)
    refused = await merge(gql, world.staff_x.token, source.number, bobs.number)
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "differentClients"
    assert await state(source, bobs) == before
    merged = await merge(gql, world.staff_x.token, source.number, bobs.number, different=True)
    assert merged["__typename"] == "MergedTickets"
    # Bob sees only what he saw before.
    assert await thread(gql, world.client_b.token, bobs.number) == [("B1 bob", False)]
    # Staff read the whole story, the source's messages as internal notes.
    assert await thread(gql, world.staff_x.token, bobs.number) == [
        ("S1 dup", True),
        ("S2 photo", True),
        ("S3 note", True),
        ("B1 bob", False),
        (f"Ticket #{source.number} (Printer again) was merged into this ticket.", True),
    ]
    # Alice keeps her ticket, closed, and learns nothing of Bob's.
    seen = (await gql.data(TICKET, {"n": source.number}, token=world.client_a.token))["ticket"]
    assert seen["mergedInto"] is None and seen["status"] == "CLOSED"
    assert (await gql.data(TICKET, {"n": bobs.number}, token=world.client_a.token))[
        "ticket"
    ] is None
    # Nor can Bob see Alice's file through his ticket.
    [file_message] = await Message.filter(ticket_id=bobs.id, body="S2 photo")
    assert file_message.internal


async def test_refusals_that_change_nothing(gql, world, pair):
    source, target = pair
    itself = await merge(gql, world.staff_x.token, target.number, target.number)
    assert (itself["__typename"], itself["field"]) == ("ValidationError", "target")
    assert (await merge(gql, world.staff_x.token, source.number, target.number))[
        "__typename"
    ] == "MergedTickets"
    before = await state(source, target)
    again = await merge(gql, world.staff_x.token, source.number, target.number)
    assert (again["__typename"], again["field"]) == ("Conflict", "source")
    third = await open_as(world.client_a, world.dept_x, subject="Third")
    into_merged = await merge(gql, world.staff_x.token, third.number, source.number)
    assert (into_merged["__typename"], into_merged["field"]) == ("Conflict", "target")
    assert await state(source, target) == before


async def test_writing_to_a_merged_ticket_is_refused_with_where_to_write(gql, world, pair):
    source, target = pair
    await merge(gql, world.staff_x.token, source.number, target.number)
    replied = await gql.data(
        REPLY,
        {"input": {"number": source.number, "body": "Still broken"}},
        token=world.client_a.token,
    )
    result = replied["replyToTicket"]
    assert (result["__typename"], result["field"]) == ("Conflict", "number")
    row = await Ticket.get(id=source.id)
    assert row.status is TicketStatus.CLOSED  # not reopened
    assert await Message.filter(ticket_id=source.id).count() == 1


async def test_a_merged_ticket_stays_closed(gql, world, pair):
    """Reopening a merged source through updateTicket or a bulk status change answers a
    Conflict naming the target; nothing changes. Other tickets in the bulk still change."""
    source, target = pair
    await merge(gql, world.staff_x.token, source.number, target.number)
    other = await open_as(world.client_a, world.dept_x, subject="Other")
    before = await state(source, target)
    for token in (world.staff_x.token, world.admin.token):
        for status in ("OPEN", "IN_PROGRESS", "ON_HOLD"):
            data = await gql.data(
                UPDATE, {"input": {"number": source.number, "status": status}}, token=token
            )
            result = data["updateTicket"]
            assert (result["__typename"], result["field"]) == ("Conflict", "status"), result
            assert f"merged into #{target.number}" in result["message"]
    outcomes = await bulk(
        gql, world.staff_x.token, {"status": "IN_PROGRESS"}, [source.number, other.number]
    )
    refused, changed = outcomes
    assert refused["ok"] is False and refused["error"]["__typename"] == "Conflict"
    assert f"merged into #{target.number}" in refused["error"]["message"]
    assert changed["ok"] is True and changed["ticket"]["status"] == "IN_PROGRESS"
    assert await state(source, target) == before
    row = await Ticket.get(id=source.id)
    assert (row.status, row.merged_into_id) == (TicketStatus.CLOSED, target.id)
    # Closing it again is no change, and other fields of the source may still be set.
    closed = await gql.data(
        UPDATE, {"input": {"number": source.number, "status": "CLOSED"}}, token=world.staff_x.token
    )
    assert closed["updateTicket"]["__typename"] == "Ticket"
    # Its client, and staff of another department, are refused as before (no status leaks).
    for persona in ("client_a", "staff_y"):
        data = await gql.data(
            UPDATE,
            {"input": {"number": source.number, "status": "OPEN"}},
            token=getattr(world, persona).token,
        )
        assert data["updateTicket"]["__typename"] in ("PermissionDenied", "NotFound"), persona
    assert await state(source, target) == before


async def test_a_client_whose_ticket_went_to_another_clients_is_told_to_open_a_new_one(
    gql, world, pair
):
    source, _ = pair  # client A's
    bobs = await open_as(world.client_b, world.dept_x, subject="Bob's printer", body="B1 bob")
    await merge(gql, world.staff_x.token, source.number, bobs.number, different=True)

    async def reply(token):
        variables = {"input": {"number": source.number, "body": "Still broken"}}
        return (await gql.data(REPLY, variables, token=token))["replyToTicket"]

    alice = await reply(world.client_a.token)
    assert (alice["__typename"], alice["field"]) == ("Conflict", "number")
    assert "open a new ticket" in alice["message"]
    assert "write there" not in alice["message"]
    # Staff, who see the target, are told to write there.
    staff = await reply(world.staff_x.token)
    assert (staff["__typename"], staff["field"]) == ("Conflict", "number")
    assert "write there" in staff["message"]
    assert await Message.filter(ticket_id=source.id, body="Still broken").count() == 0
