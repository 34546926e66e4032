"""Full-text search over tickets: which tickets a query finds, how well, and where.

A search finds a ticket when each of its words (a "phrase" as one) is somewhere in it: its
number ("1012", "#1012"), a word of its subject or of a message, or its client's name or email
address (exact substring); ``-word`` leaves out the tickets that have the word anywhere.
Notes match only for those the policy lets read them. Words are stemmed in the configured
language: PostgreSQL's text search (generated ``tsvector`` columns with GIN indexes,
``websearch_to_tsquery``), SQLite's FTS5 (tables kept by triggers); both from migration 0005.

The SQL is written here per dialect; the ticket list wraps its own (scoped, filtered) query
around the hits that ``hits_sql`` selects. The query's syntax is ``search_query``'s, PostgreSQL's
candidate walk ``search_candidates``'s (tuned by the constants here), several terms'
``search_words``' (the rarest walked, the others checked on its tickets), what a search runs
within and scores ``search_scope``'s and the highlights ``search_highlight``'s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from tortoise import connections

from app.services import search_words as words
from app.services.search_candidates import Bounds, Branch, candidates
from app.services.search_query import (
    SearchQuery,
    Sql,
    Term,
    config,
    density,
    fts5_query,
    relaxed,
)
from app.services.search_scope import (
    CLIENT_SCORE,
    MESSAGE_SCORE,
    NUMBER_SCORE,
    SUBJECT_SCORE,
    Scope,
)

__all__ = ["Hits", "SearchQuery", "Sql", "density", "hits_sql", "relaxed"]

CANDIDATES = 1_000
"""PostgreSQL: the most recent matching subjects, and the most recent matching messages, that a
search ranks. A word in a sixth of a million messages would otherwise have every match read
from the index, ranked and grouped (seconds); bounded, the database walks the newest rows until
it has this many (milliseconds), and a rarer word still comes from the GIN index. A search that
reaches the bound says so (``more``): its count is a lower bound (``totalCountCapped``)."""


SUBJECT_CANDIDATES = 250
"""PostgreSQL: the most recent matching subjects a search ranks (at most ``CANDIDATES``): a
subject match outranks every message match, so these fill the first ten pages of 25 whenever
there are as many; a word in 2% of subjects had ~44,000 subjects read for 1,000 of them, the
most expensive part of a common word's search."""


COMMON_CANDIDATES = 250
"""PostgreSQL: the most recent matches a common word (one in at least one of ``DENSE`` of the
newest rows: ``printer`` is in 15% of messages) ranks, subjects and messages each (at most their
bound). Its first step (the newest ``RECENT_MESSAGES``) mostly has them already; going on to
``CANDIDATES`` read ~4,700 more messages one by one (for staff of one department in ten, ~1,800
pages), for matches that, all equally relevant, would only have shown on later pages. The
search says "N+" (``totalCountCapped``) as for any bound."""


PHRASE_CANDIDATES = 1_000
"""PostgreSQL: a search with a phrase (``"paper jam"``) first takes the newest this many rows
that have all of the phrase's words (what the GIN index answers without reading the table),
then checks the words' order on those only: two common words are together in tens of
thousands of messages, and reading each to check the phrase took seconds. A phrase whose only
matches are older than that is not found; the search then says there may be more. (Was 2,000:
each candidate is a row read from the table, the most of a phrase search's work.)"""


