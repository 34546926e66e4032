"""Who gets what: {anonymous, client A, client B, staff X, staff Y, admin} x every operation.

Ticket T belongs to client A in department X (Support) and carries an internal note.
"""

from __future__ import annotations

import pytest
from helpers import CLOSE, NOTE, OPEN_TICKET, REPLY, TICKET, UPDATE, note_as, open_as

from app.infra.clock import clock
from app.models import CannedResponse, Message

PERSONAS = ["anonymous", "client_a", "client_b", "staff_x", "staff_y", "admin"]


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


@pytest.fixture
async def ticket(world):
    ticket = await open_as(world.client_a, world.dept_x, body="public question")
    await note_as(world.staff_x, ticket, body="internal: client is a VIP")
    return ticket


VISIBLE = {
    "anonymous": False,
    "client_a": True,
    "client_b": False,
    "staff_x": True,
    "staff_y": False,
    "admin": True,
}


@pytest.mark.parametrize("persona", PERSONAS)
async def test_ticket_by_number(gql, world, ticket, persona):
    data = await gql.data(TICKET, {"number": ticket.number}, token=token_of(world, persona))
    if not VISIBLE[persona]:
        assert data["ticket"] is None
        missing = await gql.data(TICKET, {"number": 99999}, token=token_of(world, persona))
        assert missing == data, "a hidden ticket must look exactly like a missing one"
        return
    bodies = {
        (m["node"]["body"], m["node"]["internal"]) for m in data["ticket"]["messages"]["edges"]
    }
    if persona == "client_a":
        assert bodies == {("public question", False)}
        assert data["ticket"]["auditTrail"]["edges"] == []
    else:
        assert bodies == {("public question", False), ("internal: client is a VIP", True)}


@pytest.mark.parametrize("persona", PERSONAS)
async def test_ticket_list_and_counts(gql, world, ticket, persona):
    await open_as(world.client_b, world.dept_y, subject="Billing question")
    body = await gql(
        "{ tickets { totalCount edges { node { number subject } } } }",
        token=token_of(world, persona),
    )
    if persona == "anonymous":
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
        return
    subjects = sorted(e["node"]["subject"] for e in body["data"]["tickets"]["edges"])
    expected = {
        "client_a": ["Printer on fire"],
        "client_b": ["Billing question"],
        "staff_x": ["Printer on fire"],
        "staff_y": ["Billing question"],
        "admin": ["Billing question", "Printer on fire"],
    }[persona]
    assert subjects == expected
    assert body["data"]["tickets"]["totalCount"] == len(expected)


@pytest.mark.parametrize("persona", PERSONAS)
async def test_department_filter_never_widens_scope(gql, world, ticket, persona):
    if persona == "anonymous":
        return
    query = "query($d: ID) { tickets(filter: {departmentId: $d}) { totalCount } }"
    count = await gql.data(query, {"d": str(world.dept_x.id)}, token=token_of(world, persona))
    assert count["tickets"]["totalCount"] == (1 if VISIBLE[persona] else 0)


OPEN_EXPECT = {
    "anonymous": "NOT_AUTHENTICATED",
    "client_a": "Ticket",
    "client_b": "Ticket",
    "staff_x": "Ticket",
    "staff_y": "VALIDATION_ERROR",  # department X is not theirs
    "admin": "Ticket",
}


@pytest.mark.parametrize("persona", PERSONAS)
async def test_open_ticket(gql, world, persona):
    payload = {"departmentId": str(world.dept_x.id), "subject": "New", "body": "Hello"}
    if persona in ("staff_x", "staff_y", "admin"):
        payload["clientId"] = str(world.client_a.id)
    data = await gql.data(OPEN_TICKET, {"input": payload}, token=token_of(world, persona))
    result = data["openTicket"]
    got = result["__typename"] if result["__typename"] == "Ticket" else result["code"]
    assert got == OPEN_EXPECT[persona]
    if got == "Ticket":
        assert result["client"]["name"] == (
            "Bob Client" if persona == "client_b" else "Alice Client"
        )


