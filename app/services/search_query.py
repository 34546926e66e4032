"""What the search box's text means: the query a search runs, its syntax for SQLite's FTS5 and
PostgreSQL's relaxed phrases, and the raw-SQL builder the search's statements are written with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import ValidationFailed
from app.i18n import Msg

SEARCH_FIELD = "filter.search"
"""What a refused search is named by: its argument path in the list, a view and a bulk action
(as the control-character check names it too)."""

MAX_QUERY_LENGTH = 200
"""Longer queries are refused: nobody types more, and each word costs an index lookup."""

MAX_TERMS = 12
"""Searches with more terms (words, phrases, -words) are refused: each is looked for on its own
in every place (40 words took 1.5 s on 2,000 tickets), and nobody types more to find a ticket."""

# Highlights come back from the database between these two characters (private-use code
# points, removed from the text first), and are split into parts (search_highlight): no markup
# is made. A query holding them is refused.
START, STOP = "\ue000", "\ue001"
MARKERS = re.compile(f"[{START}{STOP}]")
_NUMBER = re.compile(r"#?(\d{1,9})")
_TERM = re.compile(r'-?"[^"]*"?|\S+')
_WORDY = re.compile(r"\w")


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

    @property
    def groups(self) -> tuple[Group, ...]:
        return groups(self.text, stop_words=STOP_WORDS.get(self.language, frozenset()))

    @property
    def any_text(self) -> str:
        """Every positive term, any of them (what highlights mark)."""
        terms = dict.fromkeys(t.text for g in self.groups for t in g.positive)
        return " or ".join(terms) or self.text


@dataclass(frozen=True)
class Term:
    """One term of a search: a word, or a "phrase" (as a unit)."""

    text: str
    """The term in the search box's syntax (a phrase quoted), for the database's text search."""
    plain: str
    """Its words as typed, for a client's name or address (a substring) and a ticket number."""

    @property
    def number(self) -> int | None:
        found = _NUMBER.fullmatch(self.plain)
        return int(found.group(1)) if found else None

    @property
    def like(self) -> str:
        """The term as a LIKE pattern matching it anywhere (its own wildcards escaped)."""
        escaped = self.plain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


@dataclass(frozen=True)
class Group:
    """Terms every one of which a ticket has somewhere (``positive``), and none of
    ``negative``; a search is one group or several joined by ``or``."""

    positive: tuple[Term, ...]
    negative: tuple[Term, ...]


_ENGLISH_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the
    and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
"""
"""PostgreSQL's ``english`` stop words (Snowball's list): the words its text search leaves out of
the index, left out of a search on either database ("invoice and vat")."""

STOP_WORDS: dict[str, frozenset[str]] = {"english": frozenset(_ENGLISH_STOP_WORDS.split())}
"""Words a search does not require, by ``SEARCH_LANGUAGE``: a word a ticket need not have,
unless the search has no other word (then it is searched for as it is)."""


def groups(text: str, *, stop_words: frozenset[str] = frozenset()) -> tuple[Group, ...]:
    """The search box's text as its groups of terms (a group without a positive term finds
    nothing and is left out; so are terms with nothing searchable). A single word in
    ``stop_words`` is left out of a group that has another positive term."""
    found: list[tuple[list[Term], list[Term]]] = [([], [])]
    for raw in _TERM.findall(text):
        if raw.lower() == "or":
            found.append(([], []))
            continue
        negated = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if negated else raw
        plain = " ".join(body.replace('"', " ").split())
        words = [w for w in plain.split() if _WORDY.search(w)]
        if not words:
            continue
        term = Term(f'"{plain}"' if len(plain.split()) > 1 else plain, plain)
        (found[-1][1] if negated else found[-1][0]).append(term)
    return tuple(
        Group(tuple(dict.fromkeys(_without(pos, stop_words))), tuple(dict.fromkeys(neg)))
        for pos, neg in found
        if pos
    )


def _without(terms: list[Term], stop_words: frozenset[str]) -> list[Term]:
    """``terms`` but the single stop words, unless nothing else is left."""
    kept = [t for t in terms if t.plain.lower() not in stop_words]
    return kept or terms


def parse(text: str | None, *, language: str, include_notes: bool) -> SearchQuery | None:
    """The query to run for the search box's text, None for an empty box; a typed error for
    one nobody would type."""
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationFailed.single(
            SEARCH_FIELD, Msg("Search for at most {n} characters.", n=MAX_QUERY_LENGTH)
        )
    if MARKERS.search(text):
        raise ValidationFailed.single(SEARCH_FIELD, "That text cannot be searched for.")
    if sum(len(g.positive) + len(g.negative) for g in groups(text)) > MAX_TERMS:
        raise ValidationFailed.single(
            SEARCH_FIELD, Msg("Search for at most {n} words.", n=MAX_TERMS)
        )
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


def density(table: str, column: str, sql: Sql) -> str:
    """SQLite: how much of a matched FTS5 row the query's words are, from that row alone: the
    matches ``highlight()`` marks over the field's words (spaces, tabs and line breaks + 1),
    at most 1. (FTS5's ``bm25()`` is not used: its word weights come from the whole table.)"""
    marked = f"highlight({table}, 0, {sql.p(START)}, {sql.p(START)})"
    spaced = (
        f"replace(replace(replace(trim({column}), char(10), ' '), char(9), ' '), char(13), ' ')"
    )
    hits = f"(length({marked}) - length({column})) / 2.0"
    words = f"(length({spaced}) - length(replace({spaced}, ' ', '')) + 1)"
    return f"MIN(1.0, {hits} / {words})"


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


def config(query: SearchQuery) -> str:
    return f"'{query.language}'::regconfig"  # the setting allows only [a-z_]
