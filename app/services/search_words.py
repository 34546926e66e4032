"""PostgreSQL: a search of several terms (words, "phrases", ``-word``, ``or``). Each group's
rarest term (by the planner's statistics) is walked first: its newest matches are the only
tickets the group can find among them, so the other terms are checked on its newest
``search.TERMS_CHECKED`` tickets only, all terms at once, each table read once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from tortoise import connections

from app.infra.clock import now
from app.services.search_query import Group, SearchQuery, Sql, Term, config
from app.services.search_scope import (
    CLIENT_SCORE,
    MESSAGE_SCORE,
    NUMBER_SCORE,
    SUBJECT_SCORE,
    Scope,
)

TermTickets = Callable[[Term], Awaitable[tuple[set[int], bool, bool]]]
"""A term's newest tickets by each way of finding one (subject, message, client, number),
at most ``checked`` of each, whether a way stopped at that bound, and whether its messages'
way did."""


STATISTICS_KEPT = timedelta(minutes=10)
"""How long a process keeps the planner's statistics of message words (``searchable``):
reading them (10,000 words and their shares at statistics target 1,000) took 3-5 ms of each
search with several terms; they change only when the table is analysed, and only decide which
term is walked first, never what a search finds."""

_statistics: dict[str, tuple[datetime, dict[str, float]]] = {}


async def _shares() -> dict[str, float]:
    """Each word's share of messages as the planner's statistics have it (the most common
    ones; none when there are none), read at most every ``STATISTICS_KEPT``."""
    conn = connections.get("default")
    key = conn.database if isinstance(getattr(conn, "database", None), str) else ""
    kept = _statistics.get(key)
    if kept is not None and now() - kept[0] < STATISTICS_KEPT:
        return kept[1]
    _, rows = await conn.execute_query(
        "SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f "
        "FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'messages' "
        "AND attname = 'search_vector' LIMIT 1"
    )
    shares: dict[str, float] = {}
    if rows and rows[0]["e"] is not None:
        shares = dict(zip(rows[0]["e"], map(float, rows[0]["f"]), strict=False))
    _statistics[key] = (now(), shares)
    return shares


async def searchable(
    query: SearchQuery, groups: tuple[Group, ...]
) -> tuple[tuple[Group, ...], dict[Term, float]]:
    """The groups without the terms its text search leaves out (stop words such as "the",
    which no text holds: as one query, "the printer" searched for "printer"), and each term's
    share of messages as the planner's statistics have it (its rarest word; 0 for one rarer
    than every word they list, and for all when there are none)."""
    terms = list(dict.fromkeys(t for g in groups for t in (*g.positive, *g.negative)))
    sql = Sql("postgres")
    cfg = config(query)
    common = await _shares()
    _, rows = await connections.get("default").execute_query(
        f"SELECT numnode(websearch_to_tsquery({cfg}, w.w)) AS n, "
        f"tsvector_to_array(to_tsvector({cfg}, w.w)) AS words "
        f"FROM unnest({sql.p([t.text for t in terms])}::text[]) WITH ORDINALITY AS w(w, i) "
        "ORDER BY w.i",
        sql.params,
    )
    kept = {t for t, row in zip(terms, rows, strict=True) if row["n"] or t.number is not None}
    shares = {
        t: min((common.get(w, 0.0) for w in row["words"]), default=0.0)
        for t, row in zip(terms, rows, strict=True)
    }
    narrowed = (
        Group(tuple(t for t in g.positive if t in kept), tuple(t for t in g.negative if t in kept))
        for g in groups
    )
    return tuple(g for g in narrowed if g.positive), shares


async def candidates(
    groups: tuple[Group, ...],
    shares: dict[Term, float],
    tickets_of: TermTickets,
    checked: int,
) -> tuple[list[int], bool]:
    """The tickets the terms are checked on, and whether there may be more hits than those.
    A group's tickets all have its rarest term (the one with the fewest candidates, preferring
    one whose ways did not stop at their bound), so only the newest ``checked`` of that term's
    are checked: each way of finding it walks to that many at most. There may be more when
    that term stopped at its bound or had more than that many."""
    found: dict[Term, tuple[bool, set[int]]] = {}
    # The rarest first, as the statistics say (then the longest: a longer word is rarer, a
    # phrase rarer still). Once each group has a term walked to its end, a more common one's
    # walk would only find more of the tickets the search may stop at anyway; without
    # statistics, a term whose every candidate is known and few enough must be found first.
    terms = sorted(
        dict.fromkeys(t for g in groups for t in g.positive),
        key=lambda t: (shares.get(t, 0.0), -len(t.text)),
    )
    estimated = any(shares.values())
    in_messages: set[Term] = set()  # walked terms whose messages' way stopped at its bound

    def settled(g: Group) -> bool:
        return any(
            t in found and not found[t][0] and (estimated or len(found[t][1]) <= checked)
            for t in g.positive
        )

    def covered(g: Group, term: Term) -> bool:
        # A term the statistics list as at least as common in messages as one whose messages'
        # way already stopped at its bound would stop there too: walking it would only offer
        # another "N+" choice, and the rarer term's newest tickets hold more of the group's.
        share = shares.get(term, 0.0)
        return share > 0 and any(
            share >= shares.get(t, 0.0) for t in g.positive if t in in_messages
        )

    for term in terms:
        # A term walked to its end settles its group: every ticket of the group has it. One
        # that stopped at its bound does not (the statistics are of messages only: a word in
        # every subject and no message looks rarest), so the next rarest is walked too,
        # unless it is no rarer in messages than one that stopped there (``covered``).
        if all(settled(g) for g in groups):
            break
        if all(settled(g) or covered(g, term) for g in groups if term in g.positive):
            continue
        tickets, stopped, messages_stopped = await tickets_of(term)
        found[term] = (stopped, tickets)
        if messages_stopped:
            in_messages.add(term)
    chosen: set[int] = set()
    more = False
    for group in groups:
        stopped, tickets = min(
            (found[t] for t in group.positive if t in found), key=lambda f: (f[0], len(f[1]))
        )
        newest = sorted(tickets, reverse=True)
        chosen.update(newest[:checked])
        more = more or stopped or len(newest) > checked
    return sorted(chosen), more


def checked_rows(scope: Scope, terms: list[Term], tickets: list[int]) -> str:
    """SQL of ``ticket_id, k, score, more``: each way term ``k`` finds each of ``tickets``
    (its number, subject, client; its best message), as the search of one term scores them.
    Two reads by id, whatever the number of terms: the tickets, then their messages (each
    term's clients are looked up once)."""
    sql = scope.sql
    cfg = config(scope.query)
    notes = "" if scope.query.include_notes else " AND NOT m.internal"
    queries = ", ".join(
        f"websearch_to_tsquery({cfg}, {sql.p(term.text)}) q{k}" for k, term in enumerate(terms)
    )
    ids = sql.p(tickets)

    def rank(vector: str, k: int) -> str:
        # A function call, which no index answers: each candidate's rows are read by id,
        # never a common word's every match.
        value = f"ts_rank({vector}, q{k}, 32)::float8" if scope.scored else "0::float8"
        return f"CASE WHEN ts_match_vq({vector}, q{k}) THEN {value} END"

    ways: list[str] = []
    for k, term in enumerate(terms):
        subject = f"{SUBJECT_SCORE} + {rank('t.search_vector', k)}"
        if not scope.scored:
            subject = f"CASE WHEN ts_match_vq(t.search_vector, q{k}) THEN 0::float8 END"
        ways.append(f"({k}, {subject})")
        # The matching clients once (a hashed subplan), not a join with every client.
        ways.append(f"({k}, CASE WHEN {scope.clients(term, sql)} THEN {CLIENT_SCORE}::float8 END)")
        if term.number is not None:
            ways.append(
                f"({k}, CASE WHEN t.number = {sql.p(term.number)} THEN {NUMBER_SCORE}::float8 END)"
            )
    found = (
        f"SELECT t.id AS ticket_id, u.k, u.score, 0 AS more FROM tickets t, {queries}, "
        f"LATERAL (VALUES {', '.join(ways)}) AS u(k, score) "
        f"WHERE t.id = ANY({ids}::int[]) AND u.score IS NOT NULL"
    )
    best = ", ".join(f"MAX({rank('m.search_vector', k)}) AS r{k}" for k in range(len(terms)))
    message = f"{MESSAGE_SCORE} + u.r" if scope.scored else "0"
    messages = (
        f"SELECT g.ticket_id, u.k, {message} AS score, 0 AS more FROM (SELECT m.ticket_id, "
        f"{best} FROM messages m, {queries} WHERE m.ticket_id = ANY({ids}::int[])"
        f"{notes} GROUP BY m.ticket_id) AS g, "
        f"LATERAL (VALUES {', '.join(f'({k}, g.r{k})' for k in range(len(terms)))}) AS u(k, r) "
        "WHERE u.r IS NOT NULL"
    )
    return f"{found} UNION ALL {messages}"
