"""Subscribers of a shared render are sent its prepared text (app/live/prepared.py): the bytes
Strawberry would have sent them, with their own operation id, and still only what each may see."""

from __future__ import annotations

import json
from typing import Any

from ops import NOTE, OPEN, REPLY
from wsclient import LIST_EVENTS, TICKET_EVENTS, raw_socket, wait_live


def strawberry_text(frame: str) -> str:
    """The frame as Strawberry encodes a message (compact JSON, keys in its order)."""
    message = json.loads(frame)
    return json.dumps(
        {"id": message["id"], "type": message["type"], "payload": message["payload"]},
        separators=(",", ":"),
    )


async def test_same_class_subscribers_get_the_prepared_text_and_only_what_they_may_see(
    live, gql, world, shared
):
    staff = world.staff_x.token
    async with (
        raw_socket(live, staff) as first,
        raw_socket(live, staff) as second,
        raw_socket(live, world.client_a.token) as client,
        raw_socket(live, world.staff_y.token) as other_department,
    ):
        await first.subscribe("a", LIST_EVENTS, {})
        await second.subscribe("list-2", LIST_EVENTS, {})
        await client.subscribe("c", LIST_EVENTS, {})
        await other_department.subscribe("y", LIST_EVENTS, {})
        await wait_live(live, subscriptions=4)
        opened = await gql.data(
            OPEN,
            {"input": {"departmentId": str(world.dept_x.id), "subject": "VPN", "body": "Down"}},
            token=world.client_a.token,
        )
        n = opened["openTicket"]["number"]
        await first.next(), await second.next(), await client.next()

        await first.subscribe("one", TICKET_EVENTS, {"n": n})
        await second.subscribe("one-2", TICKET_EVENTS, {"n": n})
        await wait_live(live, subscriptions=6)
        shared.clear()
        await gql.data(NOTE, {"n": n, "body": "Router is old"}, token=staff)
        await gql.data(REPLY, {"n": n, "body": "Rebooting it"}, token=staff)

        frames = {
            name: [await socket.next() for _ in range(count)]
            for name, socket, count in (("first", first, 4), ("second", second, 4))
        }
        client_frame = await client.next()

    for frame in frames["first"] + frames["second"] + [client_frame]:
        assert frame == strawberry_text(frame)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for frame in frames["first"] + frames["second"]:
        message = json.loads(frame)
        by_id.setdefault(message["id"], []).append(message["payload"])
    assert set(by_id) == {"a", "list-2", "one", "one-2"}
    # Same viewer class, same document: the same answer, whichever way it was sent.
    assert by_id["a"] == by_id["list-2"]
    assert by_id["one"] == by_id["one-2"]
    bodies = [p["data"]["ticketListEvents"]["message"]["body"] for p in by_id["a"]]
    assert bodies == ["Router is old", "Rebooting it"]
    assert [p["data"]["ticketEvents"]["message"]["internal"] for p in by_id["one"]] == [
        True,
        False,
    ]
    # The client hears of the reply only; the other department of neither.
    client_event = json.loads(client_frame)["payload"]["data"]["ticketListEvents"]
    assert client_event["message"]["body"] == "Rebooting it"
    assert other_department.frames.empty()
    # Two events, two staff documents: the second subscriber of each was sent the prepared
    # text (by the dispatcher straight to its socket, or by its own subscription).
    assert sum(r.prepared_sends for r in shared) >= 4
    assert sum(r.executions for r in shared) <= 4 + 1  # (the client's list)
