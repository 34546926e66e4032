"""Ratings live: a live event's ticket carries its rating for exactly those who see it in a
query (staff of its department, admins, its own client), and nobody else gets the event."""

from __future__ import annotations

from ops import CLOSE, REPLY, open_ticket
from wsclient import Feed, session, wait_live

RATE = """mutation($n: Int!, $s: RatingScore!, $c: String) {
  rateTicket(number: $n, score: $s, comment: $c) { __typename } }"""
FIELDS = "type ticket { number rating { score comment source } }"
ONE = f"subscription($n: Int!) {{ ticketEvents(number: $n) {{ {FIELDS} }} }}"
ALL = f"subscription {{ ticketListEvents {{ {FIELDS} }} }}"
LIST = "{ tickets { edges { node { number rating { score comment source } } } } }"


async def test_the_rating_in_live_events_is_shown_as_in_queries(live, gql, world):
    rated = await open_ticket(world.client_a, world.dept_x)
    unrated = await open_ticket(world.client_a, world.dept_x, subject="Scanner")
    n = rated.number
    await gql.data(CLOSE, {"n": n}, token=world.staff_x.token)
    answer = await gql.data(RATE, {"n": n, "s": "BAD", "c": "Slow"}, token=world.client_a.token)
    assert answer["rateTicket"]["__typename"] == "Rating"
    expected = {"score": "BAD", "comment": "Slow", "source": "PORTAL"}
    seers = {"client A": world.client_a, "staff X": world.staff_x, "admin": world.admin}
    for who, person in seers.items():  # what a query shows each of them
        listed = await gql.data(LIST, token=person.token)
        rows = {e["node"]["number"]: e["node"]["rating"] for e in listed["tickets"]["edges"]}
        assert (rows[n], rows[unrated.number]) == (expected, None), who
    async with (
        session(live, token=world.client_a.token) as client,
        session(live, token=world.staff_x.token) as staff,
        session(live, token=world.admin.token) as admin,
        session(live, token=world.staff_y.token) as other_staff,
        session(live, token=world.client_b.token) as other_client,
    ):
        feeds = {
            "client A": (Feed(client, ONE, {"n": n}), Feed(client, ALL)),
            "staff X": (Feed(staff, ONE, {"n": n}), Feed(staff, ALL)),
            "admin": (Feed(admin, ONE, {"n": n}), Feed(admin, ALL)),
        }
        outsiders = [Feed(other_staff, ALL), Feed(other_client, ALL)]
        await wait_live(live, subscriptions=8)
        # A public reply (every class of subscriber gets it), then the unrated ticket's.
        await gql.data(REPLY, {"n": n, "body": "Sorry"}, token=world.staff_x.token)
        await gql.data(REPLY, {"n": unrated.number, "body": "On it"}, token=world.staff_x.token)
        for who, (one, every) in feeds.items():
            event = (await one.next())["ticketEvents"]
            assert event["type"] == "MESSAGE_ADDED", who
            assert event["ticket"] == {"number": n, "rating": expected}, who
            seen = [(await every.next())["ticketListEvents"]["ticket"]]
            while seen[-1]["number"] == n:  # the reply, and any change it made
                seen.append((await every.next())["ticketListEvents"]["ticket"])
            assert seen[0] == {"number": n, "rating": expected}, who
            assert all(ticket == seen[0] for ticket in seen[:-1]), who
            assert seen[-1] == {"number": unrated.number, "rating": None}, who
        assert [feed.pending() for feed in outsiders] == [0, 0]
        for pair in feeds.values():
            for feed in pair:
                await feed.close()
        for feed in outsiders:
            await feed.close()
