"""SLA escalations live: the ESCALATED event reaches the department's staff on their list and
ticket feeds, and never the client; SLA fields in events are null for the client."""

from __future__ import annotations

from datetime import timedelta

from ops import open_ticket
from wsclient import LIST_EVENTS, Feed, session, wait_live

from app.infra.clock import clock
from app.models import TicketPriority
from app.services import sla_admin
from app.services.escalation import run_escalations
from tests.sla.helpers import calendar_policy

WITH_SLA = """
subscription($n: Int!) { ticketEvents(number: $n) {
  type ticket { number priority slaState firstResponseDueAt } } }
"""


async def test_an_escalation_reaches_staff_live_and_never_the_client(live, world):
    await calendar_policy(world)
    await calendar_policy(world, priority=TicketPriority.HIGH)
    await sla_admin.create_rule(
        actor=world.admin.actor,
        rule=sla_admin.RuleInput(
            name="Warn", target="first_response", at_percent=50, raise_priority=True
        ),
    )
    clock.freeze()
    ticket = await open_ticket(world.client_a, world.dept_x)
    n = ticket.number
    async with (
        session(live, token=world.client_a.token) as client,
        session(live, token=world.staff_x.token) as staff,
        session(live, token=world.staff_y.token) as other,
    ):
        client_one, client_all = Feed(client, WITH_SLA, {"n": n}), Feed(client, LIST_EVENTS)
        staff_one, staff_all = Feed(staff, WITH_SLA, {"n": n}), Feed(staff, LIST_EVENTS)
        other_all = Feed(other, LIST_EVENTS)
        await wait_live(live, subscriptions=5)
        clock.advance(timedelta(minutes=31))
        assert len(await run_escalations()) == 1
        event = (await staff_one.next())["ticketEvents"]
        assert event["type"] == "ESCALATED"
        assert event["ticket"]["priority"] == "HIGH"
        assert event["ticket"]["slaState"] == "ON_TRACK"  # at risk from 75 %, fired at 50 %
        assert event["ticket"]["firstResponseDueAt"] is not None
        listed = (await staff_all.next())["ticketListEvents"]
        assert listed["type"] == "ESCALATED"
        assert client_one.pending() == client_all.pending() == other_all.pending() == 0
        for feed in (client_one, client_all, staff_one, staff_all, other_all):
            await feed.close()
