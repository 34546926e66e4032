"""Full-text search over tickets: which tickets a query finds, how well, and where.

One query finds a ticket by its number ("1012", "#1012"), a word of its subject or of a
message, or its client's name or email address (exact substring). Notes match only for those
the policy lets read them. Words are stemmed in the configured language: PostgreSQL's text
search (generated ``tsvector`` columns with GIN indexes, ``websearch_to_tsquery``), SQLite's
FTS5 (tables kept by triggers); both come from migration 0005.

The SQL is written here per dialect; the ticket list wraps its own (scoped, filtered) query
around the hits that ``hits_sql`` selects. The query's syntax is ``search_query``'s, PostgreSQL's
candidate walk ``search_candidates``'s (tuned by the constants here) and the highlights
``search_highlight``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from tortoise import connections

from app.services.search_candidates import Bounds, Branch, candidates
from app.services.search_query import SearchQuery, Sql, density, fts5_query, relaxed

__all__ = ["Hits", "SearchQuery", "Sql", "density", "hits_sql", "relaxed"]

# What each way of finding a ticket adds to its score (a ticket found several ways adds them
# up): a number outranks everything, a subject any message, a message the client's name. Text
# matches add their relevance on top, in 0..1, computed from the matched field alone: nothing
# about other rows (other clients' tickets, notes, other departments) may change a score, or
# the order of what a searcher finds would tell of words they cannot see. PostgreSQL's
# ``ts_rank`` reads only the row's vector (squashed by r / (r + 1)); SQLite's ``bm25()`` weighs
# words by how rare they are in the whole table, so SQLite scores by ``density`` instead.
_NUMBER_SCORE = 1000.0
_SUBJECT_SCORE = 2.0
_MESSAGE_SCORE = 1.0
_CLIENT_SCORE = 0.5


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
"""A rate estimated from fewer matches than this (a phrase's two words together in 1 of 1,000
of the newest rows: found twice) is rough: the window it sizes is at most ``WIDEN`` times as
wide as the span of ids read so far, and the next is sized from both steps. Sized from the two
matches alone, the first window had spanned every older row and read every row with both words
(~2,650) for the newest 2,000."""
WIDEN = 16


@dataclass(frozen=True)
class Hits:
    """SQL selecting ``ticket_id, score, more`` (one row per ticket found; its parameters are
    the caller's ``Sql``'s), and whether a text branch stopped at its bound, so there may be
    more (also when it found nothing: a phrase none of whose candidates have it, "0+")."""

    sql: str
    more: bool


async def hits_sql(
    sql: Sql,
    query: SearchQuery,
    *,
    within: Callable[[Sql], str] | None = None,
    departments: Collection[int] | None = None,
    departments_suffice: bool = False,
    scored: bool = True,
) -> Hits:
    """``SELECT ticket_id, score, more``: every ticket the query finds among those ``within``
    selects (SQL of the searcher's scoped, filtered ticket ids, embedded in a given ``Sql``;
    None: every ticket), one row each; ``more`` is 1 when a branch stopped at ``CANDIDATES``
    (PostgreSQL), so there may be more than these (``Hits.more`` says so even when nothing
    was found). On PostgreSQL the text branches' candidates are found first, by short
    statements of their own (``search_candidates.walk``), and the SQL ranks those.
    ``departments`` (PostgreSQL; None: any) narrows the text branches to those departments'
    tickets and messages inside their index walks: it must not be wider than ``within``,
    which alone decides what may be found, unless ``departments_suffice`` says that it
    selects exactly the same tickets (nothing but the scope and a department narrows the
    list): the text branches then leave ``within`` out, which spares the planner a
    restriction it would count twice (and then prefer reading every match to walking the
    newest). Unscored (for counting), nothing is ranked at all."""

    def inside(column: str) -> str:
        return f" AND {column} IN ({within(sql)})" if within is not None else ""

    def text_inside(column: str) -> str:
        return "" if departments is not None and departments_suffice else inside(column)

    branches: list[str] = []
    more = False
    if query.number is not None:
        branches.append(
            f"SELECT id AS ticket_id, {_NUMBER_SCORE} AS score, 0 AS more FROM tickets "
            f"WHERE number = {sql.p(query.number)}{inside('id')}"
        )
    if sql.postgres:
        conn = connections.get("default")
        # Each text branch takes the newest CANDIDATES matches (ranking only those); a phrase,
        # the newest PHRASE_CANDIDATES rows with its words, then those in the phrase's order.
        loose = relaxed(query.text)
        text_within = None if departments is not None and departments_suffice else within
        notes = "" if query.include_notes else " AND NOT m.internal"
        for branch, base in (
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
                _SUBJECT_SCORE,
            ),
            (
                Branch(
                    "messages m",
                    "m.id",
                    "m.ticket_id",
                    "m.department_id",
                    "m.search_vector",
                    notes,
                    RECENT_MESSAGES,
                    CANDIDATES,
                ),
                _MESSAGE_SCORE,
            ),
        ):
            rows, cut = await candidates(
                conn,
                query,
                branch,
                loose=loose,
                within=text_within,
                departments=departments,
                scored=scored,
                bounds=Bounds(
                    DENSE,
                    MARGIN,
                    WINDOWS,
                    PHRASE_CANDIDATES,
                    CANDIDATES,
                    COMMON_CANDIDATES,
                    ROUGH,
                    WIDEN,
                ),
            )
            more = more or cut
            best: dict[int, float] = {}
            for row in rows:  # a ticket's best message
                best[row.ticket_id] = max(best.get(row.ticket_id, 0.0), row.rank)
            if best:
                score = f"{base} + s.rank" if scored else "0"
                branches.append(
                    f"SELECT s.ticket_id, {score} AS score, {int(cut)} AS more FROM "
                    f"unnest({sql.p(list(best))}::int[], {sql.p(list(best.values()))}::float8[]) "
                    "AS s(ticket_id, rank)"
                )
        like = "ILIKE"
    else:
        match = fts5_query(query.text)
        if match is not None:
            branches.append(
                f"SELECT rowid AS ticket_id, {_SUBJECT_SCORE} + "
                f"{density('ticket_search', 'subject', sql)} AS score, 0 AS more "
                f"FROM ticket_search WHERE ticket_search MATCH {sql.p(match)}{inside('rowid')}"
            )
            notes = "" if query.include_notes else " AND m.internal = 0"
            branches.append(
                # highlight() cannot sit inside an aggregate: score each message first.
                f"SELECT m.ticket_id AS ticket_id, {_MESSAGE_SCORE} + MAX(f.r) "
                "AS score, 0 AS more FROM (SELECT rowid AS id, "
                f"{density('message_search', 'body', sql)} AS r "
                f"FROM message_search WHERE message_search MATCH {sql.p(match)} LIMIT -1) AS f "
                f"JOIN messages m ON m.id = f.id WHERE 1 = 1{notes}{inside('m.ticket_id')} "
                "GROUP BY m.ticket_id"
            )
        like = "LIKE"  # ASCII case-insensitive on SQLite
    clients = (
        "t.client_id IN (SELECT id FROM users u "
        f"WHERE u.name {like} {sql.p(query.like)} ESCAPE '\\' "
        f"OR u.email {like} {sql.p(query.like)} ESCAPE '\\')"
    )
    if sql.postgres:
        # A surname shared by hundreds of clients finds thousands of tickets: the newest
        # CANDIDATES of them, from the (client_id, department_id, id) index alone (0012).
        narrowing = (
            ""
            if departments is None
            else f" AND t.department_id = ANY({sql.p(sorted(departments))})"
        )
        branches.append(
            f"SELECT c.id AS ticket_id, {_CLIENT_SCORE} AS score, "
            f"CASE WHEN c.n >= {CANDIDATES} THEN 1 ELSE 0 END AS more "
            "FROM (SELECT l.id, COUNT(*) OVER () AS n FROM (SELECT t.id FROM tickets t "
            f"WHERE {clients}{narrowing}{text_inside('t.id')} ORDER BY t.id DESC "
            f"LIMIT {CANDIDATES}) AS l) AS c"
        )
    else:
        branches.append(
            f"SELECT t.id AS ticket_id, {_CLIENT_SCORE} AS score, 0 AS more FROM tickets t "
            f"WHERE {clients}{inside('t.id')}"
        )
    union = " UNION ALL ".join(branches)
    return Hits(
        "SELECT ticket_id, SUM(score) AS score, MAX(more) AS more "
        f"FROM ({union}) AS found GROUP BY ticket_id",
        more,
    )