RECENT_MESSAGES = 2_000
"""PostgreSQL: how many of the newest messages (of the searcher's department, or of all) the message
branch reads one by one first (see ``search_candidates.walk``): a word in half of them has its
candidates there, and how many it found says how common the word is: a common one goes on one by
one (no row read twice), a rarer one turns to the index. Read one by one, a very common word
stops as soon as it has them; from the GIN index, all of its many matches would be read. Fewer
than this would make the rarer words' estimate too rough."""
RECENT_SUBJECTS = 1_000
"""The same for subjects."""
DENSE = 20
"""PostgreSQL: a word in at least one of this many of the newest rows is common: its older
candidates are read one by one too, newest first, until there are enough (about ``DENSE``
rows read for each found). A rarer word's come from the GIN index, in one window of ids sized
from how often the newest rows had it, then from everything older."""
MARGIN = 1.5
"""How much wider than the estimate that window is (the estimate comes from few matches)."""
WINDOWS = 2
"""How many such windows (the second sized from the rate of both steps) before the rest."""
ROUGH = 10
"""A phrase's rate estimated from fewer matches than this (its two words together in 1 of 1,000
of the newest rows: found twice) is rough: the window it sizes is at most ``WIDEN`` times as
wide as the span of ids read so far, and the next is sized from both steps. Sized from the two
matches alone, the first window had spanned every older row and read every row with both words
(~2,650) for the newest 2,000. (A word's is not capped: a word that rare has fewer matches than
its bound, all of which are read anyway; a cap only added statements.)"""
WIDEN = 16
TERMS_CHECKED = 250
"""PostgreSQL: a search with several terms checks the others on the newest this many
candidates of its rarest term (every term is somewhere in each ticket found, so it has that
one). Each is a ticket whose subject, client and messages are read once for all the terms.
A term's ways of finding a ticket (subjects, messages, clients) each walk to this many
matches at most (a term with more stopped at its bound: the count says "N+"), not to their
own bounds: a mid-frequency word's walk to 1,000 messages read ~4,500-6,200 pages of which
only the newest 250 tickets were kept."""


CLIENT_WALK = 100
"""PostgreSQL: a search text in at least this many clients' names or addresses (a surname: 416
of 20,000 clients) finds the newest of their tickets by walking every ticket newest first on
an index that carries each ticket's client (migration 0022), reading ~140 pages for 1,000 of
them; fewer clients' tickets come from the (client_id, department_id, id) index, a probe per
client (416 probes read ~1,250 pages). The walk is an admin's without filters; the clients'
ids are written into the statement (a parameter would let a cached generic plan check each
ticket against every id in turn instead of a hash of them: 258 ms instead of 8)."""
CLIENT_LIST = 2_000
"""PostgreSQL: more matching clients than this (a text in most addresses) are left to a
subquery, as before the walk."""


async def _client_condition(
    like: str, *, walk: bool, sql: Sql, subquery: Callable[[], str]
) -> str | None:
    """The condition on ``t`` selecting the tickets of the clients the text matches by name or
    address (their ids looked up first), written for a walk of every ticket when they are many
    and ``walk`` allows it; None when it matches no one."""
    conn = connections.get("default")
    lookup = Sql("postgres")
    _, rows = await conn.execute_query(
        f"SELECT u.id AS id FROM users u WHERE u.name ILIKE {lookup.p(like)} ESCAPE '\\' "
        f"OR u.email ILIKE {lookup.p(like)} ESCAPE '\\' LIMIT {CLIENT_LIST + 1}",
        lookup.params,
    )
    ids = sorted(int(r["id"]) for r in rows)
    if not ids:
        return None
    if len(ids) > CLIENT_LIST:
        return subquery()
    if walk and len(ids) >= CLIENT_WALK:
        # "+ 0": not the client's index; the literal array: hashed (see CLIENT_WALK).
        return "t.client_id + 0 = ANY('{" + ",".join(map(str, ids)) + "}'::int[])"
    return f"t.client_id = ANY({sql.p(ids)}::int[])"


@dataclass(frozen=True)
class Hits:
    """SQL selecting ``ticket_id, score, more`` (one row per ticket found; its parameters are
    the caller's ``Sql``'s), and whether a text branch stopped at its bound, so there may be
    more (also when it found nothing: a phrase none of whose candidates have it, "0+")."""

    sql: str
    more: bool


_NOTHING = "SELECT 0 AS ticket_id, 0.0 AS score, 0 AS more WHERE 1 = 0"


