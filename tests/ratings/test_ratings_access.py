"""Who rates and who sees ratings, for the five personas; bad input; a reply after the rating,
closing again, merged tickets, the rating event and the counts the reports read."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from ratings_support import CLOSE, RATE, RATING

from app.errors import NotFound
from app.events import EventType, TicketEvent
from app.models import OutboxEvent, RatingScore, TicketRating
from app.services import merge, ratings
from tests.core.helpers import REPLY, open_as

LIST = """{ tickets { edges { node { number rating { score comment } } } } }"""


async def closed_ticket(gql, world, person=None, department=None):
    ticket = await open_as(person or world.client_a, department or world.dept_x)
    staff = world.staff_y if department is world.dept_y else world.staff_x
    await gql.data(CLOSE, {"n": ticket.number}, token=staff.token)
    return ticket


def kind(answer: dict) -> str:
    return answer["rateTicket"]["__typename"]


async def test_the_client_rates_their_own_closed_ticket_and_others_are_refused(gql, world):
    ticket = await closed_ticket(gql, world)
    n = ticket.number
    refused = {
        "client B": (world.client_b, "NotFound"),
        "staff of another department": (world.staff_y, "NotFound"),
        "staff of the department": (world.staff_x, "PermissionDenied"),
        "admin": (world.admin, "PermissionDenied"),
    }
    for who, (person, error) in refused.items():
        answer = await gql.data(RATE, {"n": n, "s": "BAD"}, token=person.token)
        assert kind(answer) == error, who
    anonymous = await gql.data(RATE, {"n": n, "s": "BAD"})
    assert kind(anonymous) == "PermissionDenied"
    assert await TicketRating.all().count() == 0

    answer = await gql.data(RATE, {"n": n, "s": "GOOD", "c": "Thanks!"}, token=world.client_a.token)
    assert answer["rateTicket"] == {
        "__typename": "Rating",
        "score": "GOOD",
        "comment": "Thanks!",
        "source": "PORTAL",
    }


async def test_the_rating_is_seen_by_staff_with_access_admins_and_the_client_who_gave_it(
    gql, world
):
    ticket = await closed_ticket(gql, world)
    await gql.data(RATE, {"n": ticket.number, "s": "BAD", "c": "Slow"}, token=world.client_a.token)

    for person in (world.staff_x, world.admin, world.client_a):
        seen = await gql.data(RATING, {"n": ticket.number}, token=person.token)
        assert seen["ticket"]["rating"]["score"] == "BAD", person.user.email
        assert seen["ticket"]["rating"]["comment"] == "Slow"
        listed = await gql.data(LIST, token=person.token)
        rows = {e["node"]["number"]: e["node"] for e in listed["tickets"]["edges"]}
        assert rows[ticket.number]["rating"] == {"score": "BAD", "comment": "Slow"}
    for person in (world.client_b, world.staff_y):
        seen = await gql.data(RATING, {"n": ticket.number}, token=person.token)
        assert seen["ticket"] is None, person.user.email
        listed = await gql.data(LIST, token=person.token)
        assert ticket.number not in {e["node"]["number"] for e in listed["tickets"]["edges"]}


async def test_bad_input_is_a_typed_error_and_changes_nothing(gql, world):
    still_open = await open_as(world.client_a, world.dept_x)
    answer = await gql.data(RATE, {"n": still_open.number, "s": "GOOD"}, token=world.client_a.token)
    assert (answer["rateTicket"]["__typename"], answer["rateTicket"]["field"]) == (
        "ValidationError",
        "number",
    )
    closed = await closed_ticket(gql, world)
    long = "x" * (ratings.MAX_COMMENT_CHARS + 1)
    answer = await gql.data(
        RATE, {"n": closed.number, "s": "GOOD", "c": long}, token=world.client_a.token
    )
    assert (answer["rateTicket"]["__typename"], answer["rateTicket"]["field"]) == (
        "ValidationError",
        "comment",
    )
    missing = await gql.data(RATE, {"n": 999999, "s": "GOOD"}, token=world.client_a.token)
    assert kind(missing) == "NotFound"
    assert await TicketRating.all().count() == 0


async def test_a_reply_after_the_rating_keeps_it_and_the_next_close_asks_again(gql, world):
    ticket = await closed_ticket(gql, world)
    n = ticket.number
    await gql.data(RATE, {"n": n, "s": "GOOD"}, token=world.client_a.token)

    replied = await gql.data(
        REPLY, {"input": {"number": n, "body": "It broke again"}}, token=world.client_a.token
    )
    assert replied["replyToTicket"]["__typename"] == "Message"
    seen = await gql.data(RATING, {"n": n}, token=world.staff_x.token)
    assert seen["ticket"]["rating"]["score"] == "GOOD"  # reopened, still rated
    reopened = await gql.data(RATE, {"n": n, "s": "BAD"}, token=world.client_a.token)
    assert reopened["rateTicket"]["__typename"] == "ValidationError"  # not while open

    await gql.data(CLOSE, {"n": n}, token=world.staff_x.token)
    await gql.data(RATE, {"n": n, "s": "BAD", "c": "Came back"}, token=world.client_a.token)
    seen = await gql.data(RATING, {"n": n}, token=world.staff_x.token)
    assert seen["ticket"]["rating"]["score"] == "BAD"  # the latest wins
    history = await TicketRating.filter(ticket_id=ticket.id).order_by("id")
    assert [(r.score, r.current) for r in history] == [
        (RatingScore.GOOD, False),
        (RatingScore.BAD, True),
    ]
    assert history[0].close_entry_id < history[1].close_entry_id


async def test_a_merged_ticket_is_not_rated(gql, world):
    source = await open_as(world.client_a, world.dept_x, subject="Dup")
    target = await open_as(world.client_a, world.dept_x, subject="Main")
    await merge.merge_tickets(actor=world.staff_x.actor, source=source.number, target=target.number)
    answer = await gql.data(RATE, {"n": source.number, "s": "GOOD"}, token=world.client_a.token)
    assert answer["rateTicket"]["__typename"] == "ValidationError"
    assert "merged" in answer["rateTicket"]["message"]
    assert await TicketRating.all().count() == 0


async def test_a_rating_is_an_internal_event_with_the_ticket(gql, world):
    ticket = await closed_ticket(gql, world)
    await gql.data(RATE, {"n": ticket.number, "s": "GOOD"}, token=world.client_a.token)
    rows = await OutboxEvent.all().order_by("id")
    rated = [TicketEvent.from_json(r.payload) for r in rows if '"RATED"' in r.payload]
    assert len(rated) == 1
    assert rated[0].type is EventType.RATED and rated[0].internal
    assert (rated[0].ticket, rated[0].department) == (ticket.number, world.dept_x.id)


async def test_counts_per_day_and_department_follow_the_viewer(gql, world, frozen_clock):
    x1 = await closed_ticket(gql, world)
    x2 = await closed_ticket(gql, world, person=world.client_b)
    y1 = await closed_ticket(gql, world, department=world.dept_y)
    await gql.data(RATE, {"n": x1.number, "s": "GOOD"}, token=world.client_a.token)
    await gql.data(RATE, {"n": y1.number, "s": "BAD"}, token=world.client_a.token)
    frozen_clock.advance(timedelta(days=1))
    await gql.data(RATE, {"n": x2.number, "s": "BAD"}, token=world.client_b.token)
    await gql.data(RATE, {"n": x1.number, "s": "BAD"}, token=world.client_a.token)  # replaces

    start = frozen_clock.now() - timedelta(days=5)
    end = frozen_clock.now() + timedelta(days=1)
    day2 = frozen_clock.now().astimezone(UTC).date()
    admin = await ratings.counts(actor=world.admin.actor, start=start, end=end)
    assert {(c.period, c.department_id, c.good, c.bad) for c in admin} == {
        (day2 - timedelta(days=1), world.dept_y.id, 0, 1),
        (day2, world.dept_x.id, 0, 2),
    }
    staff_y = await ratings.counts(actor=world.staff_y.actor, start=start, end=end)
    assert [(c.department_id, c.bad) for c in staff_y] == [(world.dept_y.id, 1)]
    only_x = await ratings.counts(
        actor=world.admin.actor, start=start, end=end, department_id=world.dept_x.id
    )
    assert [(c.good, c.bad) for c in only_x] == [(0, 2)]
    monthly = await ratings.counts(
        actor=world.admin.actor, start=start, end=end, granularity="month"
    )
    assert {c.period.day for c in monthly} == {1}
    assert sum(c.bad for c in monthly) == 3 and sum(c.good for c in monthly) == 0
    for client in (world.client_a, None):
        with pytest.raises(NotFound):
            await ratings.counts(actor=client.actor if client else None, start=start, end=end)
