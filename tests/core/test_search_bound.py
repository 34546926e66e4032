"""PostgreSQL ranks only the newest matches of a search (``search.CANDIDATES``): a word in
very many messages stays fast, the newest tickets it is in are found, the bound applies within
the searcher's scope, and a search that reached it says its count is a lower bound."""

from __future__ import annotations

import pytest
from helpers import open_as
from tortoise import connections

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


@pytest.fixture
def windowed(monkeypatch):
    """Tiny bounds: the newest 2 rows one by one, then older ones (one by one for a word in
    every other row, else a window of ids, then everything older); at most four matches
    ranked."""
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the steps are PostgreSQL's; SQLite's FTS5 ranks every match")
    monkeypatch.setattr(search, "RECENT_MESSAGES", 2)
    monkeypatch.setattr(search, "RECENT_SUBJECTS", 2)
    monkeypatch.setattr(search, "DENSE", 2)
    monkeypatch.setattr(search, "CANDIDATES", 4)
    monkeypatch.setattr(search, "PHRASE_CANDIDATES", 4)


async def test_a_strong_old_match_is_found_and_ranked_first_through_every_window(world, windowed):
    strong = await open_as(
        world.client_b, world.dept_y, subject="Firmware upgrade", body="firmware firmware"
    )
    for i in range(12):  # older than every window but the last
        await open_as(world.client_a, world.dept_x, subject=f"Other {i}", body="unrelated words")
    weak = [
        await open_as(world.client_a, world.dept_x, subject=f"Case {i}", body="about firmware")
        for i in range(2)
    ]
    for i in range(3):
        await open_as(world.client_a, world.dept_x, subject=f"Late {i}", body="more words")
    for actor in (world.admin.actor, world.staff_y.actor):
        page = await list_tickets(actor=actor, flt=TicketFilter(search="firmware"), sort=RELEVANCE)
        visible = [strong] + (weak if actor is world.admin.actor else [])
        # The oldest ticket, found by its subject and its message, ranks first.
        assert page.tickets[0].number == strong.number
        assert sorted(t.number for t in page.tickets) == sorted(t.number for t in visible)
        assert (page.total, page.total_capped) == (len(visible), False)


async def test_a_phrase_is_checked_on_the_newest_rows_with_its_words(world, windowed):
    old = await open_as(world.client_a, world.dept_x, subject="Old", body="paper jam in the tray")
    for i in range(4):  # both words, not as the phrase
        await open_as(world.client_a, world.dept_x, subject=f"Mixed {i}", body="jam the paper")
    recent = await open_as(world.client_a, world.dept_x, subject="New", body="a paper jam")
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search='"paper jam"'), sort=RELEVANCE
    )
    # The phrase is checked on the newest four rows with both words: the recent match is
    # found, the old one is not, and the count says there may be more ("1+").
    assert [t.number for t in page.tickets] == [recent.number]
    assert (page.total, page.total_capped) == (1, True)
    # Narrowed by another word, the old one is found, exactly.
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search='"paper jam" tray'), sort=RELEVANCE
    )
    assert [t.number for t in page.tickets] == [old.number]
    assert (page.total, page.total_capped) == (1, False)
    # A negated phrase is not relaxed: it still excludes exactly its matches, the tickets
    # with it anywhere, from the newest four with "jam" (the recent one and three Mixed):
    # three, and there may be more ("3+").
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search='jam -"paper jam"'), sort=NEWEST
    )
    assert recent.number not in [t.number for t in page.tickets]
    assert old.number not in [t.number for t in page.tickets]
    assert len(page.tickets) == 3 and page.total_capped


@pytest.mark.parametrize(
    ("text", "loose"),
    [
        ("printer", None),
        ('"paper jam"', "paper jam"),
        ('tray "paper jam" -"toner low" or fax', 'tray paper jam -"toner low" or fax'),
        ('"jam -paper or tray"', "jam paper tray"),  # inside a phrase these are words
        ('"single"', None),
        ('odd"quote here', None),
    ],
)
def test_a_phrase_relaxed_to_its_words(text, loose):
    assert search.relaxed(text) == loose