async def hits_sql(
    sql: Sql,
    query: SearchQuery,
    *,
    within: Callable[[Sql], str] | None = None,
    departments: Collection[int] | None = None,
    departments_suffice: bool = False,
    scored: bool = True,
    client: int | None = None,
) -> Hits:
    """``SELECT ticket_id, score, more``: every ticket the query finds among those ``within``
    selects (SQL of the searcher's scoped, filtered ticket ids, embedded in a given ``Sql``;
    None: every ticket), one row each; ``more`` is 1 when the search stopped at a bound
    (PostgreSQL), so there may be more than these (``Hits.more`` says so even when nothing
    was found).

    A ticket is found when each term of a group (a word, or a "phrase" as a unit) is
    somewhere in what the searcher may see of it: its number, subject, a message (notes only
    for those who read them), its client's name or address; and no ``-term`` is; groups are
    joined by ``or``. Each term's tickets come from the ways of finding one (``_term_rows``),
    each row tagged with the term, and the groups are checked on each ticket's rows. Its score
    is the sum of its terms' (each term's ways of finding it add up).

    On PostgreSQL each term's candidates are found first, by short statements of their own
    (``search_candidates.walk``, bounded). One term alone is ranked from its candidates; with
    more, every term is checked on the tickets any term's candidates found: a ticket with
    all of them is among the candidates of each term, and all of a term's when that term's
    walk did not stop at its bound, so the search says "N+" only when every term of a group
    stopped. ``departments`` (PostgreSQL; None: any) narrows the walks to those departments'
    tickets and messages: it must not be wider than ``within``, which alone decides what may
    be found, unless ``departments_suffice`` says that it selects exactly the same tickets
    (nothing but the scope and a department narrows the list): the walks then leave
    ``within`` out, which spares the planner a restriction it would count twice (and then
    prefer reading every match to walking the newest). Unscored (for counting), nothing is
    ranked at all.

    ``client`` (the policy's ``search_client``: a client searching) reads only that client's
    tickets and their messages, on both databases (``_client_rows``): no walk, no word's
    matches in other clients' tickets, so the search's time does not depend on them."""
    groups = query.groups
    shares: dict[Term, float] = {}
    if sql.postgres and len({t for g in groups for t in (*g.positive, *g.negative)}) > 1:
        groups, shares = await words.searchable(query, groups)
    terms = list(dict.fromkeys(t for g in groups for t in (*g.positive, *g.negative)))
    if not groups:
        return Hits(_NOTHING, False)
    index = {term: k for k, term in enumerate(terms)}
    scope = Scope(sql, within, departments, departments_suffice, query, scored)
    more = False
    if client is not None:
        rows = [_client_rows(scope, term, k, client) for k, term in enumerate(terms)]
    elif not sql.postgres:
        rows = [_term_rows(scope, term, k) for k, term in enumerate(terms)]
    elif len(terms) == 1:
        found, more = await _single(scope, terms[0])
        rows = [found]
    else:
        tickets, cut = await words.candidates(
            groups, shares, functools.partial(_term_tickets, scope), TERMS_CHECKED
        )
        if not tickets:
            return Hits(_NOTHING, cut)
        more = cut
        rows = [words.checked_rows(scope, terms, tickets)]
    positive = sorted({index[t] for g in groups for t in g.positive})

    def has(k: int) -> str:
        return f"MAX(CASE WHEN f.k = {k} THEN 1 ELSE 0 END)"

    having = " OR ".join(
        "("
        + " AND ".join(
            [f"{has(index[t])} = 1" for t in g.positive]
            + [f"{has(index[t])} = 0" for t in g.negative]
        )
        + ")"
        for g in groups
    )
    ranked = ", ".join(str(k) for k in positive)
    return Hits(
        f"SELECT f.ticket_id AS ticket_id, SUM(CASE WHEN f.k IN ({ranked}) THEN f.score "
        f"ELSE 0 END) AS score, MAX(f.more) AS more FROM ({' UNION ALL '.join(rows)}) AS f "
        f"GROUP BY f.ticket_id HAVING {having}",
        more,
    )


