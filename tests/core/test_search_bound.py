"""PostgreSQL ranks only the newest matches of a search (``search.CANDIDATES``): a word in
very many messages stays fast, the newest tickets it is in are found, the bound applies within
the searcher's scope, and a search that reached it says its count is a lower bound."""

from __future__ import annotations

import pytest
from helpers import open_as

from app.models import Ticket
from app.services import search
from app.services.ticket_list import SortField, TicketFilter, TicketSort, list_tickets

RELEVANCE = TicketSort(field=SortField.RELEVANCE)
NEWEST = TicketSort(field=SortField.NUMBER)


@pytest.fixture
def bounded(monkeypatch):
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the bound is PostgreSQL's; SQLite's FTS5 ranks every match")
    monkeypatch.setattr(search, "CANDIDATES", 3)


async def test_a_common_word_ranks_the_newest_matches_and_says_there_may_be_more(world, bounded):
    older = await open_as(world.client_b, world.dept_y, subject="Billing", body="printer broke")
    opened = [
        await open_as(world.client_a, world.dept_x, subject=f"Case {i}", body="printer jam")
        for i in range(5)
    ]
    await open_as(world.client_a, world.dept_x, subject="Other", body="toner low")
    for sort in (RELEVANCE, NEWEST):
        page = await list_tickets(
            actor=world.admin.actor, flt=TicketFilter(search="printer"), sort=sort
        )
        assert sorted(t.number for t in page.tickets) == [t.number for t in opened[2:]]
        assert page.total_capped, sort  # "3+": there may be more
    # Under the bound the answer is exact.
    page = await list_tickets(actor=world.admin.actor, flt=TicketFilter(search="toner"))
    assert (page.total, page.total_capped) == (1, False)
    # The bound counts within the searcher's scope: Yolanda's one older match is found.
    page = await list_tickets(
        actor=world.staff_y.actor, flt=TicketFilter(search="printer"), sort=RELEVANCE
    )
    assert [t.number for t in page.tickets] == [older.number]
    assert (page.total, page.total_capped) == (1, False)
    # Clients: their own tickets only, bounded the same way.
    page = await list_tickets(
        actor=world.client_b.actor, flt=TicketFilter(search="printer"), sort=RELEVANCE
    )
    assert [t.number for t in page.tickets] == [older.number]
