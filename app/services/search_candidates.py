"""PostgreSQL: the rows of a searched table (subjects or messages) that a search ranks, found by
short statements of their own, newest first (see ``walk``). How far they go is given by the
caller (``Bounds``: the search module's tunables, read per search)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from app.services.search_query import SearchQuery, Sql, config


@dataclass(frozen=True)
class Bounds:
    """``search.DENSE``, ``MARGIN``, ``WINDOWS``, ``PHRASE_CANDIDATES``, ``CANDIDATES`` and
    ``COMMON_CANDIDATES``, ``ROUGH`` and ``WIDEN``."""

    dense: int
    margin: float
    windows: int
    phrase: int
    cap: int
    common: int
    rough: int
    widen: int


@dataclass(frozen=True)
class Branch:
    """A searched table: its alias, ids, ticket, department, vector, and what else narrows it."""

    table: str
    key: str
    ticket: str
    column: str
    vector: str
    where: str
    recent: int
    bound: int
    department_words: bool = False
    """Its words are indexed by department too (``(department_id, vector)``, migration 0023)."""


@dataclass(frozen=True)
class Row:
    id: int
    ticket_id: int
    rank: float
    matched: bool


async def walk(
    conn: Any,
    query: SearchQuery,
    branch: Branch,
    *,
    loose: str | None,
    within: Callable[[Sql], str] | None,
    department: int | None,
    limit: int,
    scored: bool,
    bounds: Bounds,
) -> tuple[list[Row], int]:
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
    cfg = config(query)
    matching = "q" if loose is None else "loose"

    def statement(sql: Sql, condition: str, bound: str, size: int) -> str:
        source = f"websearch_to_tsquery({cfg}, {sql.p(query.text)}) q"
        if loose is not None:
            source += f", websearch_to_tsquery({cfg}, {sql.p(loose)}) loose"
        phrase = "TRUE" if loose is None else f"{branch.vector} @@ q"
        rank = f"ts_rank({branch.vector}, q, 32)::float8" if scored else "0::float8"
        if scored and loose is not None:  # only the candidates that have the phrase are ranked
            rank = f"CASE WHEN {phrase} THEN {rank} ELSE 0::float8 END"
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

    indexed = department is not None and branch.department_words

    def words(sql: Sql) -> str:
        # Everything older than an id, of one department: the word's matches in that
        # department from the (department_id, vector) index alone (migration 0023), the ids
        # a filter ("+ 0"). Intersected with the department's (department_id, id) range, as
        # the planner chose, a bitmap of every older row of the department was built first
        # (~98,000 of them for ~240 matches: 11-30 ms).
        return f"{branch.vector} @@ {matching} AND {branch.column} = {sql.p(department)}::int"

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
        return found, limit  # enough, or the newest rows were every row
    common = len(found) * bounds.dense >= branch.recent
    if common and loose is None:
        # A common word ranks its newest ``COMMON_CANDIDATES`` matches only (often all found
        # already): reading on to ``CANDIDATES`` of them was most of such a search's work.
        limit = min(limit, bounds.common)
        if len(found) >= limit:
            return found[:limit], limit
    need = limit - len(found)
    if common:
        sql = Sql("postgres")
        more = statement(
            sql,
            f"ts_match_vq({branch.vector}, {matching}){scope(sql)}{older(sql, '<', lo)}",
            branch.table,
            need,
        )
        return found + [_row(r) for r in await run(sql, more)], limit
    below = lo
    for _ in range(bounds.windows):
        if not found or below <= 0:
            break  # too rare to estimate (its few matches all come from the index), or done
        rate = len(found) / max(top - below, 1)  # matches per id so far
        width = int(need / rate * bounds.margin)
        if loose is not None and len(found) < bounds.rough:  # a rough rate, a phrase's bound
            width = min(width, (top - below) * bounds.widen)
        upper, below = below, max(below - width - 1, 0)
        sql = Sql("postgres")
        if below <= 0 and indexed:
            # The window reaches the first row: everything older is the department's matches.
            condition = f"{words(sql)} AND {branch.key} + 0 < {hidden(sql, upper)}"
        else:
            condition = (
                f"{branch.vector} @@ {matching}{scope(sql)} AND {branch.key} < "
                f"{hidden(sql, upper)} AND {branch.key} >= {hidden(sql, below)}"
            )
        window = statement(sql, condition, branch.table, need)
        found += [_row(r) for r in await run(sql, window)]
        need = limit - len(found)
        if need <= 0:
            return found, limit
    if below <= 0:
        return found, limit
    sql = Sql("postgres")
    if indexed:
        condition = f"{words(sql)} AND {branch.key} + 0 < {hidden(sql, below)}"
    else:
        condition = (
            f"{branch.vector} @@ {matching}{scope(sql)} AND {branch.key} < {hidden(sql, below)}"
        )
    rest = statement(sql, condition, branch.table, need)
    return found + [_row(r) for r in await run(sql, rest)], limit


def _row(r: Any) -> Row:
    return Row(int(r["id"]), int(r["ticket_id"]), float(r["rank"]), bool(r["matched"]))


async def candidates(
    conn: Any,
    query: SearchQuery,
    branch: Branch,
    *,
    loose: str | None,
    within: Callable[[Sql], str] | None,
    departments: Collection[int] | None,
    scored: bool,
    bounds: Bounds,
) -> tuple[list[Row], bool]:
    """The rows of ``branch`` the search ranks (newest first) and whether it stopped at its
    bound: the newest ``CANDIDATES`` matches; for a phrase, those of the newest
    ``PHRASE_CANDIDATES`` rows with its words that have it. Each of the ``departments`` (None:
    any) is walked on its own, and the newest of all are kept."""
    limit = branch.bound if loose is None else bounds.phrase
    rows: list[Row] = []
    cut = False  # a walk stopped at its bound
    kept = 0
    for department in [None] if departments is None else sorted(departments):
        walked, bound = await walk(
            conn,
            query,
            branch,
            loose=loose,
            within=within,
            department=department,
            limit=limit,
            scored=scored,
            bounds=bounds,
        )
        rows += walked
        cut = cut or len(walked) >= bound
        kept = max(kept, bound)
    every = len(rows)
    rows = sorted(rows, key=lambda r: r.id, reverse=True)[:kept]
    if loose is None:
        return rows, cut or every > kept
    phrased = [r for r in rows if r.matched][: bounds.cap]
    return phrased, len(rows) >= bounds.phrase or len(phrased) >= bounds.cap