@pytest.fixture
def stepped(monkeypatch):
    """The newest 2 rows one by one; a word in at least 1 of every 2 of them is walked on one
    by one, a rarer one comes from a window of ids (1.5 times its estimate), then from every
    older row; at most three matches ranked."""
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the steps are PostgreSQL's; SQLite's FTS5 ranks every match")
    monkeypatch.setattr(search, "RECENT_MESSAGES", 2)
    monkeypatch.setattr(search, "RECENT_SUBJECTS", 2)
    monkeypatch.setattr(search, "DENSE", 2)
    monkeypatch.setattr(search, "MARGIN", 1.5)
    monkeypatch.setattr(search, "CANDIDATES", 3)


@pytest.mark.parametrize(
    "layout",
    [
        "MMxMMxM",  # common: the newest rows have one in two, walked on one by one
        "MxxMxxxMxM",  # rarer: a window sized from the newest rows' one match
        "MMxxxxxxxxxMxM",  # the window too narrow: the rest from every older row
        "MMxMxxxx",  # none among the newest: every older row's matches from the index
        "xM",  # fewer than the bound in all: every one, exactly
    ],
)
async def test_each_step_finds_the_newest_matches_within_the_scope(world, stepped, layout):
    """Oldest first, M a message with the word, x one without; Yolanda's department has a
    match between each two of them (never hers to find as Xavier, always as herself)."""
    ours = []
    for i, kind in enumerate(layout):
        body = "firmware update" if kind == "M" else "other words"
        ticket = await open_as(world.client_a, world.dept_x, subject=f"Case {i}", body=body)
        if kind == "M":
            ours.append(ticket.number)
        await open_as(world.client_b, world.dept_y, subject=f"Bill {i}", body="firmware")
    newest = sorted(ours)[-3:]
    for actor in (world.admin.actor, world.staff_x.actor):
        page = await list_tickets(
            actor=actor,
            flt=TicketFilter(search="firmware", department_id=world.dept_x.id),
            sort=RELEVANCE,
        )
        assert sorted(t.number for t in page.tickets) == newest, actor
        assert (page.total, page.total_capped) == (len(newest), len(ours) >= 3), actor
    page = await list_tickets(
        actor=world.staff_x.actor, flt=TicketFilter(search="firmware"), sort=NEWEST
    )
    assert sorted(t.number for t in page.tickets) == newest


async def test_a_phrase_none_of_whose_candidates_has_it_says_there_may_be_some(world, windowed):
    await open_as(world.client_a, world.dept_x, subject="Old", body="paper jam in the tray")
    for i in range(4):  # both words, not as the phrase: the candidates' bound
        await open_as(world.client_a, world.dept_x, subject=f"Mixed {i}", body="jam the paper")
    for sort in (RELEVANCE, NEWEST):
        page = await list_tickets(
            actor=world.admin.actor, flt=TicketFilter(search='"paper jam"'), sort=sort
        )
        # Nothing found among the newest four with both words, and the count says "0+".
        assert (page.tickets, page.total, page.total_capped) == ([], 0, True), sort


async def test_the_search_indexes_keep_no_pending_list(world):
    """Migration 0021: new words go straight into the GIN indexes, so no search reads a
    pending list of them."""
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        pytest.skip("GIN indexes are PostgreSQL's")
    _, rows = await conn.execute_query(
        "SELECT relname, reloptions FROM pg_class WHERE relname IN "
        "('messages_search_vector_idx', 'tickets_search_vector_idx') ORDER BY relname"
    )
    assert [(r["relname"], r["reloptions"]) for r in rows] == [
        ("messages_search_vector_idx", ["fastupdate=off"]),
        ("tickets_search_vector_idx", ["fastupdate=off"]),
    ]


async def test_subjects_rank_only_the_newest_matching_subjects(world, monkeypatch):
    """``search.SUBJECT_CANDIDATES``: fewer subjects than messages are ranked (a subject match
    outranks every message match: they fill the first pages), and reaching that bound says
    there may be more; a ticket whose older subject has the word is still found by a message."""
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the bound is PostgreSQL's; SQLite's FTS5 ranks every match")
    monkeypatch.setattr(search, "SUBJECT_CANDIDATES", 2)
    monkeypatch.setattr(search, "CANDIDATES", 4)
    by_message = await open_as(world.client_a, world.dept_x, subject="Modem", body="modem dead")
    old = await open_as(world.client_a, world.dept_x, subject="Modem old", body="no signal")
    recent = [
        await open_as(world.client_a, world.dept_x, subject=f"Modem {i}", body="no signal")
        for i in range(2)
    ]
    page = await list_tickets(
        actor=world.admin.actor, flt=TicketFilter(search="modem"), sort=RELEVANCE
    )
    # The two newest subjects first, then the ticket found by its message; not the older one.
    assert [t.number for t in page.tickets][:2] == sorted((t.number for t in recent), reverse=True)
    assert [t.number for t in page.tickets][2:] == [by_message.number]
    assert old.number not in [t.number for t in page.tickets]
    assert (page.total, page.total_capped) == (3, True)


