"""A ticket moved out of a viewer's departments leaves their list and their saved views'
counts: the list subscription tells them (LEFT, naming no ticket), so the dashboard refetches
both; everyone else hears what they heard before."""

from __future__ import annotations

import contextlib

from ops import UPDATE, open_ticket
from wsclient import LIST_EVENTS, Feed, session, wait_live

from app.services import saved_views
from app.services.ticket_list import TicketFilter

VIEWS = "{ savedViews { name count } }"


def seen(result: dict) -> tuple[str, int | None]:
    event = result["ticketListEvents"]
    return event["type"], event["ticket"]["number"] if event["ticket"] else None


async def test_a_ticket_moved_away_leaves_the_list_and_the_view_counts_of_its_old_department(
    live, gql, world
):
    await saved_views.save_view(actor=world.staff_x.actor, name="Everything", flt=TicketFilter())
    moving = await open_ticket(world.client_a, world.dept_x, "Invoice")
    printer = await open_ticket(world.client_a, world.dept_x, "Printer")
    views = await gql.data(VIEWS, token=world.staff_x.token)
    assert views["savedViews"] == [{"name": "Everything", "count": 2}]

    people = {
        "staff X": world.staff_x,
        "staff Y": world.staff_y,
        "owner": world.client_a,
        "other client": world.client_b,
        "admin": world.admin,
    }
    async with contextlib.AsyncExitStack() as stack:
        feeds = {
            name: Feed(await stack.enter_async_context(session(live, token=p.token)), LIST_EVENTS)
            for name, p in people.items()
        }
        await wait_live(live, subscriptions=len(feeds))
        move = {"input": {"number": moving.number, "departmentId": str(world.dept_y.id)}}
        await gql.data(UPDATE, move, token=world.admin.token)
        assert seen(await feeds["staff X"].next()) == ("LEFT", None)
        # The refetch the event asks for: the view no longer counts the moved ticket, nor
        # does the list show it.
        views = await gql.data(VIEWS, token=world.staff_x.token)
        assert views["savedViews"] == [{"name": "Everything", "count": 1}]
        page = await gql.data(
            "{ tickets(first: 10) { edges { node { number } } } }", token=world.staff_x.token
        )
        assert [e["node"]["number"] for e in page["tickets"]["edges"]] == [printer.number]
        # Then a ticket everyone but staff Y sees: what came before it is all of the move.
        last = await open_ticket(world.client_b, world.dept_x, "Last")

        updated = ("UPDATED", moving.number)
        expected = {
            "staff X": [("CREATED", last.number)],
            "staff Y": [updated],
            "owner": [updated],
            "other client": [("CREATED", last.number)],
            "admin": [updated, ("CREATED", last.number)],
        }
        for name, want in expected.items():
            assert [seen(await feeds[name].next()) for _ in want] == want, name
        # Staff Y's next event is their own next one (nothing of department X's in between).
        mine = await open_ticket(world.client_b, world.dept_y, "For Y")
        assert seen(await feeds["staff Y"].next()) == ("CREATED", mine.number)
        for feed in feeds.values():
            await feed.close()


async def test_a_ticket_moved_between_two_departments_of_the_viewer_is_an_update(live, gql, world):
    """Staff of both departments still see it: an ordinary UPDATED, no LEFT."""
    both = [str(world.dept_x.id), str(world.dept_y.id)]
    changed = await gql.data(
        "mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }",
        {"input": {"id": str(world.staff_x.id), "departmentIds": both}},
        token=world.admin.token,
    )
    assert changed["updateUser"]["__typename"] == "User"
    moving = await open_ticket(world.client_a, world.dept_x, "Invoice")
    async with session(live, token=world.staff_x.token) as socket:
        feed = Feed(socket, LIST_EVENTS)
        await wait_live(live, subscriptions=1)
        move = {"input": {"number": moving.number, "departmentId": str(world.dept_y.id)}}
        await gql.data(UPDATE, move, token=world.admin.token)
        assert seen(await feed.next()) == ("UPDATED", moving.number)
        await feed.close()
