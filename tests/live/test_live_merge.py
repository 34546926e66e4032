"""Merge live: the source's subscribers get MERGED with ``mergedInto`` (the page follows it),
the target's get MERGED (its thread grew); across clients the target's client is sent nothing
and the source's client learns nothing of the target."""

from __future__ import annotations

from ops import REPLY, open_ticket
from wsclient import LIST_EVENTS, Feed, session, wait_live

MERGE = """mutation($s: Int!, $t: Int!, $d: Boolean!) {
  mergeTickets(source: $s, target: $t, differentClients: $d) {
    __typename ... on Error { code message } } }"""
EVENTS = """subscription($n: Int!) { ticketEvents(number: $n) {
  type message { body } ticket { number status mergedInto { number } } } }"""


async def test_subscribers_of_the_source_get_merged_and_where_to_follow(live, gql, world):
    target = await open_ticket(world.client_a, world.dept_x, "Printer")
    source = await open_ticket(world.client_a, world.dept_x, "Printer again")
    async with (
        session(live, token=world.client_a.token) as client,
        session(live, token=world.staff_x.token) as staff,
    ):
        on_source = Feed(client, EVENTS, {"n": source.number})
        on_target = Feed(client, EVENTS, {"n": target.number})
        staff_source = Feed(staff, EVENTS, {"n": source.number})
        await wait_live(live, subscriptions=3)
        merged = await gql.data(
            MERGE, {"s": source.number, "t": target.number, "d": False}, token=world.staff_x.token
        )
        assert merged["mergeTickets"]["__typename"] == "MergedTickets"
        for feed in (on_source, staff_source):
            event = (await feed.next())["ticketEvents"]
            assert event["type"] == "MERGED"
            assert event["ticket"] == {
                "number": source.number,
                "status": "CLOSED",
                "mergedInto": {"number": target.number},
            }
        grown = (await on_target.next())["ticketEvents"]
        assert (grown["type"], grown["ticket"]["mergedInto"]) == ("MERGED", None)
        for feed in (on_source, on_target, staff_source):
            await feed.close()


async def test_across_clients_the_target_client_is_sent_nothing(live, gql, world):
    source = await open_ticket(world.client_a, world.dept_x, "Alice's printer")
    target = await open_ticket(world.client_b, world.dept_x, "Bob's printer")
    async with (
        session(live, token=world.client_a.token) as alice,
        session(live, token=world.client_b.token) as bob,
        session(live, token=world.staff_x.token) as staff,
    ):
        alice_source = Feed(alice, EVENTS, {"n": source.number})
        bob_target, bob_all = Feed(bob, EVENTS, {"n": target.number}), Feed(bob, LIST_EVENTS)
        staff_target = Feed(staff, EVENTS, {"n": target.number})
        await wait_live(live, subscriptions=4)
        merged = await gql.data(
            MERGE, {"s": source.number, "t": target.number, "d": True}, token=world.staff_x.token
        )
        assert merged["mergeTickets"]["__typename"] == "MergedTickets"
        seen = (await alice_source.next())["ticketEvents"]
        assert seen["type"] == "MERGED"
        assert seen["ticket"]["mergedInto"] is None  # Bob's ticket is not hers to see
        assert (await staff_target.next())["ticketEvents"]["type"] == "MERGED"
        # A staff reply on the target is the first thing Bob is sent: the merge was not.
        await gql.data(REPLY, {"n": target.number, "body": "On it"}, token=world.staff_x.token)
        first = (await bob_target.next())["ticketEvents"]
        assert (first["type"], first["message"]) == ("MESSAGE_ADDED", {"body": "On it"})
        listed = (await bob_all.next())["ticketListEvents"]
        assert (listed["type"], listed["ticket"]["number"]) == ("MESSAGE_ADDED", target.number)
        assert bob_target.pending() == bob_all.pending() == 0
        for feed in (alice_source, bob_target, bob_all, staff_target):
            await feed.close()
