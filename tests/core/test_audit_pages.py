"""The audit trail is a connection like the thread: oldest first, a page at a time (at most 100),
however often a ticket changed, and still nothing for a client."""

from __future__ import annotations

from helpers import open_as

from app.models import TicketPriority
from app.services import tickets as ticket_service

TRAIL = """
query($number: Int!, $first: Int, $after: String) { ticket(number: $number) {
  auditTrail(first: $first, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { field oldValue newValue actor { name } } } } } }
"""
CHANGES = 130  # more than the largest page


async def _changed_often(world):  # type: ignore[no-untyped-def]
    ticket = await open_as(world.client_a, world.dept_x)
    for i in range(CHANGES):
        priority = TicketPriority.HIGH if i % 2 == 0 else TicketPriority.MEDIUM
        await ticket_service.update_ticket(
            actor=world.staff_x.actor, number=ticket.number, priority=priority
        )
    return ticket


async def test_a_long_audit_trail_comes_a_page_at_a_time(gql, world):
    ticket = await _changed_often(world)
    first = await gql.data(TRAIL, {"number": ticket.number}, token=world.staff_x.token)
    page = first["ticket"]["auditTrail"]
    assert len(page["edges"]) == 50  # the default page, not the whole trail
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]
    seen = [edge["node"] for edge in page["edges"]]
    after = page["pageInfo"]["endCursor"]
    while after:
        more = await gql.data(
            TRAIL, {"number": ticket.number, "first": 100, "after": after}, token=world.admin.token
        )
        page = more["ticket"]["auditTrail"]
        assert page["pageInfo"]["hasPreviousPage"]
        seen += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(seen) == CHANGES
    # Oldest first, each change once: MEDIUM→HIGH, HIGH→MEDIUM, ...
    assert [(e["oldValue"], e["newValue"]) for e in seen[:2]] == [
        ("MEDIUM", "HIGH"),
        ("HIGH", "MEDIUM"),
    ]
    assert all(e["oldValue"] != seen[i + 1]["oldValue"] for i, e in enumerate(seen[:-1]))
    assert {e["actor"]["name"] for e in seen} == {"Xavier Staff"}


async def test_audit_pages_refuse_what_the_other_lists_refuse(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    await ticket_service.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, priority=TicketPriority.HIGH
    )
    thread = await gql.data(
        "query($n: Int!) { ticket(number: $n) { messages { edges { cursor } } } }",
        {"n": ticket.number},
        token=world.staff_x.token,
    )
    message_cursor = thread["ticket"]["messages"]["edges"][0]["cursor"]
    for variables in ({"first": 101}, {"first": 0}, {"after": "nope"}, {"after": message_cursor}):
        body = await gql(TRAIL, {"number": ticket.number, **variables}, token=world.staff_x.token)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", variables
    # A client sees their ticket and no audit trail, however they page.
    mine = await gql.data(TRAIL, {"number": ticket.number}, token=world.client_a.token)
    assert mine["ticket"]["auditTrail"] == {
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
        "edges": [],
    }