def _term_rows(scope: Scope, term: Term, k: int) -> str:
    """SQLite: SQL of ``ticket_id, k, score, more``: each way ``term`` finds a ticket (its
    number, the subject, a ticket's best message, the client) within the scope."""
    sql = scope.sql
    branches: list[str] = []
    if term.number is not None:
        branches.append(
            f"SELECT id AS ticket_id, {k} AS k, {NUMBER_SCORE} AS score, 0 AS more "
            f"FROM tickets WHERE number = {sql.p(term.number)}{scope.inside('id')}"
        )
    fts = fts5_query(term.text)
    if fts is not None:
        subject = (
            f"{SUBJECT_SCORE} + {density('ticket_search', 'subject', sql)}" if scope.scored else "0"
        )
        branches.append(
            f"SELECT rowid AS ticket_id, {k} AS k, {subject} AS score, 0 AS more "
            f"FROM ticket_search WHERE ticket_search MATCH {sql.p(fts)}{scope.inside('rowid')}"
        )
        notes = "" if scope.query.include_notes else " AND m.internal = 0"
        rank = density("message_search", "body", sql) if scope.scored else "0"
        branches.append(
            # highlight() cannot sit inside an aggregate: score each message first.
            f"SELECT m.ticket_id AS ticket_id, {k} AS k, {MESSAGE_SCORE} + MAX(f.r) "
            f"AS score, 0 AS more FROM (SELECT rowid AS id, {rank} AS r "
            f"FROM message_search WHERE message_search MATCH {sql.p(fts)} LIMIT -1) AS f "
            f"JOIN messages m ON m.id = f.id WHERE 1 = 1{notes}{scope.inside('m.ticket_id')} "
            "GROUP BY m.ticket_id"
        )
    branches.append(
        f"SELECT t.id AS ticket_id, {k} AS k, {CLIENT_SCORE} AS score, 0 AS more "
        f"FROM tickets t WHERE {scope.clients(term, sql)}{scope.inside('t.id')}"
    )
    return " UNION ALL ".join(branches)


def _client_rows(scope: Scope, term: Term, k: int, client: int) -> str:
    """Both databases, a client's search: SQL of ``ticket_id, k, score, more`` (as
    ``_term_rows``'s, scored alike), each way ``term`` finds one of ``client``'s own tickets.
    Every branch starts from that client's tickets (their ``client_id`` index) and reads their
    messages by ticket; the words are checked on those rows alone (PostgreSQL: ``ts_match_vq``,
    a function call no index answers; SQLite: the FTS5 table probed by rowid), never read from
    a word's matches in the whole index. A client has few tickets: nothing is bounded."""
    sql = scope.sql
    pg = sql.postgres
    branches: list[str] = []
    if term.number is not None:
        branches.append(
            f"SELECT t.id AS ticket_id, {k} AS k, {NUMBER_SCORE} AS score, 0 AS more "
            f"FROM tickets t WHERE t.client_id = {sql.p(client)} "
            f"AND t.number = {sql.p(term.number)}{scope.inside('t.id')}"
        )
    fts = fts5_query(term.text)
    if pg:
        q = f"websearch_to_tsquery({config(scope.query)}, {{text}}) q"
        rank = "ts_rank({vector}, q, 32)::float8" if scope.scored else "0::float8"
        branches.append(
            f"SELECT t.id AS ticket_id, {k} AS k, {SUBJECT_SCORE} + "
            f"{rank.format(vector='t.search_vector')} AS score, 0 AS more FROM tickets t, "
            f"{q.format(text=sql.p(term.text))} WHERE t.client_id = {sql.p(client)} "
            f"AND ts_match_vq(t.search_vector, q){scope.inside('t.id')}"
        )
        notes = "" if scope.query.include_notes else " AND NOT m.internal"
        branches.append(
            f"SELECT m.ticket_id AS ticket_id, {k} AS k, {MESSAGE_SCORE} + "
            f"MAX({rank.format(vector='m.search_vector')}) AS score, 0 AS more "
            f"FROM tickets t JOIN messages m ON m.ticket_id = t.id, "
            f"{q.format(text=sql.p(term.text))} WHERE t.client_id = {sql.p(client)}{notes} "
            f"AND ts_match_vq(m.search_vector, q){scope.inside('t.id')} GROUP BY m.ticket_id"
        )
    elif fts is not None:
        # A correlated probe per row (MATCH with rowid =): FTS5 seeks the word's list to
        # that row instead of reading every match; highlight() is scored per row first.
        subject = density("ticket_search", "subject", sql) if scope.scored else "0"
        branches.append(
            f"SELECT s.id AS ticket_id, {k} AS k, {SUBJECT_SCORE} + s.r AS score, 0 AS more "
            f"FROM (SELECT t.id AS id, (SELECT {subject} FROM ticket_search "
            f"WHERE ticket_search MATCH {sql.p(fts)} AND rowid = t.id) AS r FROM tickets t "
            f"WHERE t.client_id = {sql.p(client)}{scope.inside('t.id')}) AS s "
            "WHERE s.r IS NOT NULL"
        )
        body = density("message_search", "body", sql) if scope.scored else "0"
        notes = "" if scope.query.include_notes else " AND m.internal = 0"
        branches.append(
            f"SELECT s.ticket_id AS ticket_id, {k} AS k, {MESSAGE_SCORE} + MAX(s.r) AS score, "
            f"0 AS more FROM (SELECT m.ticket_id AS ticket_id, (SELECT {body} FROM "
            f"message_search WHERE message_search MATCH {sql.p(fts)} AND rowid = m.id) AS r "
            f"FROM tickets t JOIN messages m ON m.ticket_id = t.id WHERE t.client_id = "
            f"{sql.p(client)}{notes}{scope.inside('t.id')}) AS s WHERE s.r IS NOT NULL "
            "GROUP BY s.ticket_id"
        )
    like = "ILIKE" if pg else "LIKE"  # the client's own name and address, by id
    branches.append(
        f"SELECT t.id AS ticket_id, {k} AS k, {CLIENT_SCORE} AS score, 0 AS more "
        f"FROM tickets t WHERE t.client_id = {sql.p(client)} AND EXISTS (SELECT 1 FROM users u "
        f"WHERE u.id = t.client_id AND (u.name {like} {sql.p(term.like)} ESCAPE '\\' "
        f"OR u.email {like} {sql.p(term.like)} ESCAPE '\\')){scope.inside('t.id')}"
    )
    return " UNION ALL ".join(branches)


