"""Bad input: a typed error naming the field, and nothing written."""

from __future__ import annotations

import pytest
from helpers import OPEN_TICKET, REPLY, UPDATE, open_as

from app.models import AuditEntry, Message, Ticket


async def _counts() -> tuple[int, int, int]:
    return await Ticket.all().count(), await Message.all().count(), await AuditEntry.all().count()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 256}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "x" * (100 * 1024 + 1)}, "body"),
        ({"departmentId": "999999"}, "departmentId"),
        ({"departmentId": "not-a-number"}, "departmentId"),
    ],
)
async def test_open_ticket_refusals(gql, world, changes, field):
    before = await _counts()
    payload = {"departmentId": str(world.dept_x.id), "subject": "Subject", "body": "Body"}
    payload.update(changes)
    data = await gql.data(OPEN_TICKET, {"input": payload}, token=world.client_a.token)
    result = data["openTicket"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == field
    assert field in {e["field"] for e in result["fieldErrors"]}
    assert await _counts() == before


async def test_every_wrong_field_is_named(gql, world):
    data = await gql.data(
        OPEN_TICKET,
        {"input": {"departmentId": "424242", "subject": "", "body": ""}},
        token=world.client_a.token,
    )
    fields = {e["field"] for e in data["openTicket"]["fieldErrors"]}
    assert fields == {"departmentId", "subject", "body"}


async def test_subject_of_exactly_255_is_accepted(gql, world):
    data = await gql.data(
        OPEN_TICKET,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "s" * 255, "body": "b"}},
        token=world.client_a.token,
    )
    assert data["openTicket"]["__typename"] == "Ticket"


async def test_reply_refusals(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    before = await _counts()
    empty = await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": " \n "}}, token=world.client_a.token
    )
    assert (empty["replyToTicket"]["code"], empty["replyToTicket"]["field"]) == (
        "VALIDATION_ERROR",
        "body",
    )
    unknown = await gql.data(
        REPLY, {"input": {"number": 424242, "body": "hi"}}, token=world.client_a.token
    )
    assert (unknown["replyToTicket"]["code"], unknown["replyToTicket"]["field"]) == (
        "NOT_FOUND",
        "number",
    )
    assert await _counts() == before


async def test_update_refusals_change_nothing(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    before = await _counts()
    cases = [
        ({"status": "ANSWERED"}, "status"),
        ({"assigneeId": str(world.client_a.id)}, "assigneeId"),
        ({"departmentId": "999999"}, "departmentId"),
        # A valid change alongside a wrong one is not applied either.
        ({"priority": "URGENT", "status": "ANSWERED"}, "status"),
    ]
    for changes, field in cases:
        data = await gql.data(
            UPDATE, {"input": {"number": ticket.number, **changes}}, token=world.staff_x.token
        )
        assert data["updateTicket"]["field"] == field, changes
    unchanged = await Ticket.get(id=ticket.id)
    assert (unchanged.status.value, unchanged.priority.name) == ("open", "MEDIUM")
    assert await _counts() == before


async def test_page_size_is_capped(gql, world):
    body = await gql("{ tickets(first: 101) { totalCount } }", token=world.admin.token)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}


async def test_garbage_cursor_is_a_typed_error(gql, world):
    body = await gql('{ tickets(after: "garbage!") { totalCount } }', token=world.admin.token)
    assert body["errors"][0]["extensions"]["field"] == "after"
