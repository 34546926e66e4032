"""PostgreSQL, several words: each word's ways of finding a ticket (subjects, messages,
clients) walk to ``search.TERMS_CHECKED`` matches at most, the other words are checked on the
newest that many tickets of the rarest, and a search that stopped there says its count is a
lower bound; the check reads the words' subjects, clients and numbers in one pass."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import open_as
from tortoise import connections

from app.models import Ticket
from app.services import search
from app.services import search_words as words
from app.services.ticket_list import SortField, TicketFilter, TicketSort, list_tickets

RELEVANCE = TicketSort(field=SortField.RELEVANCE)
NEWEST = TicketSort(field=SortField.NUMBER)


@pytest.fixture
def checked(monkeypatch):
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the bound is PostgreSQL's; SQLite's FTS5 checks every match")
    monkeypatch.setattr(search, "TERMS_CHECKED", 3)
    words._statistics.clear()  # none kept from an earlier test's tables


async def test_the_newest_tickets_of_the_rarest_word_are_checked(world, checked, frozen_clock):
    older = await open_as(world.client_b, world.dept_x, "Walrus tusk", "Old case")
    frozen_clock.advance(timedelta(minutes=1))
    opened = []
    for i in range(5):
        opened.append(
            await open_as(world.client_a, world.dept_x, f"Case {i}", "walrus tusk cracked")
        )
        frozen_clock.advance(timedelta(minutes=1))
    only = await open_as(world.client_b, world.dept_y, "Walrus only", "nothing else")
    newest = [t.number for t in opened[2:]]
    for sort in (RELEVANCE, NEWEST):
        page = await list_tickets(
            actor=world.admin.actor, flt=TicketFilter(search="walrus tusk"), sort=sort
        )
        assert sorted(t.number for t in page.tickets) == newest, sort
        assert page.total_capped, sort  # "3+": older tickets have both words too
    # Within the bound the answer is exact: Bob's two tickets, by his name and their subjects.
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search="bob walrus"), sort=NEWEST
    )
    assert [t.number for t in page.tickets] == [only.number, older.number]
    assert (page.total, page.total_capped) == (2, False)
    # Alice's tickets by her name and a word of their messages: her newest three.
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search="alice cracked"), sort=NEWEST
    )
    assert sorted(t.number for t in page.tickets) == newest
    assert page.total_capped
    # A number and a word: that ticket only, whatever the bound.
    number = opened[0].number
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search=f"#{number} walrus"), sort=RELEVANCE
    )
    assert [t.number for t in page.tickets] == [number]


async def test_with_the_planners_statistics_a_word_only_in_subjects_does_not_hide_a_ticket(
    world, checked, frozen_clock
):
    """ "generated" is in every subject and no message: the statistics (of messages) make it
    the rarest word, its walk stops at the bound, and the number is walked too."""
    opened = []
    for i in range(8):
        opened.append(await open_as(world.client_a, world.dept_x, f"Generated request {i + 40}"))
        frozen_clock.advance(timedelta(seconds=1))
    await connections.get("default").execute_script("ANALYZE messages")
    words._statistics.clear()  # read again, as after STATISTICS_KEPT
    target = opened[1]
    for person in (world.admin, world.staff_x):
        page = await list_tickets(
            actor=person.actor, flt=TicketFilter(search="generated request 41"), sort=RELEVANCE
        )
        assert [t.number for t in page.tickets] == [target.number]
        assert not page.total_capped
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search="generated help"), sort=NEWEST
    )
    assert sorted(t.number for t in page.tickets) == [t.number for t in opened[-3:]]
    assert page.total_capped


async def test_a_word_no_rarer_in_messages_than_one_that_stopped_is_not_walked(
    world, checked, frozen_clock, monkeypatch
):
    """ "walrus" is rarer in messages than "tusk" (the statistics say so) and its messages'
    walk stops at the bound: "tusk" would stop there too, so only "walrus" is walked and its
    newest tickets are checked for "tusk"."""
    both = []
    for i in range(6):
        both.append(await open_as(world.client_a, world.dept_x, f"Case {i}", "walrus tusk"))
        frozen_clock.advance(timedelta(minutes=1))
    for i in range(12):
        await open_as(world.client_b, world.dept_y, f"Other {i}", "tusk cracked")
        frozen_clock.advance(timedelta(minutes=1))
    await connections.get("default").execute_script("ANALYZE messages")
    words._statistics.clear()
    walked: list[str] = []
    term_tickets = search._term_tickets

    async def recorded(scope, term):
        walked.append(term.text)
        return await term_tickets(scope, term)

    monkeypatch.setattr(search, "_term_tickets", recorded)
    for sort in (RELEVANCE, NEWEST):
        walked.clear()
        page = await list_tickets(
            actor=world.admin.actor, flt=TicketFilter(search="tusk walrus"), sort=sort
        )
        assert set(walked) == {"walrus"}, sort  # once, or twice: the page and its count
        assert sorted(t.number for t in page.tickets) == [t.number for t in both[-3:]], sort
        assert page.total_capped, sort
    # A term the statistics do not list (a name) is walked as before, and so is the next.
    walked.clear()
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search="walrus bob"), sort=NEWEST
    )
    assert set(walked) == {"walrus", "bob"}
    assert page.tickets == []
