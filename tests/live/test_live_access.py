"""Who may subscribe to what, checked when subscribing and again for every event."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import websockets
from gql.client import AsyncClientSession
from ops import CLOSE, LOGIN, NOTE, REPLY, UPDATE, UPDATE_USER, open_ticket, summary
from wsclient import (
    LIST_EVENTS,
    PRESENCE,
    TICKET_EVENTS,
    Feed,
    close_code,
    query_error,
    session,
    wait_live,
    ws_url,
)

from app.config import get_settings
from app.services import messages

CHANGE_PASSWORD = """mutation($c: String!, $n: String!) { changePassword(current: $c, new: $n) {
  __typename ... on Error { code message } } }"""
TICKET_WITH_MESSAGES = """
subscription($n: Int!) { ticketEvents(number: $n) {
  type message { body internal } ticket { messages { edges { node { body internal } } } } } }
"""


async def refusal(client: AsyncClientSession, query: str, number: int) -> dict[str, Any]:
    """The error a subscription for ticket ``number`` is refused with, the number blanked."""
    feed = Feed(client, query, {"n": number})
    error = (await feed.ended()).error
    assert error is not None
    [raw] = error.errors  # type: ignore[attr-defined]
    raw = {**raw, "message": raw["message"].replace(f"#{number}", "#N")}
    return raw


async def test_a_ticket_one_may_not_see_is_refused_exactly_like_a_missing_one(live, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    missing = ticket.number + 500
    cases = [
        (world.staff_y, TICKET_EVENTS),  # another department
        (world.client_b, TICKET_EVENTS),  # another client's ticket
        (world.staff_y, PRESENCE),
        (world.client_a, PRESENCE),  # presence is staff-only, even on one's own ticket
        (world.client_b, PRESENCE),
    ]
    for person, query in cases:
        async with session(live, token=person.token) as client:
            hidden = await refusal(client, query, ticket.number)
            absent = await refusal(client, query, missing)
            assert hidden == absent, (person.user.email, query)
            assert hidden["message"] == "Ticket #N was not found."
            assert hidden["extensions"]["code"] == "NOT_FOUND"
    # The ticket's own people are not refused.
    async with session(live, token=world.client_a.token) as client:
        feed = Feed(client, TICKET_EVENTS, {"n": ticket.number})
        await wait_live(live, subscriptions=1)
        await feed.close()


async def test_a_client_never_receives_a_note_or_its_content(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    n = ticket.number
    async with (
        session(live, token=world.client_a.token) as client,
        session(live, token=world.staff_x.token) as staff,
    ):
        one, every = Feed(client, TICKET_WITH_MESSAGES, {"n": n}), Feed(client, LIST_EVENTS)
        staff_view = Feed(staff, TICKET_WITH_MESSAGES, {"n": n})  # the same query, on staff
        await wait_live(live, subscriptions=3)
        await gql.data(
            NOTE, {"n": n, "body": "Client is on a trial plan"}, token=world.staff_x.token
        )
        await gql.data(REPLY, {"n": n, "body": "Try again now"}, token=world.staff_x.token)
        first = (await one.next())["ticketEvents"]
        assert (first["type"], first["message"]) == (
            "MESSAGE_ADDED",
            {"body": "Try again now", "internal": False},
        )
        bodies = [e["node"]["body"] for e in first["ticket"]["messages"]["edges"]]
        assert bodies == ["Printer: it does not work", "Try again now"]
        assert summary(await every.next()) == ("MESSAGE_ADDED", "ANSWERED", "Try again now")
        assert one.pending() == every.pending() == 0
        # Staff, rendering the very same events, do see the note.
        note, reply = [(await staff_view.next())["ticketEvents"] for _ in range(2)]
        assert (note["type"], note["message"]["body"]) == (
            "NOTE_ADDED",
            "Client is on a trial plan",
        )
        staff_bodies = [e["node"]["body"] for e in reply["ticket"]["messages"]["edges"]]
        assert staff_bodies == [
            "Printer: it does not work",
            "Client is on a trial plan",
            "Try again now",
        ]
        for feed in (one, every, staff_view):
            await feed.close()


async def test_a_client_never_receives_anything_of_another_clients_tickets(live, gql, world):
    theirs = await open_ticket(world.client_a, world.dept_x, "Alice's")
    mine = await open_ticket(world.client_b, world.dept_x, "Bob's")
    async with session(live, token=world.client_b.token) as client:
        every = Feed(client, LIST_EVENTS)
        await wait_live(live, subscriptions=1)
        staff = world.staff_x.token
        await gql.data(REPLY, {"n": theirs.number, "body": "For Alice"}, token=staff)
        await gql.data(NOTE, {"n": theirs.number, "body": "About Alice"}, token=staff)
        await gql.data(
            UPDATE, {"input": {"number": theirs.number, "priority": "URGENT"}}, token=staff
        )
        await gql.data(CLOSE, {"n": theirs.number}, token=staff)
        await gql.data(REPLY, {"n": mine.number, "body": "For Bob"}, token=staff)
        assert summary(await every.next()) == ("MESSAGE_ADDED", "ANSWERED", "For Bob")
        assert every.pending() == 0
        await every.close()


async def test_staff_receive_nothing_from_departments_they_are_not_in(live, world):
    support = await open_ticket(world.client_a, world.dept_x, "Support")
    async with session(live, token=world.staff_y.token) as staff:
        every = Feed(staff, LIST_EVENTS)
        await wait_live(live, subscriptions=1)
        await open_ticket(world.client_a, world.dept_x, "Also support")
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, number=support.number, body="x", settings=get_settings()
        )
        await messages.add_internal_note(
            actor=world.staff_x.actor, number=support.number, body="y", settings=get_settings()
        )
        await open_ticket(world.client_b, world.dept_y, "Billing")
        event = (await every.next())["ticketListEvents"]
        assert (event["type"], event["ticket"]["subject"]) == ("CREATED", "Billing")
        assert every.pending() == 0
        await every.close()


async def test_events_stop_when_the_ticket_moves_to_a_department_one_cannot_see(live, gql, world):
    moving = await open_ticket(world.client_a, world.dept_x, "Moving")
    staying = await open_ticket(world.client_a, world.dept_x, "Staying")
    async with (
        session(live, token=world.staff_x.token) as support,
        session(live, token=world.staff_y.token) as billing,
    ):
        one, every = Feed(support, TICKET_EVENTS, {"n": moving.number}), Feed(support, LIST_EVENTS)
        billing_every = Feed(billing, LIST_EVENTS)
        await wait_live(live, subscriptions=3)
        move = {"number": moving.number, "departmentId": str(world.dept_y.id)}
        await gql.data(UPDATE, {"input": move}, token=world.admin.token)
        # The ticket view ends as if the ticket did not exist; the list hears that a ticket
        # left it (LEFT, no ticket: nothing of its new state), then nothing more of it.
        error = query_error(await one.ended())
        assert error == {"message": f"Ticket #{moving.number} was not found.", "code": "NOT_FOUND"}
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=moving.number, body="a", settings=get_settings()
        )
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=staying.number, body="b", settings=get_settings()
        )
        left = (await every.next())["ticketListEvents"]
        assert (left["type"], left["ticket"], left["message"]) == ("LEFT", None, None)
        event = (await every.next())["ticketListEvents"]
        assert (event["ticket"]["subject"], event["message"]["body"]) == ("Staying", "b")
        assert every.pending() == 0
        # Billing, which can see it now, hears of the move and what follows.
        assert [summary(await billing_every.next())[0] for _ in range(2)] == [
            "UPDATED",
            "MESSAGE_ADDED",
        ]
        assert billing_every.pending() == 0
        for feed in (every, billing_every):
            await feed.close()


async def test_staff_removed_from_a_department_stop_receiving_its_events(live, gql, world):
    admin = world.admin.token
    both = [str(world.dept_x.id), str(world.dept_y.id)]
    await gql.data(
        UPDATE_USER, {"input": {"id": str(world.staff_x.id), "departmentIds": both}}, token=admin
    )
    support = await open_ticket(world.client_a, world.dept_x, "Support")
    billing = await open_ticket(world.client_a, world.dept_y, "Billing")
    async with session(live, token=world.staff_x.token) as staff:
        one, every = Feed(staff, TICKET_EVENTS, {"n": support.number}), Feed(staff, LIST_EVENTS)
        await wait_live(live, subscriptions=2)
        only_billing = {"id": str(world.staff_x.id), "departmentIds": [str(world.dept_y.id)]}
        await gql.data(UPDATE_USER, {"input": only_billing}, token=admin)
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=support.number, body="a", settings=get_settings()
        )
        # The socket is closed with the resync code before anything else is delivered.
        for feed in (one, every):
            assert close_code((await feed.ended()).error) == 4205
    # Reconnecting picks up the new access.
    async with session(live, token=world.staff_x.token) as staff:
        assert (await refusal(staff, TICKET_EVENTS, support.number))["extensions"]["code"] == (
            "NOT_FOUND"
        )
        every = Feed(staff, LIST_EVENTS)
        await wait_live(live, subscriptions=1)
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=support.number, body="b", settings=get_settings()
        )
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=billing.number, body="c", settings=get_settings()
        )
        event = (await every.next())["ticketListEvents"]
        assert (event["ticket"]["subject"], event["message"]["body"]) == ("Billing", "c")
        await every.close()


async def _login(gql, email: str) -> str:
    data = await gql.data(LOGIN, {"e": email, "p": "password123"})
    return str(data["login"]["token"])


async def test_signing_out_closes_that_sessions_sockets_only(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    first, second = await _login(gql, "xavier@example.com"), await _login(gql, "xavier@example.com")
    async with (
        session(live, token=first) as by_token,
        session(live, cookie=first) as by_cookie,
        session(live, token=second) as other,
    ):
        gone = [Feed(by_token, LIST_EVENTS), Feed(by_cookie, LIST_EVENTS)]
        kept = Feed(other, LIST_EVENTS)
        await wait_live(live, subscriptions=3)
        assert (await gql.data("mutation { logout }", token=first)) == {"logout": True}
        for feed in gone:
            assert close_code((await feed.ended()).error) == 4401
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=ticket.number, body="x", settings=get_settings()
        )
        assert summary(await kept.next())[0] == "MESSAGE_ADDED"
        await kept.close()
    with pytest.raises(Exception) as refused:
        async with session(live, token=first):
            pass
    assert close_code(refused.value) == 4403


async def test_deactivating_a_user_closes_all_their_sockets(live, gql, world):
    async with (
        session(live, token=world.staff_x.token) as one,
        session(live, token=world.staff_x.token) as two,
    ):
        feeds = [Feed(one, LIST_EVENTS), Feed(two, LIST_EVENTS)]
        await wait_live(live, subscriptions=2)
        deactivate = {"id": str(world.staff_x.id), "active": False}
        await gql.data(UPDATE_USER, {"input": deactivate}, token=world.admin.token)
        for feed in feeds:
            assert close_code((await feed.ended()).error) == 4401


async def test_an_admin_setting_a_password_closes_all_the_users_sockets(live, gql, world):
    second = await _login(gql, "xavier@example.com")
    async with (
        session(live, token=world.staff_x.token) as one,
        session(live, token=second) as two,
        session(live, token=world.staff_y.token) as bystander,
    ):
        feeds = [Feed(one, LIST_EVENTS), Feed(two, LIST_EVENTS)]
        kept = Feed(bystander, LIST_EVENTS)
        await wait_live(live, subscriptions=3)
        change = {"id": str(world.staff_x.id), "password": "set-by-the-admin"}
        await gql.data(UPDATE_USER, {"input": change}, token=world.admin.token)
        for feed in feeds:
            assert close_code((await feed.ended()).error) == 4401
        await open_ticket(world.client_a, world.dept_y)
        assert summary(await kept.next())[0] == "CREATED"
        await kept.close()


async def test_changing_ones_password_closes_the_other_sessions_sockets_only(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    other = await _login(gql, "xavier@example.com")
    async with (
        session(live, token=world.staff_x.token) as used,
        session(live, token=other) as elsewhere,
    ):
        kept, gone = Feed(used, LIST_EVENTS), Feed(elsewhere, LIST_EVENTS)
        await wait_live(live, subscriptions=2)
        changed = await gql.data(
            CHANGE_PASSWORD, {"c": "password123", "n": "a-new-password"}, token=world.staff_x.token
        )
        assert changed["changePassword"]["__typename"] == "PasswordChanged"
        assert close_code((await gone.ended()).error) == 4401
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=ticket.number, body="x", settings=get_settings()
        )
        assert summary(await kept.next())[0] == "MESSAGE_ADDED"
        await kept.close()


async def test_revoking_an_api_token_closes_its_sockets(live, gql, world):
    made = await gql.data(
        'mutation { createApiToken(name: "bot") { ... on NewApiToken { token apiToken { id } } } }',
        token=world.staff_x.token,
    )
    secret, token_id = made["createApiToken"]["token"], made["createApiToken"]["apiToken"]["id"]
    async with session(live, token=secret) as bot:
        feed = Feed(bot, LIST_EVENTS)
        await wait_live(live, subscriptions=1)
        await gql.data(
            "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }",
            {"id": token_id},
            token=world.staff_x.token,
        )
        assert close_code((await feed.ended()).error) == 4401


@pytest.mark.parametrize(
    "options",
    [
        {},  # no payload, no cookie
        {"payload": {"authorization": "Bearer hds_not-a-real-token"}},
        {"payload": {"authorization": "hds_without-the-scheme"}},
        {"payload": {"authorization": 42}},
        {"cookie": "hds_not-a-real-token"},
    ],
    ids=["nothing", "unknown-token", "no-scheme", "not-a-string", "unknown-cookie"],
)
async def test_a_socket_without_valid_credentials_is_refused(live, world, options):
    with pytest.raises(Exception) as refused:
        async with session(live, **options):
            pass
    assert close_code(refused.value) == 4403
    await wait_live(live, subscriptions=0, connections=0)


async def test_a_bad_payload_is_not_rescued_by_a_good_cookie(live, world):
    with pytest.raises(Exception) as refused:
        async with session(
            live, cookie=world.staff_x.token, payload={"authorization": "Bearer hds_wrong"}
        ):
            pass
    assert close_code(refused.value) == 4403


async def test_the_legacy_subscriptions_transport_ws_protocol_is_refused(live, world):
    with pytest.raises(Exception) as refused:
        async with session(live, token=world.staff_x.token, subprotocol="graphql-ws"):
            pass
    assert close_code(refused.value) == 4406


async def test_a_page_on_another_site_cannot_open_a_socket_with_the_cookie(live, world):
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            ws_url(live),
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            origin="https://evil.example",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"helpdesk_session={world.staff_x.token}"},
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_subscriptions_per_connection_are_capped(live, world, settings):
    cap = settings.max_subscriptions_per_connection
    async with session(live, token=world.staff_x.token) as staff:
        feeds = [Feed(staff, LIST_EVENTS) for _ in range(cap)]
        await wait_live(live, subscriptions=cap)
        extra = Feed(staff, LIST_EVENTS)
        error = (await extra.ended()).error
        assert "Subscription limit reached" in str(error)
        assert (await _live_count(live)) == cap
        for feed in feeds:
            await feed.close()


async def _live_count(live: str) -> int:
    from wsclient import live_status

    return int((await live_status(live))["subscriptions"])


async def test_subscriptions_are_not_served_over_plain_http(live, gql, world):
    body = await gql(LIST_EVENTS, token=world.staff_x.token)
    assert body.get("data") is None
    assert body["errors"]


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (
            "subscription { " + " ".join("ticketListEvents { type }" for _ in range(700)) + " }",
            "more than",  # tokens
        ),
        (
            "subscription { "
            + " ".join(f"a{i}: ticketListEvents {{ type }}" for i in range(40))
            + " }",
            "aliases",
        ),
        (
            "subscription { ticketListEvents { ticket { "
            "messages { edges { node { author { name } } } } client { name } } } }",
            None,  # within every limit: not refused
        ),
    ],
)
async def test_a_document_over_a_limit_gets_an_error_message_and_the_socket_stays(
    live, world, document, words, caplog
):
    """Over WebSocket, as over HTTP: an ``error`` message for that operation; the socket and
    its other subscriptions go on; nothing is logged as a fault."""
    caplog.set_level(logging.ERROR)
    async with session(live, token=world.staff_x.token) as staff:
        kept = Feed(staff, LIST_EVENTS)
        await wait_live(live, subscriptions=1)
        if words is None:
            fine = Feed(staff, document)
            await wait_live(live, subscriptions=2)
            await fine.close()
        else:
            refused = Feed(staff, document)
            ended = (await refused.ended()).error
            messages = [e["message"] for e in ended.errors]  # type: ignore[union-attr]
            assert any(words in m for m in messages), messages
        # The socket is still open and its subscription still delivers.
        ticket = await open_ticket(world.client_a, world.dept_x)
        assert (await kept.next())["ticketListEvents"]["ticket"]["number"] == ticket.number
        await kept.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
