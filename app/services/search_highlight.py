"""Where a search matched each ticket of a page: number, subject, a message (or note), or the
client's name or email, as plain text in parts with the matching ones marked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tortoise import connections

from app.services.search_query import (
    MARKERS,
    START,
    STOP,
    SearchQuery,
    Sql,
    config,
    density,
    fts5_query,
)


class HighlightField(str, Enum):
    NUMBER = "number"
    SUBJECT = "subject"
    MESSAGE = "message"
    NOTE = "note"
    CLIENT = "client"


@dataclass(frozen=True)
class HighlightPart:
    text: str
    matched: bool


@dataclass(frozen=True)
class Highlight:
    """Where a ticket matched: plain text in parts, the matching ones marked."""

    field: HighlightField
    parts: tuple[HighlightPart, ...]


def _parts(marked: str) -> tuple[HighlightPart, ...]:
    parts: list[HighlightPart] = []
    for piece in re.split(f"({START}[^{STOP}]*{STOP})", marked):
        if piece.startswith(START):
            text, matched = piece[1:-1], True
        else:
            text, matched = MARKERS.sub("", piece), False
        if text:
            parts.append(HighlightPart(text, matched))
    return tuple(parts)


def _substring_parts(text: str, needle: str) -> tuple[HighlightPart, ...] | None:
    at = text.lower().find(needle.lower())
    if at < 0:
        return None
    pieces = [
        (text[:at], False),
        (text[at : at + len(needle)], True),
        (text[at + len(needle) :], False),
    ]
    return tuple(HighlightPart(t, m) for t, m in pieces if t)


async def highlights(
    query: SearchQuery,
    tickets: Sequence[Any],
    clients: dict[int, tuple[str, str | None]],
    *,
    by_row: bool = False,
) -> dict[int, Highlight]:
    """For each ticket of a page (visible to the searcher), where the query matched it (any
    of its terms: a ticket may have them in different places):
    number, subject, a message (or a note, when notes were searched), or the client's name or
    email (``clients`` maps a client id to its name and, if the searcher may see it, email).
    ``by_row`` (a client's search, PostgreSQL): the page's rows are read by id and the words
    checked on them alone, never a word's matches in the index (whose size, for a rare word,
    the planner would otherwise read), so the time does not depend on other clients' text."""
    found: dict[int, Highlight] = {}
    if not tickets:
        return found
    ids = [t.id for t in tickets]
    conn = connections.get("default")
    sql = Sql(conn.capabilities.dialect)
    terms = [t for g in query.groups for t in g.positive]
    numbers = {t.number for t in terms if t.number is not None}
    for ticket in tickets:
        if ticket.number in numbers:
            found[ticket.id] = Highlight(
                HighlightField.NUMBER, (HighlightPart(f"#{ticket.number}", True),)
            )
    subject_rows: list[Any]
    message_rows: list[Any]
    if sql.postgres:
        cfg = config(query)
        options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        text = sql.p(query.any_text)
        # By row: ``ts_match_vq``, a function call which no index answers.
        matches = "ts_match_vq({v}, q)" if by_row else "{v} @@ q"
        _, subject_rows = await conn.execute_query(
            f"SELECT id, ts_headline({cfg}, translate(subject, {sql.p(START + STOP)}, ''), q, "
            f"{sql.p(options)}) AS marked FROM tickets, websearch_to_tsquery({cfg}, {text}) q "
            f"WHERE id = ANY({sql.p(ids)}) AND {matches.format(v='search_vector')}",
            sql.params,
        )
        sql = Sql("postgres")
        notes = "" if query.include_notes else " AND NOT m.internal"
        options = (
            f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=10, MaxFragments=2, "
            'FragmentDelimiter=" … "'
        )
        text = sql.p(query.any_text)
        # The best message of each ticket first, then one headline each (ts_headline parses
        # the whole body: not for every matching message of the page's tickets).
        _, message_rows = await conn.execute_query(
            "SELECT b.id AS id, b.internal AS internal, "
            f"ts_headline({cfg}, translate(m.body, {sql.p(START + STOP)}, ''), b.q, "
            f"{sql.p(options)}) AS marked FROM (SELECT DISTINCT ON (m.ticket_id) "
            "m.ticket_id AS id, m.id AS message_id, m.internal AS internal, q "
            f"FROM messages m, websearch_to_tsquery({cfg}, {text}) q "
            f"WHERE m.ticket_id = ANY({sql.p(ids)}) AND "
            f"{matches.format(v='m.search_vector')}{notes} "
            "ORDER BY m.ticket_id, ts_rank(m.search_vector, q) DESC, m.id) AS b "
            "JOIN messages m ON m.id = b.message_id",
            sql.params,
        )
    else:
        match = fts5_query(query.any_text)
        subject_rows, message_rows = [], []
        if match is not None:
            # By row: the page's rows first (CROSS JOIN keeps them outside), FTS5 probed
            # with MATCH and rowid = for each, never reading every match of a word.
            source = (
                "tickets t CROSS JOIN ticket_search ON ticket_search.rowid = t.id"
                if by_row
                else "ticket_search"
            )
            _, subject_rows = await conn.execute_query(
                f"SELECT ticket_search.rowid AS id, highlight(ticket_search, 0, {sql.p(START)}, "
                f"{sql.p(STOP)}) AS marked FROM {source} WHERE ticket_search MATCH "
                f"{sql.p(match)} AND {'t.id' if by_row else 'ticket_search.rowid'} "
                f"IN ({sql.many(ids)})",
                sql.params,
            )
            sql = Sql("sqlite")
            notes = "" if query.include_notes else " AND m.internal = 0"
            _, message_rows = await conn.execute_query(
                "SELECT m.ticket_id AS id, m.internal AS internal, snippet(message_search, 0, "
                f"{sql.p(START)}, {sql.p(STOP)}, '…', 24) AS marked FROM "
                + (
                    "messages m CROSS JOIN message_search ON message_search.rowid = m.id "
                    if by_row
                    else "message_search JOIN messages m ON m.id = message_search.rowid "
                )
                + f"WHERE message_search MATCH {sql.p(match)} AND m.ticket_id IN ({sql.many(ids)})"
                f"{notes} ORDER BY "
                f"{density('message_search', 'message_search.body', sql)} DESC, m.id",
                sql.params,
            )
    for row in subject_rows:
        found.setdefault(row["id"], Highlight(HighlightField.SUBJECT, _parts(row["marked"])))
    for row in message_rows:
        field = HighlightField.NOTE if row["internal"] else HighlightField.MESSAGE
        found.setdefault(row["id"], Highlight(field, _parts(row["marked"])))
    for ticket in tickets:
        if ticket.id in found or ticket.client_id not in clients:
            continue
        for value in clients[ticket.client_id]:
            for term in terms:
                parts = _substring_parts(value, term.plain) if value else None
                if parts:
                    found[ticket.id] = Highlight(HighlightField.CLIENT, parts)
                    break
            if ticket.id in found:
                break
    return found
