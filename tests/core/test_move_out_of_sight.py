"""A change that moves a ticket out of the actor's departments answers the ticket as the policy
now gives it to them: what they changed (number, department, status), and none of its content —
no messages, audit trail, CCs, followers, tags, SLA times, version or client context. A single
``updateTicket`` and a ``bulkUpdateTickets`` answer alike."""

from __future__ import annotations

from app.services import messages
from app.services import tags as tag_service
from tests.core.helpers import open_as

FIELDS = """number status version department { name }
  messages { edges { node { body } } } auditTrail { edges { node { field } } }
  ccs followers { name } following tags { name } slaDueAt draft { body }
  clientTickets { total } rating { score }"""
SINGLE = (
    "mutation($n: Int!, $d: ID) { updateTicket(input: {number: $n, departmentId: $d}) "
    "{ __typename ... on Ticket { " + FIELDS + " } } }"
)
BULK = (
    "mutation($n: Int!, $d: ID) { bulkUpdateTickets(numbers: [$n], change: {departmentId: $d}) "
    "{ number ok error { code } ticket { " + FIELDS + " } } }"
)
SEEN = "query($n: Int!) { ticket(number: $n) { " + FIELDS + " } }"

NOTHING_OF_IT = {
    "version": None,
    "messages": {"edges": []},
    "auditTrail": {"edges": []},
    "ccs": [],
    "followers": [],
    "following": False,
    "tags": [],
    "slaDueAt": None,
    "draft": None,
    "clientTickets": None,
    "rating": None,
}


async def _busy_ticket(world, settings):  # type: ignore[no-untyped-def]
    """A ticket of Xavier's department with a secret in every part of it."""
    ticket = await open_as(world.client_a, world.dept_x, body="secret body")
    await open_as(world.client_a, world.dept_x, subject="Another of Alice's")
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=ticket.number, body="secret note", settings=settings
    )
    tag = (await tag_service.list_tags(actor=world.admin.actor) or [None])[0]
    if tag is None:
        tag = await tag_service.create_tag(actor=world.admin.actor, name="vip", color="#ff0000")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=ticket.number, add=[tag.id]
    )
    return ticket


async def test_a_single_and_a_bulk_move_out_of_sight_answer_alike_and_show_nothing(
    gql, world, settings
):  # type: ignore[no-untyped-def]
    answers = []
    for query, path in ((SINGLE, "updateTicket"), (BULK, "bulkUpdateTickets")):
        ticket = await _busy_ticket(world, settings)
        token, n = world.staff_x.token, ticket.number
        # Before: Xavier sees all of it.
        seen = (await gql.data(SEEN, {"n": n}, token=token))["ticket"]
        assert seen["messages"]["edges"] and seen["tags"] and seen["version"]
        assert seen["clientTickets"]["total"] >= 1
        body = await gql.data(query, {"n": n, "d": str(world.dept_y.id)}, token=token)
        answer = body[path] if path == "updateTicket" else body[path][0]["ticket"]
        if path == "bulkUpdateTickets":
            assert body[path][0]["ok"] and body[path][0]["error"] is None
        assert answer["number"] == n
        assert answer["department"] == {"name": "Billing"}  # the change they made
        assert {k: answer[k] for k in NOTHING_OF_IT} == NOTHING_OF_IT
        assert "secret" not in str(body)
        answers.append({k: v for k, v in answer.items() if k not in ("number", "__typename")})
        # And the ticket is gone for Xavier; Yolanda, whose department it is now, sees it all.
        assert (await gql.data(SEEN, {"n": n}, token=token))["ticket"] is None
        theirs = (await gql.data(SEEN, {"n": n}, token=world.staff_y.token))["ticket"]
        assert [e["node"]["body"] for e in theirs["messages"]["edges"]] == [
            "secret body",
            "secret note",
        ]
        assert theirs["tags"] == [{"name": "vip"}] and theirs["version"]
    assert answers[0] == answers[1]


async def test_a_move_within_sight_still_answers_the_whole_ticket(gql, world, settings):  # type: ignore[no-untyped-def]
    ticket = await _busy_ticket(world, settings)
    for query, path in ((SINGLE, "updateTicket"), (BULK, "bulkUpdateTickets")):
        target = world.dept_y if path == "updateTicket" else world.dept_x
        body = await gql.data(
            query, {"n": ticket.number, "d": str(target.id)}, token=world.admin.token
        )
        answer = body[path] if path == "updateTicket" else body[path][0]["ticket"]
        assert len(answer["messages"]["edges"]) == 2 and answer["tags"] == [{"name": "vip"}]
        assert answer["version"] and answer["auditTrail"]["edges"]
