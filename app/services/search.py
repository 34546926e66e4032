"""Full-text search over tickets: which tickets a query finds, how well, and where.

One query finds a ticket by its number ("1012", "#1012"), a word of its subject or of a
message, or its client's name or email address (exact substring). Notes match only for those
the policy lets read them. Words are stemmed in the configured language: PostgreSQL's text
search (generated ``tsvector`` columns with GIN indexes, ``websearch_to_tsquery``), SQLite's
FTS5 (tables kept by triggers); both come from migration 0005.

The SQL is written here per dialect; the ticket list wraps its own (scoped, filtered) query
around the hits that ``hits_sql`` selects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tortoise import connections

from app.errors import ValidationFailed
from app.i18n import Msg

MAX_QUERY_LENGTH = 200
"""Longer queries are refused: nobody types more, and each word costs an index lookup."""

# What each way of finding a ticket adds to its score (a ticket found several ways adds them
# up): a number outranks everything, a subject any message, a message the client's name. Text
# matches add their relevance on top, squashed into 0..1 (r / (r + 1)) on both dialects.
_NUMBER_SCORE = 1000.0
_SUBJECT_SCORE = 2.0
_MESSAGE_SCORE = 1.0
_CLIENT_SCORE = 0.5

# Highlights come back from the database between these two characters (private-use code
# points, removed from the text first), and are split into parts here: no markup is made.
_START, _STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"[{_START}{_STOP}]")
_NUMBER = re.compile(r"#?(\d{1,9})")
_TERM = re.compile(r'-?"[^"]*"?|\S+')
_WORDY = re.compile(r"\w")


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


@dataclass(frozen=True)
class SearchQuery:
    text: str
    number: int | None
    language: str
    include_notes: bool

    @property
    def like(self) -> str:
        """The text as a LIKE pattern matching it anywhere (its own wildcards escaped)."""
        escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


def parse(text: str | None, *, language: str, include_notes: bool) -> SearchQuery | None:
    """The query to run for the search box's text, None for an empty box; a typed error for
    one nobody would type."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationFailed.single(
            "search", Msg("Search for at most {n} characters.", n=MAX_QUERY_LENGTH)
        )
    if _MARKERS.search(text):
        raise ValidationFailed.single("search", "That text cannot be searched for.")
    number = _NUMBER.fullmatch(text)
    return SearchQuery(
        text=text,
        number=int(number.group(1)) if number else None,
        language=language,
        include_notes=include_notes,
    )


def fts5_query(text: str) -> str | None:
    """The search box's syntax (words, "phrases", -word, or) as an FTS5 query, every term
    quoted so nothing the user types is FTS5 syntax; None when nothing is searchable."""
    groups: list[list[str]] = [[]]
    for term in _TERM.findall(text):
        if term.lower() == "or":
            groups.append([])
            continue
        negated = term.startswith("-") and len(term) > 1
        word = term[1:] if negated else term
        word = word.strip('"')
        if not _WORDY.search(word):
            continue
        quoted = '"' + word.replace('"', '""') + '"'
        groups[-1].append(f"NOT {quoted}" if negated else quoted)
    clauses = []
    for group in groups:
        positive = [t for t in group if not t.startswith("NOT ")]
        if positive:  # FTS5's NOT needs something to subtract from
            negative = [t for t in group if t.startswith("NOT ")]
            clauses.append("(" + " ".join(positive + negative) + ")")
    return " OR ".join(clauses) if clauses else None


