"""What one search runs within (the searcher's scoped, filtered tickets, their departments,
the query) and what each way of finding a ticket adds to its score: shared by the search of
one term (``search``) and of several (``search_words``)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from app.services.search_query import SearchQuery, Sql, Term

# What each way of finding a ticket adds to its score (a ticket found several ways adds them
# up): a number outranks everything, a subject any message, a message the client's name. Text
# matches add their relevance on top, in 0..1, computed from the matched field alone: nothing
# about other rows (other clients' tickets, notes, other departments) may change a score, or
# the order of what a searcher finds would tell of words they cannot see. PostgreSQL's
# ``ts_rank`` reads only the row's vector (squashed by r / (r + 1)); SQLite's ``bm25()`` weighs
# words by how rare they are in the whole table, so SQLite scores by ``density`` instead.
NUMBER_SCORE = 1000.0
SUBJECT_SCORE = 2.0
MESSAGE_SCORE = 1.0
CLIENT_SCORE = 0.5


@dataclass(frozen=True)
class Scope:
    sql: Sql
    within: Callable[[Sql], str] | None
    departments: Collection[int] | None
    departments_suffice: bool
    query: SearchQuery
    scored: bool

    def inside(self, column: str, sql: Sql | None = None) -> str:
        sql = sql or self.sql
        return f" AND {column} IN ({self.within(sql)})" if self.within is not None else ""

    @property
    def text_within(self) -> Callable[[Sql], str] | None:
        """What the walks are narrowed by besides the departments."""
        if self.departments is not None and self.departments_suffice:
            return None
        return self.within

    def text_inside(self, column: str, sql: Sql) -> str:
        return "" if self.text_within is None else self.inside(column, sql)

    def narrowing(self, sql: Sql) -> str:
        if self.departments is None:
            return ""
        return f" AND t.department_id = ANY({sql.p(sorted(self.departments))})"

    def clients(self, term: Term, sql: Sql) -> str:
        like = "ILIKE" if sql.postgres else "LIKE"  # ASCII case-insensitive on SQLite
        return (
            "t.client_id IN (SELECT id FROM users u "
            f"WHERE u.name {like} {sql.p(term.like)} ESCAPE '\\' "
            f"OR u.email {like} {sql.p(term.like)} ESCAPE '\\')"
        )

    def term_query(self, term: Term) -> SearchQuery:
        return SearchQuery(
            text=term.text,
            number=term.number,
            language=self.query.language,
            include_notes=self.query.include_notes,
        )
