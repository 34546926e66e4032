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


RECENT_MESSAGES = 5_000
"""PostgreSQL: how many of the newest messages (of the searcher's department, or of all) the
message branch reads one by one before it turns to the index for the older ones (see
``_newest``): a word in a fifth of them has its candidates there, a common word (~7-15%) most
of them, and the first windows the rest. Read one by one, a very common word stops as soon as
it has them; from the index, a window would read all of its many matches in that window."""
RECENT_SUBJECTS = 1_000
"""The same for subjects."""
WINDOWS = (1, 2, 4, 8, 16, 32)
"""PostgreSQL: after the newest rows, the index is asked for the older matches window by
window, newest first, each as wide (in ids) as the first step's rows times these factors,
then for the rest: a word that needs the first windows only has those read from the table."""


def _newest(
    sql: Sql,
    select: str,
    source: str,
    where: str,
    *,
    table: str,
    key: str,
    column: str,
    recent: int,
    departments: Collection[int] | None,
    match: tuple[str, str],
    limit: int,
) -> str:
    """The newest ``limit`` rows of ``source`` matching ``where`` and the text ``match``
    (its vector and query) (``table`` is the searched table with its alias, ``key`` its id
    column, selected as ``id``; ``column`` its department).

    In steps, each run only if those before found too few: the matches among the newest
    ``recent`` rows, read one by one newest first (the match written as a function call,
    which no index answers: the planner, left to choose, would read every match of a word in
    7% of a million messages from the GIN index, hundreds of milliseconds), then the older
    ones from the GIN index in windows of ids (``WINDOWS``; the first step's span of ids times
    each factor, newest first) and last everything older. Each window intersects the GIN
    index's matches with the table's BRIN index on ids (migration 0017), so only the table
    pages of that window are read: a word in 0.7% of a million messages has its 1,000 newest
    matches in the first windows and no longer has all its ~7,000 matches read and sorted.
    ``UNION ALL`` runs its parts in order and the ``LIMIT`` stops it once it has enough; the
    parts are disjoint and each is newest first, so the result is the newest matches.

    With ``departments``, each department in turn, walking its own ``(department_id, id)``
    index: only rows the searcher may see are read, and the newest of all are kept."""

    def one(narrowing: str, order: str) -> str:
        alias = table.split()[-1]
        newest_rows = (
            f"(SELECT * FROM {table} WHERE TRUE{narrowing} ORDER BY {order} LIMIT {recent}) "
            f"AS {alias}"
        )
        # The first step's oldest id (0: it read every row) and its span of ids, once.
        steps = (
            f"WITH step AS MATERIALIZED (SELECT b.lo AS lo, GREATEST(b.top - b.lo, 1) AS span "
            f"FROM (SELECT COALESCE((SELECT {key} FROM {table} WHERE TRUE{narrowing} "
            f"ORDER BY {order} OFFSET {recent - 1} LIMIT 1), 0) AS lo, "
            f"COALESCE((SELECT {key} FROM {table} WHERE TRUE{narrowing} ORDER BY {order} "
            f"LIMIT 1), 0) AS top) AS b) "
        )
        vector, tsquery = match
        parts = [
            f"SELECT {select} FROM {newest_rows}, {source} WHERE ts_match_vq({vector}, "
            f"{tsquery}) AND {where} ORDER BY {key} DESC LIMIT {limit}"
        ]
        older = (
            f"SELECT {select} FROM {table}, {source} WHERE {vector} @@ {tsquery} AND "
            f"{where}{narrowing}"
        )
        done = 0
        for factor in WINDOWS:
            upper, done = done, done + factor
            parts.append(
                f"{older} AND {key} < (SELECT lo - {upper} * span FROM step) "
                f"AND {key} >= (SELECT lo - {done} * span FROM step) "
                f"ORDER BY {order} LIMIT {limit}"
            )
        parts.append(
            f"{older} AND {key} < (SELECT lo - {done} * span FROM step) "
            f"ORDER BY {order} LIMIT {limit}"
        )
        union = " UNION ALL ".join(f"({part})" for part in parts)
        return f"{steps}SELECT * FROM ({union}) AS w LIMIT {limit}"

    def department(department_id: int) -> str:
        # Ordered as the (department_id, id) index is, the department written as a list of
        # one: only that index gives this order (with ``=`` the planner knows the department
        # is constant, takes the order to be the primary key's, and may walk the primary key
        # filtering out the other departments' rows: ten times as many, seconds under load).
        return one(
            f" AND {column} = ANY(ARRAY[{sql.p(department_id)}]::int[])",
            f"{column} DESC, {key} DESC",
        )

    if departments is None:
        return one("", f"{key} DESC")
    ids = sorted(departments)
    if not ids:
        return one(" AND FALSE", f"{key} DESC")
    if len(ids) == 1:
        return department(ids[0])
    parts = " UNION ALL ".join(f"({department(d)})" for d in ids)
    return f"SELECT * FROM ({parts}) AS d ORDER BY id DESC LIMIT {limit}"


