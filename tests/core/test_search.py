"""Full-text search in the ticket list: every way of finding a ticket, who finds what (notes
never for clients: no hit, no count, no highlight), filters, sorts, pages and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import Message
from tests.core.helpers import note_as, open_as

SEARCH = """
query($sort: TicketSort, $filter: TicketFilter, $first: Int, $after: String) {
  tickets(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor highlight { field parts { text matched } }
            node { number subject status client { name } } } } }
"""


async def find(gql, person, text, *, flt=None, sort=None, first=25, after=None):
    variables = {
        "filter": {**(flt or {}), "search": text},
        "sort": sort,
        "first": first,
        "after": after,
    }
    return (await gql.data(SEARCH, variables, token=person.token))["tickets"]


def numbers(page) -> list[int]:
    return [e["node"]["number"] for e in page["edges"]]


def marked(edge) -> list[str]:
    return [p["text"] for p in edge["highlight"]["parts"] if p["matched"]]


@pytest.fixture
async def desk(world, frozen_clock):
    """Alice's printer ticket (support) with a note, Bob's invoice ticket (billing)."""
    printer = await open_as(
        world.client_a, world.dept_x, "Printer jammed", "The paper keeps jamming in tray two."
    )
    await note_as(world.staff_x, printer, "Vendor case zanzibar opened with the manufacturer")
    frozen_clock.advance(timedelta(minutes=1))
    invoice = await open_as(
        world.client_b, world.dept_y, "Invoice question", "Why was I charged twice in March?"
    )
    return printer, invoice


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{printer}", "NUMBER"),
        ("#{printer}", "NUMBER"),
        ("printer", "SUBJECT"),
        ("jams", "SUBJECT"),  # stemmed: "jammed" in the subject
        ("tray", "MESSAGE"),
        ("Alice", "CLIENT"),
        ("alice@example", "CLIENT"),
    ],
)
async def test_every_way_of_finding(gql, world, desk, text, field):
    printer, _ = desk
    page = await find(gql, world.staff_x, text.format(printer=printer.number))
    assert numbers(page) == [printer.number]
    assert page["edges"][0]["highlight"]["field"] == field
    assert marked(page["edges"][0])


async def test_highlight_marks_the_matching_words_of_a_message(gql, world, desk):
    page = await find(gql, world.admin, "paper")
    parts = page["edges"][0]["highlight"]["parts"]
    assert [p["text"] for p in parts if p["matched"]] == ["paper"]
    assert "keeps jamming" in "".join(p["text"] for p in parts)


async def test_staff_find_notes_clients_never_do(gql, world, desk):
    printer, _ = desk
    staff = await find(gql, world.staff_x, "zanzibar")
    assert numbers(staff) == [printer.number]
    assert staff["edges"][0]["highlight"]["field"] == "NOTE"
    admin = await find(gql, world.admin, "zanzibar")
    assert numbers(admin) == [printer.number]

    client = await find(gql, world.client_a, "zanzibar")
    assert client["edges"] == [] and client["totalCount"] == 0
    # Found another way, the ticket shows, but the highlight never comes from the note.
    both = await find(gql, world.client_a, "zanzibar or tray")
    assert numbers(both) == [printer.number]
    assert both["edges"][0]["highlight"]["field"] == "MESSAGE"
    assert "zanzibar" not in str(both).lower()


async def test_staff_of_another_department_and_other_clients_find_nothing(gql, world, desk):
    printer, invoice = desk
    for person, text in [
        (world.staff_y, "printer"),
        (world.staff_y, "zanzibar"),
        (world.staff_y, str(printer.number)),
        (world.client_b, "printer"),
        (world.client_b, "Alice"),
        (world.staff_x, "invoice"),
        (world.client_a, "charged"),
    ]:
        page = await find(gql, person, text)
        assert page["edges"] == [] and page["totalCount"] == 0, (person.user.name, text)
    assert numbers(await find(gql, world.staff_y, "charged")) == [invoice.number]
    assert numbers(await find(gql, world.client_b, "charged")) == [invoice.number]


async def test_anonymous_gets_nothing(gql, desk):
    body = await gql(SEARCH, {"filter": {"search": "printer"}})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_new_messages_are_found_at_once(gql, world, desk):
    _, invoice = desk
    assert (await find(gql, world.admin, "refund"))["edges"] == []
    await Message.create(
        ticket_id=invoice.id, body="Please refund me", created_at=invoice.created_at
    )
    assert numbers(await find(gql, world.admin, "refunds")) == [invoice.number]


async def test_search_combines_with_filters(gql, world, desk):
    printer, invoice = desk
    both = await find(gql, world.admin, "printer or invoice")
    assert sorted(numbers(both)) == sorted([printer.number, invoice.number])
    billing = await find(
        gql, world.admin, "printer or invoice", flt={"departmentId": str(world.dept_y.id)}
    )
    assert numbers(billing) == [invoice.number] and billing["totalCount"] == 1
    closed = await find(gql, world.admin, "printer or invoice", flt={"status": ["CLOSED"]})
    assert closed["edges"] == []


@pytest.fixture
async def many_matches(world, frozen_clock):
    """Seven tickets mentioning "router", some more often (more relevant) than others."""
    numbers = []
    for i in range(7):
        frozen_clock.advance(timedelta(minutes=1))
        body = " ".join(["router"] * (1 + i % 3) + ["filler words here"] * 5)
        ticket = await open_as(world.client_a, world.dept_x, f"Case {i}", body)
        numbers.append(ticket.number)
    return numbers


async def walk(gql, person, text, sort, first=3):
    seen, after = [], None
    while True:
        page = await find(gql, person, text, sort=sort, first=first, after=after)
        seen += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def test_relevance_pages_without_skips_or_repeats(gql, world, many_matches):
    seen = await walk(gql, world.staff_x, "router", {"field": "RELEVANCE", "direction": "DESC"})
    got = [e["node"]["number"] for e in seen]
    assert sorted(got) == sorted(many_matches) and len(set(got)) == len(got)
    # The tickets saying "router" three times rank above those saying it once.
    thrice = {n for i, n in enumerate(many_matches) if i % 3 == 2}
    once = {n for i, n in enumerate(many_matches) if i % 3 == 0}
    assert max(got.index(n) for n in thrice) < min(got.index(n) for n in once)


@pytest.mark.parametrize("field", ["NUMBER", "SUBJECT", "LAST_ACTIVITY", "CLIENT"])
async def test_search_pages_in_every_sort(gql, world, many_matches, field):
    seen = await walk(gql, world.admin, "router", {"field": field, "direction": "ASC"})
    got = [e["node"]["number"] for e in seen]
    assert sorted(got) == sorted(many_matches) and len(set(got)) == len(got)
    if field == "NUMBER":
        assert got == sorted(got)
    if field == "SUBJECT":
        assert [e["node"]["subject"] for e in seen] == sorted(e["node"]["subject"] for e in seen)


async def test_relevance_without_a_search_is_refused(gql, world, desk):
    body = await gql(SEARCH, {"sort": {"field": "RELEVANCE"}}, token=world.admin.token)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "sort"}


async def test_a_cursor_of_another_sort_is_refused(gql, world, many_matches):
    page = await find(gql, world.admin, "router", sort={"field": "NUMBER"}, first=2)
    body = await gql(
        SEARCH,
        {
            "filter": {"search": "router"},
            "sort": {"field": "RELEVANCE"},
            "after": page["pageInfo"]["endCursor"],
        },
        token=world.admin.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("print\x00er", "filter.search"),
        ("tray\x1b[2J", "filter.search"),
        ("x" * 201, "filter.search"),
        # 13 terms: each is looked for on its own, everywhere (40 took 1.5 s).
        (" ".join(f"w{i}" for i in range(13)), "filter.search"),
        (" ".join(f"#{1000 + i}" for i in range(7)) + " or a b c d e f", "filter.search"),
    ],
)
async def test_bad_queries_get_typed_errors(gql, world, desk, text, field):
    body = await gql(SEARCH, {"filter": {"search": text}}, token=world.admin.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert body["errors"][0]["extensions"]["field"] == field


async def test_twelve_terms_are_searched(gql, world, desk):
    """The most terms a search may have still runs (the refusal above starts at 13)."""
    terms = ["printer", "tray", "paper", "jam", "toner", "ink"] + [f"-w{i}" for i in range(6)]
    page = await find(gql, world.admin, " ".join(terms))
    assert isinstance(page["totalCount"], int)


@pytest.mark.parametrize(
    "text",
    ['"unclosed', "-", "or", "a OR OR b", "'; DROP TABLE tickets; --", "%_\\", "NEAR(a b)", "*"],
)
async def test_search_syntax_never_breaks_a_query(gql, world, desk, text):
    page = await find(gql, world.admin, text)
    assert isinstance(page["totalCount"], int)


async def test_highlights_are_plain_text(gql, world, frozen_clock):
    """Markup in a message comes back as text (SQLite) or is left out (PostgreSQL's parser
    drops tags), never as markers or markup of ours; the UI shows parts as text."""
    await open_as(world.client_a, world.dept_x, "Markup", "see <script>alert(1)</script> printing")
    page = await find(gql, world.admin, "printing")
    parts = page["edges"][0]["highlight"]["parts"]
    assert [p["text"] for p in parts if p["matched"]] == ["printing"]
    text = "".join(p["text"] for p in parts)
    assert "\ue000" not in text and "\ue001" not in text
