"""Ticket events reach subscribers over graphql-transport-ws, from every kind of change."""

from __future__ import annotations

import contextlib
import logging

from ops import CLOSE, LOGIN, NOTE, OPEN, REPLY, UPDATE, open_ticket, summary
from wsclient import LIST_EVENTS, TICKET_EVENTS, Feed, session, sessions, wait_live

from app.config import get_settings
from app.services import messages


async def test_every_change_made_through_graphql_reaches_staff_and_client(live, gql, world):
    async with (
        session(live, token=world.admin.token) as admin,
        session(live, token=world.client_a.token) as client,
    ):
        admin_list, client_list = Feed(admin, LIST_EVENTS), Feed(client, LIST_EVENTS)
        await wait_live(live, subscriptions=2)
        opened = await gql.data(
            OPEN,
            {"input": {"departmentId": str(world.dept_x.id), "subject": "VPN", "body": "Down"}},
            token=world.client_a.token,
        )
        n = opened["openTicket"]["number"]
        created = await admin_list.next()
        assert summary(created) == ("CREATED", "OPEN", "Down")
        event = created["ticketListEvents"]
        assert event["ticket"]["number"] == n
        assert event["ticket"]["department"] == {"name": "Support"}
        assert event["ticket"]["client"] == {"name": "Alice Client"}
        assert event["message"]["author"] == {"name": "Alice Client"}
        assert summary(await client_list.next()) == ("CREATED", "OPEN", "Down")

        one = Feed(admin, TICKET_EVENTS, {"n": n})
        await wait_live(live, subscriptions=3)
        staff, admin_token = world.staff_x.token, world.admin.token
        await gql.data(REPLY, {"n": n, "body": "Rebooting it"}, token=staff)
        await gql.data(NOTE, {"n": n, "body": "Router is old"}, token=staff)
        for change in (
            {"priority": "HIGH"},
            {"status": "ON_HOLD"},
            {"assigneeId": str(world.staff_x.id)},
            {"departmentId": str(world.dept_y.id)},
        ):
            await gql.data(UPDATE, {"input": {"number": n, **change}}, token=admin_token)
        await gql.data(CLOSE, {"n": n}, token=admin_token)
        await gql.data(REPLY, {"n": n, "body": "Still down"}, token=world.client_a.token)

        expected_staff = [
            ("MESSAGE_ADDED", "ANSWERED", "Rebooting it"),
            ("NOTE_ADDED", "ANSWERED", "Router is old"),
            ("UPDATED", "ANSWERED", None),  # priority
            ("UPDATED", "ON_HOLD", None),
            ("UPDATED", "ON_HOLD", None),  # assignee
            ("ASSIGNED", "ON_HOLD", None),
            ("UPDATED", "ON_HOLD", None),  # department
            ("CLOSED", "CLOSED", None),
            ("MESSAGE_ADDED", "CUSTOMER_REPLY", "Still down"),
            ("REOPENED", "CUSTOMER_REPLY", None),
        ]
        for feed in (one, admin_list):
            seen = [await feed.next() for _ in expected_staff]
            # The ticket is loaded when the event is delivered, so its status may be newer than
            # the event; the order and kind of events and their messages are exact.
            assert [(s[0], s[2]) for s in map(summary, seen)] == [
                (e[0], e[2]) for e in expected_staff
            ]
        last = seen[-1]["ticketListEvents"]["ticket"]
        assert last["priority"] == "HIGH"
        assert last["department"] == {"name": "Billing"}
        assert last["assignee"] is None  # staff_x has no access to Billing: unassigned
        # The client saw the same story without the internal note.
        client_seen = [summary(await client_list.next()) for _ in range(len(expected_staff) - 1)]
        assert [(s[0], s[2]) for s in client_seen] == [
            (e[0], e[2]) for e in expected_staff if e[0] != "NOTE_ADDED"
        ]
        assert client_list.pending() == 0
        for feed in (admin_list, client_list, one):
            await feed.close()


async def test_a_socket_signs_in_with_the_session_cookie(live, gql, world):
    login = await gql.data(LOGIN, {"e": "xavier@example.com", "p": "password123"})
    cookie = login["login"]["token"]
    ticket = await open_ticket(world.client_a, world.dept_x)
    async with session(live, cookie=cookie) as staff:
        feed = Feed(staff, TICKET_EVENTS, {"n": ticket.number})
        await wait_live(live, subscriptions=1)
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=ticket.number, body="?", settings=get_settings()
        )
        assert summary(await feed.next()) == ("MESSAGE_ADDED", "CUSTOMER_REPLY", "?")
        await feed.close()


class _CountSql(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        # The outbox relay's statements are its own (it polls in the background, too); the
        # outbox benchmark prices them.
        text = record.getMessage()
        if '"outbox"' not in text and " outbox " not in text:
            self.count += 1


async def _statements_to_deliver(live: str, world, number: int, subscribers: int) -> int:
    """SQL statements run while one reply reaches ``subscribers`` staff sockets."""
    async with sessions(live, world.staff_x.token, subscribers) as clients:
        feeds = [Feed(client, LIST_EVENTS) for client in clients]
        await wait_live(live, subscriptions=subscribers)
        logger = logging.getLogger("tortoise.db_client")
        handler, level = _CountSql(), logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:
            await messages.reply_to_ticket(
                actor=world.client_a.actor, number=number, body="x", settings=get_settings()
            )
            for feed in feeds:
                assert summary(await feed.next())[0] == "MESSAGE_ADDED"
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        for feed in feeds:
            await feed.close()
    await wait_live(live, subscriptions=0, connections=0)
    return handler.count


async def test_an_event_is_loaded_once_per_process_whatever_the_number_of_subscribers(live, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    # Now in Customer Reply: the measured replies change the same rows.
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="1", settings=get_settings()
    )
    few = await _statements_to_deliver(live, world, ticket.number, 2)
    many = await _statements_to_deliver(live, world, ticket.number, 12)
    assert few == many, (few, many)
    # The reply's own writes plus the ticket, message, author and department: one load each.
    assert few <= 10, few


VIEWER_DEPENDENT = """subscription { ticketListEvents {
  ticket { department { email } client { email } } } }"""


async def test_each_viewer_gets_the_event_rendered_with_their_own_rights(live, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    people = (world.admin, world.staff_x, world.client_a)
    async with contextlib.AsyncExitStack() as stack:
        feeds = []
        for person in people:
            client = await stack.enter_async_context(session(live, token=person.token))
            feeds.append(Feed(client, VIEWER_DEPENDENT))
        await wait_live(live, subscriptions=len(people))
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, number=ticket.number, body="ok", settings=get_settings()
        )
        seen = [(await feed.next())["ticketListEvents"]["ticket"] for feed in feeds]
        for feed in feeds:
            await feed.close()
    admin, staff, client = seen
    # Department addresses are for admins; clients' addresses for staff and the client.
    assert admin == {
        "department": {"email": "support@helpdesk.test"},
        "client": {"email": "alice@example.com"},
    }
    assert staff == {"department": {"email": None}, "client": {"email": "alice@example.com"}}
    assert client == {"department": {"email": None}, "client": {"email": "alice@example.com"}}