WRITE_EXPECT = {
    # persona: (reply, note, update, close)
    "anonymous": ("NOT_AUTHENTICATED",) * 4,
    "client_a": ("Message", "PERMISSION_DENIED", "PERMISSION_DENIED", "Ticket"),
    "client_b": ("NOT_FOUND",) * 4,
    "staff_x": ("Message", "Message", "Ticket", "Ticket"),
    "staff_y": ("NOT_FOUND",) * 4,
    "admin": ("Message", "Message", "Ticket", "Ticket"),
}


def outcome(result: dict) -> str:
    return result["__typename"] if result["__typename"] in ("Message", "Ticket") else result["code"]


@pytest.mark.parametrize("persona", PERSONAS)
async def test_writes(gql, world, ticket, persona):
    token = token_of(world, persona)
    before = await Message.filter(ticket_id=ticket.id).count()
    reply = await gql.data(REPLY, {"input": {"number": ticket.number, "body": "hi"}}, token=token)
    note = await gql.data(NOTE, {"input": {"number": ticket.number, "body": "n"}}, token=token)
    update = await gql.data(
        UPDATE, {"input": {"number": ticket.number, "priority": "HIGH"}}, token=token
    )
    close = await gql.data(CLOSE, {"number": ticket.number}, token=token)
    got = (
        outcome(reply["replyToTicket"]),
        outcome(note["addInternalNote"]),
        outcome(update["updateTicket"]),
        outcome(close["closeTicket"]),
    )
    assert got == WRITE_EXPECT[persona]
    written = sum(1 for g in got[:2] if g == "Message")
    assert await Message.filter(ticket_id=ticket.id).count() == before + written


@pytest.mark.parametrize("persona", PERSONAS)
async def test_canned_responses(gql, world, persona):
    now = clock.now()
    await CannedResponse.create(title="Global", body="hi", created_at=now)
    await CannedResponse.create(
        title="Support only", body="s", department=world.dept_x, created_at=now
    )
    await CannedResponse.create(
        title="Billing only", body="b", department=world.dept_y, created_at=now
    )
    data = await gql.data("{ cannedResponses { title } }", token=token_of(world, persona))
    titles = sorted(c["title"] for c in data["cannedResponses"])
    expected = {
        "anonymous": [],
        "client_a": [],
        "client_b": [],
        "staff_x": ["Global", "Support only"],
        "staff_y": ["Billing only", "Global"],
        "admin": ["Billing only", "Global", "Support only"],
    }[persona]
    assert titles == expected


async def test_staff_cannot_ask_for_another_departments_canned(gql, world):
    query = "query($d: ID) { cannedResponses(departmentId: $d) { title } }"
    await CannedResponse.create(
        title="Billing only", body="b", department=world.dept_y, created_at=clock.now()
    )
    data = await gql.data(query, {"d": str(world.dept_y.id)}, token=world.staff_x.token)
    assert data["cannedResponses"] == []


MOVE_TARGETS = {
    "anonymous": [],
    "client_a": [],
    "client_b": [],
    "staff_x": ["Billing", "Support"],
    "staff_y": ["Billing", "Support"],
    "admin": ["Billing", "Support"],
}


@pytest.mark.parametrize("persona", PERSONAS)
async def test_move_targets_are_every_department_for_staff_only(gql, world, persona):
    body = await gql("{ moveTargets { name email } }", token=token_of(world, persona))
    targets = body["data"]["moveTargets"]
    assert [t["name"] for t in targets] == MOVE_TARGETS[persona]
    if persona != "admin":
        assert all(t["email"] is None for t in targets), "a department's address is admins' only"


async def test_staff_triage_a_ticket_out_of_their_department_and_lose_it(gql, world, ticket):
    moved = await gql.data(
        UPDATE,
        {"input": {"number": ticket.number, "departmentId": str(world.dept_y.id)}},
        token=world.staff_x.token,
    )
    assert moved["updateTicket"]["department"]["id"] == str(world.dept_y.id)
    gone = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_x.token)
    assert gone["ticket"] is None, "moved out of Xavier's department: he no longer sees it"
    now_theirs = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_y.token)
    assert now_theirs["ticket"]["number"] == ticket.number
    # And Xavier cannot move it back: he no longer sees it.
    back = await gql(
        UPDATE,
        {"input": {"number": ticket.number, "departmentId": str(world.dept_x.id)}},
        token=world.staff_x.token,
    )
    assert back["data"]["updateTicket"]["__typename"] == "NotFound"
