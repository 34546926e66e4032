"""What a search's ranking and cursors may tell: nothing about tickets, notes or departments
the searcher cannot see (scores come from the matched ticket alone, cursors carry no score),
and a relevance cursor is checked like every other cursor."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from tests.core.helpers import note_as, open_as
from tests.core.test_search import SEARCH, find, numbers


async def pages(gql, person, text):
    """Every page of one ticket of ``text``'s relevance search: (numbers, cursors)."""
    got, cursors, after = [], [], None
    while True:
        page = await find(
            gql,
            person,
            text,
            sort={"field": "RELEVANCE", "direction": "DESC"},
            first=1,
            after=after,
        )
        got += numbers(page)
        cursors += [e["cursor"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return got, cursors
        after = page["pageInfo"]["endCursor"]


@pytest.fixture
async def bobs(world, frozen_clock):
    """Bob's two billing tickets, both mentioning invoices and March."""
    first = await open_as(
        world.client_b,
        world.dept_y,
        "Invoice question",
        "The invoice for March was charged twice, see invoice 42 and the March statement.",
    )
    frozen_clock.advance(timedelta(minutes=1))
    second = await open_as(
        world.client_b,
        world.dept_y,
        "Refund please",
        "Please refund the March invoice; the amount on it is wrong and I paid it already.",
    )
    return first, second


SEARCHES = ["invoice", "march", "invoice march", "invoice or refund", "march or paid"]


async def test_ranking_and_cursors_tell_nothing_of_what_the_searcher_cannot_see(
    gql, world, bobs, frozen_clock
):
    people = [world.client_b, world.staff_y]
    before = {(p.user.name, t): await pages(gql, p, t) for p in people for t in SEARCHES}
    assert all(found for found, _ in before.values())
    # Another client's tickets, in another department, full of the searched words.
    for subject in ("Invoice invoice", "March"):
        frozen_clock.advance(timedelta(minutes=1))
        await open_as(
            world.client_a, world.dept_x, subject, "invoice march refund paid " * 20 + "zebrafish"
        )
    after = {(p.user.name, t): await pages(gql, p, t) for p in people for t in SEARCHES}
    assert after == before
    # A note on Bob's own ticket, which Bob never sees.
    await note_as(world.staff_y, bobs[0], "invoice invoice march refund paid march invoice")
    assert {t: await pages(gql, world.client_b, t) for t in SEARCHES} == {
        t: before[(world.client_b.user.name, t)] for t in SEARCHES
    }


async def test_a_relevance_cursor_holds_no_score(gql, world, bobs):
    _, cursors = await pages(gql, world.client_b, "invoice")
    for cursor in cursors:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        assert not any(isinstance(v, float) for v in key), key


def forged(key) -> str:
    raw = json.dumps(["ticket.relevance", *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_a_relevance_cursor_of_another_search_or_forged_is_refused(gql, world, bobs):
    _, cursors = await pages(gql, world.client_b, "invoice")
    tag = json.loads(base64.urlsafe_b64decode(cursors[0] + "=" * (-len(cursors[0]) % 4)))[1]
    relevance = {"field": "RELEVANCE", "direction": "DESC"}
    for text, after in [
        ("march", cursors[0]),  # another search's cursor
        ("invoice", forged([1.0, 99999999999])),  # the old shape, an id past 2^31 - 1
        ("invoice", forged([1e999, bobs[0].id])),
        ("invoice", forged([tag, 99999999999])),
        ("invoice", forged([tag, True])),
        ("invoice", forged([tag, str(bobs[0].id)])),
    ]:
        variables = {"filter": {"search": text}, "sort": relevance, "after": after}
        body = await gql(SEARCH, variables, token=world.client_b.token)
        assert body["data"] is None, (text, after)
        assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "after"}
    # Ascending is another order: its cursors are not descending's.
    variables = {
        "filter": {"search": "invoice"},
        "sort": {"field": "RELEVANCE", "direction": "ASC"},
        "after": cursors[0],
    }
    body = await gql(SEARCH, variables, token=world.client_b.token)
    assert body["errors"][0]["extensions"]["field"] == "after"


async def test_a_cursor_of_a_ticket_the_search_no_longer_finds_is_refused(gql, world, bobs):
    from app.models import Message, Ticket

    page = await find(gql, world.client_b, "refund", sort={"field": "RELEVANCE"}, first=1)
    assert numbers(page) == [bobs[1].number]
    await Ticket.filter(id=bobs[1].id).update(subject="Money back")
    await Message.filter(ticket_id=bobs[1].id).update(body="Money back please")
    variables = {
        "filter": {"search": "refund"},
        "sort": {"field": "RELEVANCE"},
        "after": page["pageInfo"]["endCursor"],
    }
    body = await gql(SEARCH, variables, token=world.client_b.token)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "after"}
