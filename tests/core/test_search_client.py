"""A client's search reads their own tickets only: it finds what it found before other
clients' tickets full of the searched words existed, and its statements read no row of those
(PostgreSQL: no ticket or message beyond the client's own, no word index; SQLite: the FTS5
tables probed by rowid only), so its time cannot tell of them."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from app.models import Ticket
from tests.core.helpers import open_as
from tests.core.test_search import find, numbers


class _Sent(logging.Handler):
    """Every statement Tortoise sends (its DEBUG log carries the SQL and its values)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[tuple[str, list]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            self.sent.append((args[0], list(args[1] or [])))


@pytest.fixture
def sent():
    logger = logging.getLogger("tortoise.db_client")
    handler, level, propagate = _Sent(), logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate


def _read(node: dict, own: dict[str, int]) -> list[str]:
    """What a plan node and those under it read beyond the client's own rows: a scan of
    tickets or messages returning or filtering out more rows (per loop) than the client has
    there, or any use of a word index (``search_vector``) or of the users' name indexes."""
    wrong = []
    relation = node.get("Relation Name")
    if relation in own:
        read = (
            node["Actual Rows"]
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        if read > own[relation]:
            wrong.append(f"{node['Node Type']} on {relation}: {read} rows")
    index = node.get("Index Name") or ""
    if "search" in index or "trgm" in index:
        wrong.append(f"{node['Node Type']} on {index}")
    return wrong + [w for child in node.get("Plans", []) for w in _read(child, own)]


async def _beyond(statements: list[tuple[str, list]], own: dict[str, int]) -> list[str]:
    """Every read the statements make beyond the client's own rows, planned as at scale
    (indexes, no table scans: the test's tables are a few pages, which a scan reads whole)."""
    wrong = []
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")
        for statement, values in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            _, plan = await conn.execute_query(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", values
            )
            wrong += _read(json.loads(plan[0]["QUERY PLAN"])[0]["Plan"], own)
    return wrong


SEARCHES = ["invoice", "invoice march", '"march invoice"', "invoice -refund", "bob", "invoice or x"]


async def _sqlite_beyond(statements: list[tuple[str, list]]) -> list[str]:
    """Every FTS5 read that is not a probe of one row (``MATCH`` with ``rowid =``: FTS5's
    plan ``INDEX 0:=M...``): one reading a word's matches in the whole table."""
    wrong = []
    conn = connections.get("default")
    for statement, values in statements:
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        _, plan = await conn.execute_query(f"EXPLAIN QUERY PLAN {statement}", values)
        for row in plan:
            detail = str(row["detail"])
            if "_search VIRTUAL TABLE" in detail and "INDEX 0:=" not in detail:
                wrong.append(detail)
    return wrong


async def test_a_clients_search_reads_none_of_other_clients_tickets(gql, world, frozen_clock, sent):
    postgres = Ticket._meta.db.capabilities.dialect == "postgres"
    first = await open_as(world.client_b, world.dept_y, "Invoice question", "March invoice")
    frozen_clock.advance(timedelta(minutes=1))
    second = await open_as(world.client_b, world.dept_x, "Refund", "the march invoice, refund")
    searches = [*SEARCHES, f"#{first.number}"]

    async def search_all() -> dict[str, tuple[list[int], list]]:
        found = {}
        for text in searches:
            sent.sent = []
            page = await find(gql, world.client_b, text)
            found[text] = (numbers(page), [e["highlight"] for e in page["edges"]])
            if postgres:
                wrong = await _beyond(sent.sent, {"tickets": 2, "messages": 2})
            else:
                wrong = await _sqlite_beyond(sent.sent)
            assert wrong == [], text
        return found

    before = await search_all()
    assert sorted(before["invoice"][0]) == sorted([first.number, second.number])
    assert all(before["invoice"][1])  # highlighted
    assert sorted(before['"march invoice"'][0]) == sorted([first.number, second.number])
    assert before["invoice -refund"][0] == [first.number]
    assert sorted(before["bob"][0]) == sorted([first.number, second.number])
    assert before[f"#{first.number}"][0] == [first.number]
    # Other clients' tickets, many, full of the searched words.
    for i in range(30):
        frozen_clock.advance(timedelta(minutes=1))
        await open_as(world.client_a, world.dept_x, f"Invoice {i}", "march invoice bob refund " * 5)
    assert await search_all() == before