def _branches() -> tuple[tuple[Branch, float], ...]:
    """PostgreSQL's searched tables: subjects, then messages (notes left to the caller)."""
    return (
        (
            Branch(
                "tickets t",
                "t.id",
                "t.id",
                "t.department_id",
                "t.search_vector",
                "",
                RECENT_SUBJECTS,
                min(CANDIDATES, SUBJECT_CANDIDATES),
            ),
            SUBJECT_SCORE,
        ),
        (
            Branch(
                "messages m",
                "m.id",
                "m.ticket_id",
                "m.department_id",
                "m.search_vector",
                "",
                RECENT_MESSAGES,
                CANDIDATES,
                department_words=True,
            ),
            MESSAGE_SCORE,
        ),
    )


def _bounds() -> Bounds:
    return Bounds(
        DENSE, MARGIN, WINDOWS, PHRASE_CANDIDATES, CANDIDATES, COMMON_CANDIDATES, ROUGH, WIDEN
    )


async def _walks(
    scope: Scope, term: Term, *, scored: bool = True, bound: int | None = None
) -> list[tuple[float, list[Any], bool]]:
    """PostgreSQL: each searched table's candidates of one term (its newest matches, at most
    ``bound`` of each besides the tables' own bounds) with the table's weight, and whether the
    walk stopped at its bound."""
    conn = connections.get("default")
    query = scope.term_query(term)
    loose = relaxed(query.text)
    notes = "" if query.include_notes else " AND NOT m.internal"
    walked = []
    for branch, base in _branches():
        if branch.table.startswith("messages"):
            branch = replace(branch, where=notes)
        if bound is not None:
            branch = replace(branch, bound=min(branch.bound, bound))
        rows, cut = await candidates(
            conn,
            query,
            branch,
            loose=loose,
            within=scope.text_within,
            departments=scope.departments,
            scored=scope.scored and scored,
            bounds=_bounds(),
        )
        walked.append((base, rows, cut))
    return walked


