"""System messages live: each subscriber reads the auto-close message in their own language,
even where subscribers of one viewer class share a render, and a merge notice's target number
reaches nobody who may not see the target."""

from __future__ import annotations

import json
from datetime import timedelta

from ops import REPLY, open_ticket
from wsclient import LIST_EVENTS, Feed, session, wait_live

from app.config import get_settings
from app.infra.clock import now
from app.models import Role, Ticket
from app.services import merge
from app.workers.auto_close import auto_close_tickets
from tests.conftest import make_person

EVENTS = """subscription($n: Int!) { ticketEvents(number: $n) {
  type message { body bodyHtml } ticket { number status mergedInto { number }
  messages { edges { node { body bodyHtml } } } } } }"""
PROFILE = "mutation($l: String) { updateProfile(language: $l) { __typename } }"
DE = "Dieses Ticket wurde nach 7 Tagen ohne Antwort automatisch geschlossen."
EN = "This ticket was closed automatically after 7 days without a reply."


async def test_the_auto_close_message_in_each_subscribers_language(live, gql, world):
    # Two staff of one department (one viewer class), one reading German, and the client.
    german = await make_person("Greta Staff", "greta@example.com", Role.STAFF, [world.dept_x])
    await gql.data(PROFILE, {"l": "de"}, token=german.token)
    await gql.data(PROFILE, {"l": "de"}, token=world.client_a.token)
    ticket = await open_ticket(world.client_a, world.dept_x, "VPN")
    await gql.data(REPLY, {"n": ticket.number, "body": "Fixed"}, token=world.staff_x.token)
    async with (
        session(live, token=world.staff_x.token) as english_staff,
        session(live, token=german.token) as german_staff,
        session(live, token=world.client_a.token) as client,
    ):
        feeds = {
            EN: Feed(english_staff, EVENTS, {"n": ticket.number}),
            DE: Feed(german_staff, EVENTS, {"n": ticket.number}),
        }
        on_client = Feed(client, EVENTS, {"n": ticket.number})
        await wait_live(live, subscriptions=3)
        await Ticket.filter(id=ticket.id).update(last_activity_at=now() - timedelta(days=8))
        assert await auto_close_tickets({"settings": get_settings()}) == 1
        for expected, feed in (*feeds.items(), (DE, on_client)):
            event = (await feed.next())["ticketEvents"]
            assert event["type"] == "CLOSED"
            assert event["message"]["body"].startswith(expected), (expected, event)
            assert expected in event["message"]["bodyHtml"]
            last = event["ticket"]["messages"]["edges"][-1]["node"]
            assert last["body"].startswith(expected)
        for feed in (*feeds.values(), on_client):
            await feed.close()


async def test_a_merge_sends_the_target_number_to_nobody_who_may_not_see_it(live, gql, world):
    target = await open_ticket(world.client_b, world.dept_y, "Invoice")
    source = await open_ticket(world.client_a, world.dept_x, "Printer again")
    async with (
        session(live, token=world.client_a.token) as alice,
        session(live, token=world.staff_x.token) as staff,
        session(live, token=world.admin.token) as admin,
    ):
        feeds = [
            Feed(alice, EVENTS, {"n": source.number}),
            Feed(alice, LIST_EVENTS),
            Feed(staff, EVENTS, {"n": source.number}),
            Feed(staff, LIST_EVENTS),
        ]
        on_admin = Feed(admin, EVENTS, {"n": source.number})
        await wait_live(live, subscriptions=5)
        await merge.merge_tickets(
            actor=world.admin.actor,
            source=source.number,
            target=target.number,
            different_clients=True,
        )
        for feed in feeds:
            payload = await feed.next()
            event = next(iter(payload.values()))
            assert event["type"] == "MERGED"
            assert str(target.number) not in json.dumps(payload), payload
        seen = (await on_admin.next())["ticketEvents"]
        assert seen["ticket"]["mergedInto"] == {"number": target.number}
        notice = seen["ticket"]["messages"]["edges"][-1]["node"]["body"]
        assert notice == f"This ticket was merged into #{target.number}."
        for feed in (*feeds, on_admin):
            await feed.close()