async def test_a_common_word_ranks_only_its_newest_matches_a_rarer_one_all(world, monkeypatch):
    """``search.COMMON_CANDIDATES``: a word in at least one of ``DENSE`` of the newest messages
    ranks its newest few matches and says there may be more; a rarer word, under
    ``CANDIDATES``, still finds every match, however old."""
    if Ticket._meta.db.capabilities.dialect != "postgres":
        pytest.skip("the bound is PostgreSQL's; SQLite's FTS5 ranks every match")
    monkeypatch.setattr(search, "RECENT_MESSAGES", 4)
    monkeypatch.setattr(search, "RECENT_SUBJECTS", 4)
    monkeypatch.setattr(search, "DENSE", 2)
    monkeypatch.setattr(search, "CANDIDATES", 10)
    monkeypatch.setattr(search, "COMMON_CANDIDATES", 2)
    toner = [
        await open_as(world.client_a, world.dept_x, subject=f"Old {i}", body="toner low")
        for i in range(3)
    ]
    common = [
        await open_as(world.client_a, world.dept_x, subject=f"Case {i}", body="firmware update")
        for i in range(6)
    ]
    for actor in (world.admin.actor, world.staff_x.actor):
        page = await list_tickets(actor=actor, flt=TicketFilter(search="firmware"), sort=RELEVANCE)
        assert sorted(t.number for t in page.tickets) == [t.number for t in common[-2:]], actor
        assert (page.total, page.total_capped) == (2, True), actor
        page = await list_tickets(actor=actor, flt=TicketFilter(search="toner"), sort=RELEVANCE)
        assert sorted(t.number for t in page.tickets) == [t.number for t in toner], actor
        assert (page.total, page.total_capped) == (3, False), actor


@pytest.mark.parametrize(
    ("walk", "listed"),
    [
        (100, 2000),  # few clients: each one's tickets from the client index
        (1, 2000),  # many: every ticket walked newest first, theirs kept
        (1, 1),  # more than are listed: a subquery, as before
    ],
)
async def test_a_name_finds_the_newest_tickets_of_its_clients(world, monkeypatch, walk, listed):
    """``search.CLIENT_WALK`` and ``CLIENT_LIST``: whichever way the clients' tickets are read,
    a name finds the newest ``CANDIDATES`` of them (PostgreSQL) and no one else's; staff only
    their department's."""
    postgres = Ticket._meta.db.capabilities.dialect == "postgres"
    monkeypatch.setattr(search, "CLIENT_WALK", walk)
    monkeypatch.setattr(search, "CLIENT_LIST", listed)
    monkeypatch.setattr(search, "CANDIDATES", 3)
    ours = [
        await open_as(person, dept, subject=f"Case {i}", body="nothing in common")
        for i, (person, dept) in enumerate(
            [(world.client_a, world.dept_x), (world.client_b, world.dept_y)] * 3
        )
    ]
    later = await open_as(world.client_a, world.dept_x, subject="Later", body="Alice Client wrote")
    other = await open_as(world.client_b, world.dept_x, subject="Bob's", body="hello")

    def newest(numbers: list[int]) -> list[int]:
        return sorted(numbers)[-3:] if postgres else sorted(numbers)

    page = await list_tickets(actor=world.admin.actor, flt=TicketFilter(search="client"))
    everyone = [t.number for t in ours] + [later.number, other.number]
    assert sorted(t.number for t in page.tickets) == newest(everyone)
    page = await list_tickets(actor=world.admin.actor, flt=TicketFilter(search="Alice"))
    alices = [t.number for t in ours[::2]] + [later.number]
    assert sorted(t.number for t in page.tickets) == newest(alices)
    page = await list_tickets(actor=world.staff_y.actor, flt=TicketFilter(search="Bob"))
    assert sorted(t.number for t in page.tickets) == [t.number for t in ours[1::2]]
