"""Tags live: a tag change reaches staff as UPDATED; clients are sent neither the change nor,
in any later event, the tags; nobody is mailed about it."""

from __future__ import annotations

from ops import REPLY, open_ticket
from wsclient import LIST_EVENTS, Feed, session, wait_live

from app import events
from app.events import TICKETS_CHANNEL, EventType, TicketEvent
from app.mail.outbound.recipients import load_people, recipients_for
from app.models import OutboxEvent, Ticket
from app.services import tags

WITH_TAGS = """
subscription($n: Int!) { ticketEvents(number: $n) {
  type message { body } ticket { number version tags { name color } } } }
"""
ADD = """mutation($n: Int!, $ids: [ID!]!) { addTicketTags(number: $n, tagIds: $ids) {
  __typename ... on Ticket { version } ... on Error { code message } } }"""


async def test_a_tag_change_reaches_staff_and_never_the_client(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    n = ticket.number
    tag = await tags.create_tag(actor=world.admin.actor, name="Angry", color="#aa0000")
    async with (
        session(live, token=world.client_a.token) as client,
        session(live, token=world.staff_x.token) as staff,
    ):
        client_one, client_all = Feed(client, WITH_TAGS, {"n": n}), Feed(client, LIST_EVENTS)
        staff_one = Feed(staff, WITH_TAGS, {"n": n})
        await wait_live(live, subscriptions=3)
        added = await gql.data(ADD, {"n": n, "ids": [str(tag.id)]}, token=world.staff_x.token)
        assert added["addTicketTags"]["__typename"] == "Ticket"
        event = (await staff_one.next())["ticketEvents"]
        assert event["type"] == "UPDATED"
        assert event["ticket"]["tags"] == [{"name": "Angry", "color": "#aa0000"}]
        assert event["ticket"]["version"] == added["addTicketTags"]["version"]
        # A public reply then reaches the client: the first event they get, without tags.
        await gql.data(REPLY, {"n": n, "body": "On it"}, token=world.staff_x.token)
        seen = (await client_one.next())["ticketEvents"]
        assert (seen["type"], seen["message"]) == ("MESSAGE_ADDED", {"body": "On it"})
        assert seen["ticket"]["tags"] == []
        listed = (await client_all.next())["ticketListEvents"]
        assert listed["type"] == "MESSAGE_ADDED"
        assert client_one.pending() == client_all.pending() == 0
        reply = (await staff_one.next())["ticketEvents"]
        assert reply["ticket"]["tags"] == [{"name": "Angry", "color": "#aa0000"}]
        for feed in (client_one, client_all, staff_one):
            await feed.close()


async def test_a_tag_change_mails_nobody(live, world):
    """The event the change wrote to the outbox is internal and names only ``tags``, and the
    notification rules mail nobody about it."""
    opened = await open_ticket(world.client_a, world.dept_x)
    tag = await tags.create_tag(actor=world.admin.actor, name="Angry", color="#aa0000")
    latest = await OutboxEvent.all().order_by("-id").first()
    before = latest.id if latest else 0
    await tags.change_ticket_tags(actor=world.staff_x.actor, number=opened.number, add=[tag.id])
    await events.flushed()
    rows = await OutboxEvent.filter(id__gt=before, channel=TICKETS_CHANNEL).order_by("id")
    written = [TicketEvent.from_json(row.payload) for row in rows]
    assert [(e.type, e.changes, e.internal) for e in written] == [
        (EventType.UPDATED, ("tags",), True)
    ]
    assert "Angry" not in rows[0].payload
    ticket = await Ticket.get(id=opened.id)
    people = await load_people(written[0], ticket, None)
    assert await recipients_for(written[0], ticket, None, people) == []
