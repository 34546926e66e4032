"""The dispatcher writes a group's shared render straight to its idle sockets
(app/live/dispatcher.py, app/infra/websocket.py): each socket still gets exactly the events
the policy gives its viewer, in the order they happened, framed as Strawberry frames them."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from ops import NOTE, OPEN, REPLY, UPDATE
from wsclient import LIST_EVENTS, TICKET_EVENTS, RawSocket, raw_socket, wait_live

from app.schema.core import documents
from app.schema.core.renders import SharedRenders


def event(frame: str) -> tuple[str, int | None, str | None]:
    """(type, ticket number, message body) of a ``next`` frame of either subscription."""
    data = json.loads(frame)["payload"]["data"]
    payload = data.get("ticketListEvents") or data["ticketEvents"]
    message, ticket = payload["message"], payload["ticket"]
    number = ticket["number"] if ticket else None  # LEFT names no ticket
    return payload["type"], number, message["body"] if message else None


@contextlib.asynccontextmanager
async def sockets(base: str, token: str, count: int) -> AsyncIterator[list[RawSocket]]:
    """``count`` sockets of one viewer, the first without permessage-deflate (so the
    dispatcher writes ready frames) and the rest with it (framed by the library)."""
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(raw_socket(base, token, compression=i > 0))
            for i in range(count)
        ]


async def opened(gql: Any, person: Any, department: Any, subject: str) -> int:
    result = await gql.data(
        OPEN,
        {"input": {"departmentId": str(department.id), "subject": subject, "body": subject}},
        token=person.token,
    )
    number: int = result["openTicket"]["number"]
    return number


async def test_each_viewer_gets_exactly_its_events_when_the_dispatcher_writes_them(
    live, gql, world, shared: list[SharedRenders]
):
    people = {
        "owner": world.client_a,
        "other client": world.client_b,
        "other department": world.staff_y,
        "department": world.staff_x,
        "admin": world.admin,
    }
    async with contextlib.AsyncExitStack() as stack:
        feeds: dict[str, list[RawSocket]] = {}
        for name, person in people.items():
            feeds[name] = await stack.enter_async_context(sockets(live, person.token, 3))
            for i, socket in enumerate(feeds[name]):
                await socket.subscribe(f"list-{i}", LIST_EVENTS, {})
        await wait_live(live, subscriptions=15)

        n = await opened(gql, world.client_a, world.dept_x, "VPN")
        staff = world.staff_x.token
        await gql.data(NOTE, {"n": n, "body": "Their plan is a trial"}, token=staff)
        await gql.data(REPLY, {"n": n, "body": "Restart it"}, token=staff)
        created, note = ("CREATED", n, "VPN"), ("NOTE_ADDED", n, "Their plan is a trial")
        reply = ("MESSAGE_ADDED", n, "Restart it")
        # Each event is checked against the ticket as it is when it is delivered: the department
        # hears of the reply before the ticket moves away (after, it would be told LEFT only).
        for socket in feeds["department"]:
            assert [event(await socket.next()) for _ in range(3)] == [created, note, reply]
        # Moved to the other department: from then on it is theirs, not department X's.
        moved = {"input": {"number": n, "departmentId": str(world.dept_y.id)}}
        await gql.data(UPDATE, moved, token=world.admin.token)
        await gql.data(REPLY, {"n": n, "body": "Moved to Y"}, token=world.admin.token)
        # Last, an event every viewer but the other department may see: what each socket got
        # before it is all it will get of the events above.
        last = await opened(gql, world.client_b, world.dept_x, "Last")

        move, reply_y = ("UPDATED", n, None), ("MESSAGE_ADDED", n, "Moved to Y")
        expected = {
            "owner": [created, reply, move, reply_y],
            "other client": [("CREATED", last, "Last")],
            "other department": [move, reply_y],
            # The move took it out of their list (and counts): told, without the ticket.
            "department": [("LEFT", None, None), ("CREATED", last, "Last")],
            "admin": [created, note, reply, move, reply_y, ("CREATED", last, "Last")],
        }
        for name, want in expected.items():
            for socket in feeds[name]:
                got = [event(await socket.next()) for _ in want]
                assert got == want, name
        # The other department hears of the last ticket nothing; ask for one more event it may
        # see, and that is the next thing on its sockets.
        y = await opened(gql, world.client_b, world.dept_y, "For Y")
        for socket in feeds["other department"] + feeds["admin"]:
            assert event(await socket.next()) == ("CREATED", y, "For Y")

    # Three sockets per viewer: the dispatcher wrote to the others of each group itself.
    assert sum(r.direct_writes for r in shared) >= 10


async def test_a_burst_of_events_arrives_in_order_on_every_socket(
    live, gql, world, shared: list[SharedRenders]
):
    n = await opened(gql, world.client_a, world.dept_x, "Burst")
    async with (
        sockets(live, world.staff_x.token, 4) as lists,
        sockets(live, world.admin.token, 2) as tickets,
    ):
        for i, socket in enumerate(lists):
            await socket.subscribe(str(i), LIST_EVENTS, {})
        for i, socket in enumerate(tickets):
            await socket.subscribe(f"t{i}", TICKET_EVENTS, {"n": n})
        await wait_live(live, subscriptions=6)
        shared.clear()
        bodies = [f"Reply {i}" for i in range(12)]
        for body in bodies:  # posted back to back: later events find sockets still sending
            await gql.data(REPLY, {"n": n, "body": body}, token=world.staff_x.token)
        for socket in lists + tickets:
            got = [event(await socket.next())[2] for _ in bodies]
            assert got == bodies
    assert sum(r.direct_writes for r in shared) >= 1


async def test_a_subscription_document_is_parsed_and_validated_once(live, world, monkeypatch):
    """Subscribing costs no parse or validation after the first socket that sent the text (the
    same cache as over HTTP), and a refused document is refused every time."""
    validated: list[str] = []
    validate = documents.validate_document

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        validated.append(document.loc.source.body)
        return validate(schema, document, rules)

    monkeypatch.setattr(documents, "validate_document", counting)
    text = f"{LIST_EVENTS}\n# {uuid.uuid4()}"  # a text no earlier test sent
    bad = f"subscription {{ ticketListEvents {{ nope }} }}\n# {uuid.uuid4()}"
    async with sockets(live, world.staff_x.token, 3) as feeds:
        for socket in feeds:
            await socket.subscribe("ok", text, {})
            await socket.subscribe("bad", bad, {})
        await wait_live(live, subscriptions=3)
        for socket in feeds:
            error = json.loads(await socket.error())
            assert error["id"] == "bad"
            assert "nope" in error["payload"][0]["message"]
    assert validated.count(text) == 1
    assert validated.count(bad) == 1