async def _single(scope: Scope, term: Term) -> tuple[str, bool]:
    """PostgreSQL, one term: its rows (as ``_term_rows``'s) ranked from its candidates, and
    whether a walk stopped at its bound."""
    sql = scope.sql
    branches: list[str] = []
    more = False
    if term.number is not None:
        branches.append(
            f"SELECT id AS ticket_id, 0 AS k, {NUMBER_SCORE} AS score, 0 AS more FROM tickets "
            f"WHERE number = {sql.p(term.number)}{scope.inside('id')}"
        )
    for base, rows, cut in await _walks(scope, term):
        more = more or cut
        best: dict[int, float] = {}
        for row in rows:  # a ticket's best message
            best[row.ticket_id] = max(best.get(row.ticket_id, 0.0), row.rank)
        if best:
            score = f"{base} + s.rank" if scope.scored else "0"
            branches.append(
                f"SELECT s.ticket_id, 0 AS k, {score} AS score, {int(cut)} AS more FROM "
                f"unnest({sql.p(list(best))}::int[], {sql.p(list(best.values()))}::float8[]) "
                "AS s(ticket_id, rank)"
            )
    # A surname shared by hundreds of clients finds thousands of tickets: the newest
    # CANDIDATES of them, by walking every ticket newest first when they are many
    # (CLIENT_WALK), else from the (client_id, department_id, id) index alone (0012).
    who = await _client_condition(
        term.like,
        walk=scope.departments is None and scope.within is None,
        sql=sql,
        subquery=lambda: scope.clients(term, sql),
    )
    if who is not None:
        branches.append(
            f"SELECT c.id AS ticket_id, 0 AS k, {CLIENT_SCORE} AS score, "
            f"CASE WHEN c.n >= {CANDIDATES} THEN 1 ELSE 0 END AS more "
            "FROM (SELECT l.id, COUNT(*) OVER () AS n FROM (SELECT t.id FROM tickets t "
            f"WHERE {who}{scope.narrowing(sql)}{scope.text_inside('t.id', sql)} "
            f"ORDER BY t.id DESC LIMIT {CANDIDATES}) AS l) AS c"
        )
    if not branches:  # found no way (no text match, no client)
        branches.append("SELECT 0 AS ticket_id, 0 AS k, 0.0 AS score, 0 AS more WHERE FALSE")
    return " UNION ALL ".join(branches), more


async def _term_tickets(scope: Scope, term: Term) -> tuple[set[int], bool, bool]:
    """PostgreSQL, several terms: one term's newest tickets by each way of finding it (its
    subjects and messages, its clients' tickets, its number), at most ``TERMS_CHECKED`` of
    each (only that many of the rarest term's are checked), whether a way stopped at that
    bound (the term may be in more tickets), and whether its messages' way did."""
    conn = connections.get("default")
    tickets: set[int] = set()
    stopped = messages_stopped = False
    for base, rows, bounded in await _walks(scope, term, scored=False, bound=TERMS_CHECKED):
        tickets.update(row.ticket_id for row in rows)
        stopped = stopped or bounded
        messages_stopped = messages_stopped or (bounded and base == MESSAGE_SCORE)
    sql = Sql("postgres")
    who = await _client_condition(
        term.like,
        walk=scope.departments is None and scope.within is None,
        sql=sql,
        subquery=functools.partial(scope.clients, term, sql),
    )
    if who is not None:
        _, rows = await conn.execute_query(
            f"SELECT t.id FROM tickets t WHERE {who}"
            f"{scope.narrowing(sql)}{scope.text_inside('t.id', sql)} "
            f"ORDER BY t.id DESC LIMIT {TERMS_CHECKED}",
            sql.params,
        )
        tickets.update(int(row["id"]) for row in rows)
        stopped = stopped or len(rows) >= TERMS_CHECKED
    if term.number is not None:
        sql = Sql("postgres")
        _, rows = await conn.execute_query(
            f"SELECT id FROM tickets WHERE number = {sql.p(term.number)}{scope.inside('id', sql)}",
            sql.params,
        )
        tickets.update(int(row["id"]) for row in rows)
    return tickets, stopped, messages_stopped