def hits_sql(
    sql: Sql,
    query: SearchQuery,
    *,
    within: Callable[[], str] | None = None,
    departments: Collection[int] | None = None,
    departments_suffice: bool = False,
    scored: bool = True,
) -> str:
    """``SELECT ticket_id, score, more``: every ticket the query finds among those ``within``
    selects (SQL of the searcher's scoped, filtered ticket ids; None: every ticket), one row
    each; ``more`` is 1 when a branch stopped at ``CANDIDATES`` (PostgreSQL), so there may be
    more than these. ``departments`` (PostgreSQL; None: any) narrows the text branches to those
    departments' tickets and messages inside their index walks: it must not be wider than
    ``within``, which alone decides what may be found, unless ``departments_suffice`` says
    that it selects exactly the same tickets (nothing but the scope and a department narrows
    the list): the text branches then leave ``within`` out, which spares the planner a
    restriction it would count twice (and then prefer reading every match to walking the
    newest). Unscored (for counting), nothing is ranked at all."""

    def inside(column: str) -> str:
        return f" AND {column} IN ({within()})" if within is not None else ""

    def text_inside(column: str) -> str:
        return "" if departments is not None and departments_suffice else inside(column)

    branches: list[str] = []
    if query.number is not None:
        branches.append(
            f"SELECT id AS ticket_id, {_NUMBER_SCORE} AS score, 0 AS more FROM tickets "
            f"WHERE number = {sql.p(query.number)}{inside('id')}"
        )
    if sql.postgres:
        cfg = _config(query)
        # Each text branch takes the newest CANDIDATES matches first (LIMIT before ts_rank),
        # then ranks only those; a phrase, the newest PHRASE_CANDIDATES rows with its words,
        # then those in the phrase's order.
        loose = relaxed(query.text)
        limit = CANDIDATES if loose is None else PHRASE_CANDIDATES

        def source() -> str:
            q = f"websearch_to_tsquery({cfg}, {sql.p(query.text)}) q"
            if loose is None:
                return q
            return f"{q}, websearch_to_tsquery({cfg}, {sql.p(loose)}) loose"

        matching = "q" if loose is None else "loose"

        def candidates(rows: str) -> str:
            """The rows with ``n`` (how many) and ``cut`` (1: stopped at a bound)."""
            counted = f"SELECT l.*, COUNT(*) OVER () AS found FROM ({rows}) AS l"
            if loose is None:
                return (
                    f"SELECT k.*, k.found AS n, CASE WHEN k.found >= {CANDIDATES} THEN 1 "
                    f"ELSE 0 END AS cut FROM ({counted}) AS k"
                )
            phrased = (
                f"SELECT k.* FROM ({counted}) AS k WHERE ts_match_vq(k.search_vector, k.q) "
                f"ORDER BY k.id DESC LIMIT {CANDIDATES}"
            )
            return (
                "SELECT p.*, COUNT(*) OVER () AS n, CASE WHEN p.found >= "
                f"{PHRASE_CANDIDATES} OR COUNT(*) OVER () >= {CANDIDATES} THEN 1 ELSE 0 END "
                f"AS cut FROM ({phrased}) AS p"
            )

        subject = f"{_SUBJECT_SCORE} + ts_rank(c.search_vector, c.q, 32)::float8" if scored else "0"
        subjects = _newest(
            sql,
            "t.id, t.search_vector, q",
            source(),
            f"TRUE{text_inside('t.id')}",
            table="tickets t",
            key="t.id",
            column="t.department_id",
            recent=RECENT_SUBJECTS,
            departments=departments,
            match=("t.search_vector", matching),
            limit=limit,
        )
        branches.append(
            f"SELECT c.id AS ticket_id, {subject} AS score, c.cut AS more "
            f"FROM ({candidates(subjects)}) AS c"
        )
        notes = "" if query.include_notes else " AND NOT m.internal"
        message = (
            f"{_MESSAGE_SCORE} + MAX(ts_rank(c.search_vector, c.q, 32))::float8" if scored else "0"
        )
        messages = _newest(
            sql,
            "m.id, m.ticket_id, m.search_vector, q",
            source(),
            f"TRUE{notes}{text_inside('m.ticket_id')}",
            table="messages m",
            key="m.id",
            column="m.department_id",
            recent=RECENT_MESSAGES,
            departments=departments,
            match=("m.search_vector", matching),
            limit=limit,
        )
        branches.append(
            f"SELECT c.ticket_id, {message} AS score, MAX(c.cut) AS more "
            f"FROM ({candidates(messages)}) AS c GROUP BY c.ticket_id"
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
    return (
        "SELECT ticket_id, SUM(score) AS score, MAX(more) AS more "
        f"FROM ({union}) AS found GROUP BY ticket_id"
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
