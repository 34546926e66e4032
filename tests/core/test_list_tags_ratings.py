"""A list page's tags and ratings: read in one statement when the page asks for both (the staff
list), the same as each ticket's own page shows them, for every persona."""

from __future__ import annotations

import logging

from app.services import tags
from tests.core.helpers import open_as

CLOSE = """mutation($n: Int!) { closeTicket(number: $n) { __typename } }"""
RATE = """mutation($n: Int!, $s: RatingScore!, $c: String) {
  rateTicket(number: $n, score: $s, comment: $c) { __typename } }"""
FIELDS = "number tags { name color } rating { score comment source ratedAt }"
LIST = f"""query($first: Int!) {{ tickets(first: $first) {{ edges {{ node {{ {FIELDS} }} }} }} }}"""
ONLY_TAGS = (
    "query($first: Int!) { tickets(first: $first) { edges { node { number tags { name } } } } }"
)
ONLY_RATINGS = (
    "query($first: Int!) { tickets(first: $first) { edges { node { number rating { score } } } } }"
)
ONE = f"query($n: Int!) {{ ticket(number: $n) {{ {FIELDS} }} }}"


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if '"outbox"' not in text and " outbox " not in text:  # the relay polls on its own
            self.texts.append(text)


async def _listed(gql, token: str, first: int, document: str = LIST) -> tuple[dict, int]:
    logger = logging.getLogger("tortoise.db_client")
    handler, level = _Statements(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        data = await gql.data(document, {"first": first}, token=token)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    rows = {edge["node"]["number"]: edge["node"] for edge in data["tickets"]["edges"]}
    return rows, len(handler.texts)


async def test_tags_and_ratings_of_a_page_are_one_statement_and_as_each_ticket_shows(gql, world):
    red = await tags.create_tag(actor=world.admin.actor, name="Red", color="#aa0000")
    blue = await tags.create_tag(actor=world.admin.actor, name="blue", color="#0000aa")
    tickets = [await open_as(world.client_a, world.dept_x, subject=f"T{i}") for i in range(6)]
    # Tags on some, ratings on others, both on some, neither on one; a rating given twice.
    for ticket, tagged in zip(
        tickets, [[red, blue], [blue], [], [red], [], [red, blue]], strict=True
    ):
        if tagged:
            await tags.change_ticket_tags(
                actor=world.staff_x.actor, number=ticket.number, add=[t.id for t in tagged]
            )
    for ticket, score in zip(tickets, ["GOOD", None, "BAD", "BAD", None, "GOOD"], strict=True):
        if score is not None:
            await gql.data(CLOSE, {"n": ticket.number}, token=world.staff_x.token)
            await gql.data(
                RATE,
                {"n": ticket.number, "s": score, "c": f"c{ticket.number}"},
                token=world.client_a.token,
            )
    reply = """mutation($n: Int!) { replyToTicket(input: {number: $n, body: "again"}) {
      __typename } }"""
    await gql.data(reply, {"n": tickets[0].number}, token=world.client_a.token)
    await gql.data(CLOSE, {"n": tickets[0].number}, token=world.staff_x.token)
    await gql.data(RATE, {"n": tickets[0].number, "s": "BAD"}, token=world.client_a.token)

    numbers = {ticket.number for ticket in tickets}
    for person in (world.admin, world.staff_x, world.client_a):
        await _listed(gql, person.token, 1)  # the token's first request reads its actor
        counts = []
        for first in (2, 6):
            rows, statements = await _listed(gql, person.token, first)
            counts.append(statements)
            for number, row in rows.items():
                alone = await gql.data(ONE, {"n": number}, token=person.token)
                assert row == alone["ticket"], (person.user.email, number)
        assert set(rows) == numbers
        # The page, its capped count, and the tags with the ratings (clients: no tags).
        assert counts == [3, 3], (person.user.email, counts)
    rows, _ = await _listed(gql, world.staff_x.token, 6)
    assert [t["name"] for t in rows[tickets[0].number]["tags"]] == ["blue", "Red"]
    assert rows[tickets[0].number]["rating"]["score"] == "BAD"  # the latest, no comment
    assert rows[tickets[0].number]["rating"]["comment"] is None
    assert rows[tickets[2].number]["rating"]["comment"] == f"c{tickets[2].number}"
    assert rows[tickets[4].number] | {"number": 0} == {
        "number": 0,
        "tags": [],
        "rating": None,
    }
    client_rows, _ = await _listed(gql, world.client_a.token, 6)
    assert all(row["tags"] == [] for row in client_rows.values())
    assert {n: row["rating"] for n, row in client_rows.items()} == {
        n: row["rating"] for n, row in rows.items()
    }
    # Asking for one of them alone: one statement for it.
    for document in (ONLY_TAGS, ONLY_RATINGS):
        _, statements = await _listed(gql, world.staff_x.token, 6, document)
        assert statements == 3, document
    other_staff, _ = await _listed(gql, world.staff_y.token, 6)
    assert not numbers & set(other_staff)
