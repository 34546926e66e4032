"""Presence: staff see who else has a ticket open or is writing a reply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gql import GraphQLRequest
from gql.client import AsyncClientSession
from ops import REPORT_PRESENCE, UPDATE, open_ticket
from wsclient import PRESENCE, Feed, query_error, session, wait_live

from app.services.presence import heartbeat_seconds


def people(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["user"]["name"], p["state"]) for p in result["ticketPresence"]]


async def shows(watch: Feed, expected: list[tuple[str, str]]) -> None:
    """Presence is a state: a subscriber gets the current list on every change, and changes
    close together may reach it as one. Wait until it shows ``expected``."""
    while people(await watch.next()) != expected:
        pass


async def report_over_socket(client: AsyncClientSession, number: int, state: str) -> dict:
    request = GraphQLRequest(REPORT_PRESENCE, variable_values={"n": number, "state": state})
    return (await client.execute(request))["reportPresence"]


async def test_staff_see_who_views_or_replies_until_the_socket_closes(live, world, settings):
    ticket = await open_ticket(world.client_a, world.dept_x)
    n = ticket.number
    async with session(live, token=world.admin.token) as admin:
        watch = Feed(admin, PRESENCE, {"n": n})
        assert people(await watch.next()) == []
        async with session(live, token=world.staff_x.token) as staff:
            report = await report_over_socket(staff, n, "VIEWING")
            assert report["__typename"] == "PresenceReport"
            assert report["heartbeatSeconds"] == heartbeat_seconds(settings.presence_ttl_seconds)
            await shows(watch, [("Xavier Staff", "VIEWING")])
            await report_over_socket(staff, n, "REPLYING")
            await shows(watch, [("Xavier Staff", "REPLYING")])
            await report_over_socket(staff, n, "REPLYING")  # a heartbeat: nothing changed
            await report_over_socket(admin, n, "VIEWING")
            await shows(
                watch,
                [
                    ("Xavier Staff", "REPLYING"),
                    ("Ada Admin", "VIEWING"),
                ],
            )
        # Xavier's browser went away: his socket closed, his presence with it.
        await shows(watch, [("Ada Admin", "VIEWING")])
        await watch.close()


async def test_leaving_the_ticket_view_clears_presence(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    n = ticket.number
    async with (
        session(live, token=world.admin.token) as admin,
        session(live, token=world.staff_x.token) as staff,
    ):
        watch = Feed(admin, PRESENCE, {"n": n})
        assert people(await watch.next()) == []
        view = Feed(staff, PRESENCE, {"n": n})
        assert people(await view.next()) == []
        variables = {"n": n, "state": "VIEWING"}
        await gql.data(REPORT_PRESENCE, variables, token=world.staff_x.token)  # over HTTP
        await shows(watch, [("Xavier Staff", "VIEWING")])
        await shows(view, [("Xavier Staff", "VIEWING")])
        await view.close()  # the ticket view unsubscribes; the socket stays open
        await shows(watch, [])
        await watch.close()


async def test_presence_lapses_without_a_heartbeat(live, gql, world, redis, settings, frozen_clock):
    ticket = await open_ticket(world.client_a, world.dept_x)
    n = ticket.number
    async with session(live, token=world.admin.token) as admin:
        watch = Feed(admin, PRESENCE, {"n": n})
        assert people(await watch.next()) == []
        variables = {"n": n, "state": "REPLYING"}
        await gql.data(REPORT_PRESENCE, variables, token=world.staff_x.token)
        await shows(watch, [("Xavier Staff", "REPLYING")])
        assert (
            0
            < await redis.ttl(f"helpdesk:presence:{ticket.id}")
            <= 2 * (settings.presence_ttl_seconds)
        )
        # Xavier's browser froze: no heartbeat for longer than the TTL.
        frozen_clock.advance(timedelta(seconds=settings.presence_ttl_seconds + 1))
        await gql.data(REPORT_PRESENCE, {"n": n, "state": "VIEWING"}, token=world.admin.token)
        await shows(watch, [("Ada Admin", "VIEWING")])
        await watch.close()


async def test_reporting_presence_is_refused_like_a_missing_ticket(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    missing = ticket.number + 500
    for person in (world.client_a, world.client_b, world.staff_y):
        seen = []
        for number in (ticket.number, missing):
            data = await gql.data(
                REPORT_PRESENCE, {"n": number, "state": "VIEWING"}, token=person.token
            )
            result = data["reportPresence"]
            seen.append({**result, "message": result["message"].replace(f"#{number}", "#N")})
        assert (
            seen[0]
            == seen[1]
            == {
                "__typename": "NotFound",
                "code": "NOT_FOUND",
                "message": "Ticket #N was not found.",
                "field": "number",
            }
        )
    anonymous = await gql.data(REPORT_PRESENCE, {"n": ticket.number, "state": "VIEWING"})
    assert anonymous["reportPresence"]["code"] == "NOT_FOUND"


async def test_presence_ends_when_the_ticket_moves_out_of_reach(live, gql, world):
    ticket = await open_ticket(world.client_a, world.dept_x)
    async with session(live, token=world.staff_x.token) as staff:
        watch = Feed(staff, PRESENCE, {"n": ticket.number})
        assert people(await watch.next()) == []
        await wait_live(live, subscriptions=1)
        move = {"number": ticket.number, "departmentId": str(world.dept_y.id)}
        await gql.data(UPDATE, {"input": move}, token=world.admin.token)
        assert query_error(await watch.ended()) == {
            "message": f"Ticket #{ticket.number} was not found.",
            "code": "NOT_FOUND",
        }