class Sql:
    """Raw SQL assembled left to right with its parameters in the same order (SQLite's ``?``
    are positional; PostgreSQL's ``$n`` are numbered here)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgres"
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    def embed(self, sql: str, params: Sequence[Any]) -> str:
        """Another statement's SQL (Tortoise's) with its parameters, renumbered to follow."""
        offset = len(self.params)
        self.params.extend(params)
        if self.postgres and offset:
            return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + offset}", sql)
        return sql

    def many(self, values: Sequence[Any]) -> str:
        return ", ".join(self.p(v) for v in values)


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


PHRASE_CANDIDATES = 2_000
"""PostgreSQL: a search with a phrase (``"paper jam"``) first takes the newest this many rows
that have all of the phrase's words (what the GIN index answers without reading the table),
then checks the words' order on those only: two common words are together in tens of
thousands of messages, and reading each to check the phrase took seconds. A phrase whose only
matches are older than that is not found; the search then says there may be more."""


def relaxed(text: str) -> str | None:
    """The search text with each "phrase" as its words, which matches at least what the text
    matches (PostgreSQL's candidates for a phrase); None when it has no phrase, or quotes
    used otherwise than around a term (left to the database as typed)."""
    terms: list[str] = []
    phrase = False
    for term in _TERM.findall(text):
        if term.startswith('"'):
            words = [w.lstrip("-") for w in term.strip('"').split()]
            words = [w for w in words if _WORDY.search(w) and w.lower() != "or"]
            phrase = phrase or len(words) > 1
            terms.extend(w.replace('"', "") for w in words)
        elif term.startswith('-"') or '"' not in term:
            terms.append(term)  # a word, or a phrase left out: as typed
        else:
            return None
    return " ".join(terms) if phrase and terms else None


def _config(query: SearchQuery) -> str:
    return f"'{query.language}'::regconfig"  # the setting allows only [a-z_]


RECENT_MESSAGES = 2_000
"""PostgreSQL: how many of the newest messages (of the searcher's department, or of all) the
message branch reads one by one first (see ``_walk``): a word in half of them has its
candidates there, and how many it found says how common the word is: a common one goes on one
by one (no row read twice), a rarer one turns to the index. Read one by one, a very common
word stops as soon as it has them; from the GIN index, all of its many matches would be
read. Fewer than this would make the rarer words' estimate too rough."""
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


@dataclass(frozen=True)
class _Branch:
    """A searched table: its alias, ids, ticket, department, vector, and what else narrows it."""

    table: str
    key: str
    ticket: str
    column: str
    vector: str
    where: str
    recent: int
    bound: int


@dataclass(frozen=True)
class _Row:
    id: int
    ticket_id: int
    rank: float
    matched: bool


@dataclass(frozen=True)
class Hits:
    """SQL selecting ``ticket_id, score, more`` (one row per ticket found; its parameters are
    the caller's ``Sql``'s), and whether a text branch stopped at its bound, so there may be
    more (also when it found nothing: a phrase none of whose candidates have it, "0+")."""

    sql: str
    more: bool


async def _walk(
    conn: Any,
    query: SearchQuery,
    branch: _Branch,
    *,
    loose: str | None,
    within: Callable[[Sql], str] | None,
    department: int | None,
    limit: int,
    scored: bool,
) -> list[_Row]:
    """The newest ``limit`` rows of ``branch`` matching the query (its words only, for a
    phrase: ``loose``) within ``within`` and the ``department`` (None: any), newest first.

    Separate short statements, each with its bounds as values (the planner, given one
    statement with every step in it, spent 10-30 ms planning it and guessed the steps' sizes):
    first the matches among the newest ``recent`` rows, read one by one newest first (the
    match written as a function call, which no index answers: the planner, left to choose,
    would read every match of a word in 7% of a million messages from the GIN index). If that
    found too few: a common word (``DENSE``) goes on one by one from where it stopped; a rarer
    one asks the GIN index for the matches in a window of older ids, as wide as the rate
    found so far says is needed (``MARGIN``; intersected with the BRIN index on ids,
    migration 0017, or with the department's index, so only the window's pages are read), a
    second such window if that was short (``WINDOWS``), then everything older. A department
    is walked on its own ``(department_id, id)`` index (its rows only, not every
    department's)."""
    cfg = _config(query)
    matching = "q" if loose is None else "loose"

    def statement(sql: Sql, condition: str, bound: str, size: int) -> str:
        source = f"websearch_to_tsquery({cfg}, {sql.p(query.text)}) q"
        if loose is not None:
            source += f", websearch_to_tsquery({cfg}, {sql.p(loose)}) loose"
        rank = f"ts_rank({branch.vector}, q, 32)::float8" if scored else "0::float8"
        phrase = "TRUE" if loose is None else f"{branch.vector} @@ q"
        inside = f" AND {branch.ticket} IN ({within(sql)})" if within is not None else ""
        return (
            f"SELECT {branch.key} AS id, {branch.ticket} AS ticket_id, {rank} AS rank, "
            f"{phrase} AS matched FROM {bound}, {source} WHERE {condition}{branch.where}"
            f"{inside} ORDER BY {order} LIMIT {int(size)}"
        )

    def scope(sql: Sql) -> str:
        if department is None:
            return ""
        return f" AND {branch.column} = ANY(ARRAY[{sql.p(department)}]::int[])"

    def older(sql: Sql, op: str, below: int) -> str:
        # A department's rows by a range of its (department_id, id) index (a row comparison,
        # which neither the primary key nor the BRIN index answers): ordered by id alone, the
        # planner walked the primary key over every department's rows, ten times as many.
        if department is None:
            return f" AND {branch.key} {op} {sql.p(below)}"
        row = f"({sql.p(department)}::int, {sql.p(below)}::int)"
        return f" AND ({branch.column}, {branch.key}) {op} {row}"

    def hidden(sql: Sql, bound: int) -> str:
        # A department's window bounds as a subquery, whose value the planner does not see:
        # seeing that a rare word's window spans all of a department's older rows, it read the
        # word's matches in every department from the GIN index (~7,000 pages) for about one
        # word in five, instead of intersecting them with the (department_id, id) index.
        if department is None:
            return sql.p(bound)
        return f"(SELECT {sql.p(bound)}::int)"

    order = (
        f"{branch.key} DESC" if department is None else f"{branch.column} DESC, {branch.key} DESC"
    )
    alias = branch.table.split()[-1]

    async def run(sql: Sql, text: str) -> list[Any]:
        _, rows = await conn.execute_query(text, sql.params)
        return list(rows)

    sql = Sql("postgres")
    narrowing = scope(sql)
    newest = (
        f"(SELECT * FROM {branch.table} WHERE TRUE{narrowing} ORDER BY {order} "
        f"LIMIT {branch.recent}) AS {alias}"
    )
    edge = f"SELECT {branch.key} FROM {branch.table} WHERE TRUE{narrowing} ORDER BY {order}"
    first = statement(sql, f"ts_match_vq({branch.vector}, {matching})", newest, limit)
    # The newest rows' oldest and newest ids come with them (a row even when none matched).
    rows = await run(
        sql,
        f"SELECT ({edge} OFFSET {branch.recent - 1} LIMIT 1) AS lo, ({edge} LIMIT 1) AS top, "
        f"s.* FROM (SELECT 1) AS one LEFT JOIN LATERAL ({first}) AS s ON TRUE",
    )
    lo, top = rows[0]["lo"], rows[0]["top"]
    found = [_row(r) for r in rows if r["id"] is not None]
    if len(found) >= limit or lo is None:
        return found  # enough, or the newest rows were every row
    need = limit - len(found)
    if len(found) * DENSE >= branch.recent:
        sql = Sql("postgres")
        more = statement(
            sql,
            f"ts_match_vq({branch.vector}, {matching}){scope(sql)}{older(sql, '<', lo)}",
            branch.table,
            need,
        )
        return found + [_row(r) for r in await run(sql, more)]
    below = lo
    for _ in range(WINDOWS):
        if not found or below <= 0:
            break  # too rare to estimate (its few matches all come from the index), or done
        rate = len(found) / max(top - below, 1)  # matches per id so far
        upper, below = below, max(below - int(need / rate * MARGIN) - 1, 0)
        sql = Sql("postgres")
        window = statement(
            sql,
            f"{branch.vector} @@ {matching}{scope(sql)} AND {branch.key} < {hidden(sql, upper)} "
            f"AND {branch.key} >= {hidden(sql, below)}",
            branch.table,
            need,
        )
        found += [_row(r) for r in await run(sql, window)]
        need = limit - len(found)
        if need <= 0:
            return found
    if below <= 0:
        return found
    sql = Sql("postgres")
    rest = statement(
        sql,
        f"{branch.vector} @@ {matching}{scope(sql)} AND {branch.key} < {hidden(sql, below)}",
        branch.table,
        need,
    )
    return found + [_row(r) for r in await run(sql, rest)]


def _row(r: Any) -> _Row:
    return _Row(int(r["id"]), int(r["ticket_id"]), float(r["rank"]), bool(r["matched"]))


async def _candidates(
    conn: Any,
    query: SearchQuery,
    branch: _Branch,
    *,
    loose: str | None,
    within: Callable[[Sql], str] | None,
    departments: Collection[int] | None,
    scored: bool,
) -> tuple[list[_Row], bool]:
    """The rows of ``branch`` the search ranks (newest first) and whether it stopped at its
    bound: the newest ``CANDIDATES`` matches; for a phrase, those of the newest
    ``PHRASE_CANDIDATES`` rows with its words that have it. Each of the ``departments`` (None:
    any) is walked on its own, and the newest of all are kept."""
    limit = branch.bound if loose is None else PHRASE_CANDIDATES
    rows: list[_Row] = []
    for department in [None] if departments is None else sorted(departments):
        rows += await _walk(
            conn,
            query,
            branch,
            loose=loose,
            within=within,
            department=department,
            limit=limit,
            scored=scored,
        )
    rows = sorted(rows, key=lambda r: r.id, reverse=True)[:limit]
    if loose is None:
        return rows, len(rows) >= branch.bound
    phrased = [r for r in rows if r.matched][:CANDIDATES]
    return phrased, len(rows) >= PHRASE_CANDIDATES or len(phrased) >= CANDIDATES


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
    (PostgreSQL), so there may be more than these (``Hits.more`` says so even when nothing was
    found). On PostgreSQL the text branches' candidates are found first, by short statements
    of their own (``_walk``), and the SQL ranks those. ``departments`` (PostgreSQL; None: any)
    narrows the text branches to those departments' tickets and messages inside their index
    walks: it must not be wider than ``within``, which alone decides what may be found, unless
    ``departments_suffice`` says that it selects exactly the same tickets (nothing but the
    scope and a department narrows the list): the text branches then leave ``within`` out,
    which spares the planner a restriction it would count twice (and then prefer reading every
    match to walking the newest). Unscored (for counting), nothing is ranked at all."""

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
                _Branch(
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
                _Branch(
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
            rows, cut = await _candidates(
                conn,
                query,
                branch,
                loose=loose,
                within=text_within,
                departments=departments,
                scored=scored,
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
                f"SELECT rowid AS ticket_id, {_SUBJECT_SCORE} + (-bm25(ticket_search)) / "
                "(1 - bm25(ticket_search)) AS score, 0 AS more FROM ticket_search "
                f"WHERE ticket_search MATCH {sql.p(match)}{inside('rowid')}"
            )
            notes = "" if query.include_notes else " AND m.internal = 0"
            branches.append(
                # bm25() cannot sit inside an aggregate: rank each message first.
                f"SELECT m.ticket_id AS ticket_id, {_MESSAGE_SCORE} + MAX(f.r / (1 + f.r)) "
                "AS score, 0 AS more FROM (SELECT rowid AS id, -bm25(message_search) AS r "
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


def _parts(marked: str) -> tuple[HighlightPart, ...]:
    parts: list[HighlightPart] = []
    for piece in re.split(f"({_START}[^{_STOP}]*{_STOP})", marked):
        if piece.startswith(_START):
            text, matched = piece[1:-1], True
        else:
            text, matched = _MARKERS.sub("", piece), False
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
    query: SearchQuery, tickets: Sequence[Any], clients: dict[int, tuple[str, str | None]]
) -> dict[int, Highlight]:
    """For each ticket of a page (visible to the searcher), where the query matched it:
    number, subject, a message (or a note, when notes were searched), or the client's name or
    email (``clients`` maps a client id to its name and, if the searcher may see it, email)."""
    found: dict[int, Highlight] = {}
    if not tickets:
        return found
    ids = [t.id for t in tickets]
    conn = connections.get("default")
    sql = Sql(conn.capabilities.dialect)
    for ticket in tickets:
        if query.number is not None and ticket.number == query.number:
            found[ticket.id] = Highlight(
                HighlightField.NUMBER, (HighlightPart(f"#{ticket.number}", True),)
            )
    subject_rows: list[Any]
    message_rows: list[Any]
    if sql.postgres:
        cfg = _config(query)
        options = f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true"
        text = sql.p(query.text)
        _, subject_rows = await conn.execute_query(
            f"SELECT id, ts_headline({cfg}, translate(subject, {sql.p(_START + _STOP)}, ''), q, "
            f"{sql.p(options)}) AS marked FROM tickets, websearch_to_tsquery({cfg}, {text}) q "
            f"WHERE id = ANY({sql.p(ids)}) AND search_vector @@ q",
            sql.params,
        )
        sql = Sql("postgres")
        notes = "" if query.include_notes else " AND NOT m.internal"
        options = (
            f"StartSel={_START}, StopSel={_STOP}, MaxWords=24, MinWords=10, MaxFragments=2, "
            'FragmentDelimiter=" … "'
        )
        text = sql.p(query.text)
        # The best message of each ticket first, then one headline each (ts_headline parses
        # the whole body: not for every matching message of the page's tickets).
        _, message_rows = await conn.execute_query(
            "SELECT b.id AS id, b.internal AS internal, "
            f"ts_headline({cfg}, translate(m.body, {sql.p(_START + _STOP)}, ''), b.q, "
            f"{sql.p(options)}) AS marked FROM (SELECT DISTINCT ON (m.ticket_id) "
            "m.ticket_id AS id, m.id AS message_id, m.internal AS internal, q "
            f"FROM messages m, websearch_to_tsquery({cfg}, {text}) q "
            f"WHERE m.ticket_id = ANY({sql.p(ids)}) AND m.search_vector @@ q{notes} "
            "ORDER BY m.ticket_id, ts_rank(m.search_vector, q) DESC, m.id) AS b "
            "JOIN messages m ON m.id = b.message_id",
            sql.params,
        )
    else:
        match = fts5_query(query.text)
        subject_rows, message_rows = [], []
        if match is not None:
            _, subject_rows = await conn.execute_query(
                f"SELECT rowid AS id, highlight(ticket_search, 0, {sql.p(_START)}, "
                f"{sql.p(_STOP)}) AS marked FROM ticket_search WHERE ticket_search MATCH "
                f"{sql.p(match)} AND rowid IN ({sql.many(ids)})",
                sql.params,
            )
            sql = Sql("sqlite")
            notes = "" if query.include_notes else " AND m.internal = 0"
            _, message_rows = await conn.execute_query(
                "SELECT m.ticket_id AS id, m.internal AS internal, snippet(message_search, 0, "
                f"{sql.p(_START)}, {sql.p(_STOP)}, '…', 24) AS marked FROM message_search "
                "JOIN messages m ON m.id = message_search.rowid "
                f"WHERE message_search MATCH {sql.p(match)} AND m.ticket_id IN ({sql.many(ids)})"
                f"{notes} ORDER BY bm25(message_search), m.id",
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
            parts = _substring_parts(value, query.text) if value else None
            if parts:
                found[ticket.id] = Highlight(HighlightField.CLIENT, parts)
                break
    return found
