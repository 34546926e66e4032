"""Several server processes and a worker sharing Redis and the database; Redis going away; a
subscriber that stops reading; a revocation whose signal was lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pytest
import websockets
from arq.connections import RedisSettings, create_pool
from ops import CLOSE, REPLY, open_ticket
from processes import START_TIMEOUT, ServerProcess
from wsclient import (
    LIST_EVENTS,
    TICKET_EVENTS,
    Feed,
    StalledClient,
    close_code,
    session,
    wait_live,
)

from app.config import get_settings
from app.infra.clock import now
from app.mail.tokens import reply_address
from app.models import AuditEntry, AuthToken, Message, Ticket, TicketStatus
from app.services import messages

pytestmark = pytest.mark.slow


async def call(base: str, query: str, variables: dict, token: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def test_subscribers_on_one_server_hear_of_changes_made_on_another_and_by_a_worker(
    start, world, private_redis
):
    a, b = start("serve"), start("serve", INBOUND_SECRET="inbound-test-secret")
    worker = start("worker")
    assert isinstance(a, ServerProcess) and isinstance(b, ServerProcess)
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    ticket = await open_ticket(world.client_a, world.dept_x)
    async with (
        session(a.base, token=world.staff_x.token) as staff,
        session(a.base, token=world.client_a.token) as client,
    ):
        every, mine = Feed(staff, LIST_EVENTS), Feed(client, TICKET_EVENTS, {"n": ticket.number})
        await wait_live(a.base, subscriptions=2)

        # The client answers a notification by email: B stores it, the worker turns it into a
        # reply through the services, and A's subscribers hear of it.
        mail = EmailMessage()
        mail["From"] = "Alice Client <alice@example.com>"
        mail["To"] = reply_address(ticket.number, world.client_a.id, settings=get_settings())
        mail["Subject"] = f"Re: [#{ticket.number}] Printer"
        mail["Message-ID"] = "<reply-1@example.com>"
        mail.set_content("Sent from my mail client")
        async with httpx.AsyncClient(timeout=30) as http:
            stored = await http.post(
                f"{b.base}/mail/inbound",
                content=mail.as_bytes(),
                headers={"X-Inbound-Secret": "inbound-test-secret"},
            )
        assert stored.status_code == 202, stored.text
        for feed in (every, mine):
            event = next(iter((await feed.next()).values()))
            assert (event["type"], event["message"]["body"]) == (
                "MESSAGE_ADDED",
                "Sent from my mail client",
            ), worker.log_tail()

        await call(b.base, REPLY, {"n": ticket.number, "body": "From B"}, world.staff_x.token)
        for feed in (every, mine):
            event = next(iter((await feed.next()).values()))
            assert (event["type"], event["message"]["body"]) == ("MESSAGE_ADDED", "From B")

        # The auto-close job, run by the separate worker process, closes the idle ticket.
        assert (await Ticket.get(id=ticket.id)).status is TicketStatus.ANSWERED
        await Ticket.filter(id=ticket.id).update(last_activity_at=now() - timedelta(days=365))
        pool = await create_pool(RedisSettings.from_dsn(private_redis.url))
        try:
            job = await pool.enqueue_job("auto_close_tickets")
            assert job is not None
            assert await job.result(timeout=START_TIMEOUT) == 1, worker.log_tail()
        finally:
            await pool.aclose()
        for feed in (every, mine):
            event = next(iter((await feed.next()).values()))
            assert (event["type"], event["ticket"]["status"]) == ("CLOSED", "CLOSED")
            assert "closed automatically" in event["message"]["body"]
        await every.close()
        await mine.close()


async def test_after_a_redis_outage_clients_resync_and_later_events_arrive(
    start, world, private_redis
):
    server = start("serve")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    ticket = await open_ticket(world.client_a, world.dept_x)
    variables, token = {"n": ticket.number, "body": "before"}, world.client_a.token
    async with session(server.base, token=world.staff_x.token) as staff:
        feed = Feed(staff, TICKET_EVENTS, {"n": ticket.number})
        await wait_live(server.base, subscriptions=1)
        await call(server.base, REPLY, variables, token)
        assert next(iter((await feed.next()).values()))["message"]["body"] == "before"
        await asyncio.to_thread(private_redis.stop)
        await asyncio.to_thread(private_redis.start)
        # Whatever was published meanwhile is gone: the client is told to refetch.
        assert close_code((await feed.ended()).error) == 4205
    async with session(server.base, token=world.staff_x.token) as staff:
        feed = Feed(staff, TICKET_EVENTS, {"n": ticket.number})
        await wait_live(server.base, subscriptions=1)
        await call(server.base, REPLY, {**variables, "body": "after"}, token)
        assert next(iter((await feed.next()).values()))["message"]["body"] == "after"
        await feed.close()


async def test_a_revocation_whose_signal_was_lost_still_closes_the_socket(start, world):
    server = start("serve", LIVE_SESSION_CHECK_SECONDS="0.5")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    async with (
        session(server.base, token=world.staff_x.token) as revoked,
        session(server.base, token=world.staff_y.token) as moved,
    ):
        feeds = [Feed(revoked, LIST_EVENTS), Feed(moved, LIST_EVENTS)]
        await wait_live(server.base, subscriptions=2)
        # Straight to the database: no service ran, so no signal was published.
        await AuthToken.filter(user_id=world.staff_x.id).update(revoked_at=now())
        await world.staff_y.user.departments.add(world.dept_x)
        assert close_code((await feeds[0].ended()).error) == 4401
        assert close_code((await feeds[1].ended()).error) == 4205


async def test_a_subscriber_that_stops_reading_is_told_to_resync_instead_of_growing(
    start, world, publishing
):
    server = start("serve", LIVE_QUEUE_SIZE="2")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    ticket = await open_ticket(world.client_a, world.dept_x)
    # A long conversation: rendered in full, each event is bigger than what the socket
    # buffers take before the server's sends to a reader that stopped reading block.
    await Message.bulk_create(
        [
            Message(ticket_id=ticket.id, body=f"{i} " + "x" * 95_000, created_at=now())
            for i in range(4)
        ]
    )
    slow = StalledClient(server.base)
    query = """subscription { ticketListEvents {
        ticket { messages(first: 100) { edges { node { body } } } } } }"""
    await slow.open(world.staff_x.token, query)
    async with session(server.base, token=world.staff_x.token) as reader:
        feed = Feed(reader, "subscription { ticketListEvents { type } }")
        await wait_live(server.base, subscriptions=2)
        # Each note is posted once the reading subscriber has the previous one, so that one
        # never falls behind; the stalled one's two-event queue overflows.
        count = 12
        for index in range(count):
            await messages.add_internal_note(
                actor=world.staff_x.actor,
                number=ticket.number,
                body=f"note {index}",
                settings=get_settings(),
            )
            assert (await feed.next())["ticketListEvents"]["type"] == "NOTE_ADDED"
        await feed.close()
    received = 0
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await slow.receive()
            received += 1
    slow.close()
    assert slow.close_code == 4205
    assert received < count


async def test_close_racing_a_reply_on_two_server_processes_ends_as_a_serial_order(start, world):
    """Two ``helpdesk serve`` processes on one database (on SQLite, two writers that each start
    their transactions deferred): staff close on one while the client replies on the other, 20
    times. Both always succeed, and each ticket ends as one of the two serial orders with an
    unbroken audit chain."""
    a, b = start("serve"), start("serve")
    assert isinstance(a, ServerProcess) and isinstance(b, ServerProcess)
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    ends: set[TicketStatus] = set()
    for round_ in range(20):
        ticket = await open_ticket(world.client_a, world.dept_x, subject=f"Race {round_}")
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, settings=get_settings(), number=ticket.number, body="Hi"
        )
        closed, replied = await asyncio.gather(
            call(a.base, CLOSE, {"n": ticket.number}, world.staff_x.token),
            call(
                b.base,
                REPLY,
                {"n": ticket.number, "body": f"Still broken {round_}"},
                world.client_a.token,
            ),
        )
        assert closed["closeTicket"]["__typename"] == "Ticket", closed
        assert replied["replyToTicket"]["__typename"] == "Message", replied
        final = await Ticket.get(id=ticket.id)
        chain = [
            (e.old_value, e.new_value)
            for e in await AuditEntry.filter(ticket_id=ticket.id, field="status").order_by("id")
        ]
        if final.status is TicketStatus.CLOSED:
            assert chain[1:] == [("ANSWERED", "CUSTOMER_REPLY"), ("CUSTOMER_REPLY", "CLOSED")]
        else:
            assert final.status is TicketStatus.CUSTOMER_REPLY
            assert chain[1:] == [("ANSWERED", "CLOSED"), ("CLOSED", "CUSTOMER_REPLY")]
        assert final.version == 4
        ends.add(final.status)
    print("final states:", sorted(s.value for s in ends))
