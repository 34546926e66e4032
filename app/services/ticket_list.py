"""The ticket list (admin list and "My Tickets"): filters, sorting by every column, and
keyset pagination that stays correct while tickets are added or change."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar, cast

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Coalesce
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.auth import policy
from app.auth.actor import Actor
from app.errors import ValidationFailed, bad_cursor
from app.i18n import Msg
from app.infra.clock import now
from app.models import Department, Ticket, TicketPriority, TicketStatus, TicketTag, User
from app.services import search as fulltext
from app.services.rows import Plan as _Plan
from app.services.rows import decoder as _decoder
from app.services.rows import loaded as _loaded
from app.services.rows import sql_of as _sql_of
from app.services.search_highlight import Highlight, highlights
from app.services.search_query import parse as parse_search

M = TypeVar("M", bound=Model)

MAX_FILTER_TAGS = 50
"""Tags one list filter may name (each is a subquery with ``ALL``)."""

COUNT_CAP = 1_000
"""Counts stop here: an exact count of a million rows costs a scan, a capped one does not."""


class SortField(str, Enum):
    NUMBER = "number"
    SUBJECT = "subject"
    CLIENT = "client"
    DEPARTMENT = "department"
    STATUS = "status"
    PRIORITY = "priority"
    LAST_ACTIVITY = "last_activity"
    CREATED = "created"
    ASSIGNEE = "assignee"
    RELEVANCE = "relevance"
    SLA_DUE = "sla_due"  # "due soonest": the soonest running SLA clock (staff only)


# The expression each column sorts by; names are coalesced so an unassigned ticket sorts
# the same way on SQLite and PostgreSQL (which order NULLs differently).
_SORT_KEYS: dict[SortField, str] = {
    SortField.NUMBER: "number",
    SortField.SUBJECT: "subject",
    SortField.CLIENT: "sort_key",
    SortField.DEPARTMENT: "sort_key",
    SortField.STATUS: "sort_key",
    SortField.PRIORITY: "priority",
    SortField.LAST_ACTIVITY: "last_activity_at",
    SortField.CREATED: "created_at",
    SortField.ASSIGNEE: "sort_key",
    SortField.SLA_DUE: "sla_due_key",
    SortField.RELEVANCE: "number",  # ranked on the search's score, then the number
}
_NAME_COLUMNS = {
    SortField.CLIENT: "client__name",
    SortField.DEPARTMENT: "department__name",
    SortField.ASSIGNEE: "assignee__name",
}
_DATETIME_KEYS = {SortField.LAST_ACTIVITY, SortField.CREATED}


def _max_length(model: type[Model], field: str) -> int:
    bound = getattr(model._meta.fields_map[field], "max_length", None)
    assert isinstance(bound, int)
    return bound


# The longest text each text sort's column holds: a cursor's value longer than that is forged.
_TEXT_BOUNDS = {
    SortField.SUBJECT: _max_length(Ticket, "subject"),
    SortField.CLIENT: _max_length(User, "name"),
    SortField.DEPARTMENT: _max_length(Department, "name"),
    SortField.ASSIGNEE: _max_length(User, "name"),
}

STATUS_ORDER: tuple[TicketStatus, ...] = (
    TicketStatus.OPEN,
    TicketStatus.CUSTOMER_REPLY,
    TicketStatus.IN_PROGRESS,
    TicketStatus.ON_HOLD,
    TicketStatus.ANSWERED,
    TicketStatus.CLOSED,
)
"""Sorting by status follows the workflow (what needs work first), not the alphabet."""
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}


def _status_rank() -> RawSQL:
    """``CASE status WHEN 'open' THEN 0 ...``, written out: the same on SQLite and
    PostgreSQL, no stored column, and its numbers are literals (a bound ``THEN $1`` would be
    typed as text by PostgreSQL and no longer compare with the cursor's rank)."""
    whens = " ".join(f"WHEN '{status.value}' THEN {rank}" for status, rank in _STATUS_RANK.items())
    return RawSQL(f'CASE "{Ticket._meta.db_table}"."status" {whens} ELSE {len(STATUS_ORDER)} END')


def _with_sort_key(query: QuerySet[Ticket], field: SortField) -> QuerySet[Ticket]:
    """The query annotated with ``sort_key`` where the sort needs a computed value."""
    if field in _NAME_COLUMNS:
        return query.annotate(sort_key=Coalesce(_NAME_COLUMNS[field], ""))
    if field is SortField.STATUS:
        return query.annotate(sort_key=_status_rank())
    return query


@dataclass(frozen=True)
class TicketFilter:
    statuses: tuple[TicketStatus, ...] = ()
    priorities: tuple[TicketPriority, ...] = ()
    department_id: int | None = None
    assignee_id: int | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    search: str | None = None
    """Full text: number, subject, messages (notes for staff), client name and email."""
    tags: tuple[int, ...] = ()
    """Tag ids (staff only): tickets with any of them, or with all of them (``tags_all``)."""
    tags_all: bool = False
    sla_breached: bool = False
    """Staff only: tickets that missed an SLA target (sticky) or whose running clock is due."""
    client_id: int | None = None
    """One client's tickets (the client page), within what the actor sees."""


@dataclass(frozen=True)
class TicketSort:
    field: SortField = SortField.LAST_ACTIVITY
    descending: bool = True


@dataclass
class TicketPage:
    tickets: list[Ticket]
    keys: list[list[Any]]
    """Each ticket's position in this sort (its sort value and number), to page after it."""
    has_next: bool
    total: int
    total_capped: bool
    highlights: list[Highlight | None] | None = None
    """Where each ticket matched the search (None without a search)."""


def _filtered(actor: Actor | None, flt: TicketFilter) -> QuerySet[Ticket]:
    query = Ticket.filter(policy.ticket_scope(actor))
    if flt.statuses:
        query = query.filter(status__in=list(flt.statuses))
    if flt.priorities:
        query = query.filter(priority__in=list(flt.priorities))
    if flt.department_id is not None:
        query = query.filter(department_id=flt.department_id)
    if flt.client_id is not None:
        query = query.filter(client_id=flt.client_id)
    if flt.unassigned:
        query = query.filter(assignee_id=None)
    elif flt.assigned_to_me and actor is not None:
        query = query.filter(assignee_id=actor.user_id)
    elif flt.assignee_id is not None:
        query = query.filter(assignee_id=flt.assignee_id)
    if flt.sla_breached:
        query = query.filter(
            Q(sla_breached_at__not_isnull=True)
            | Q(sla_active=True, sla_due_key__lte=int(now().timestamp()))
        )
    if flt.tags:
        # Subqueries on (tag_id, ticket_id), inside the list's one statement: no query per row.
        tag_ids = sorted(set(flt.tags))
        groups = [[tag_id] for tag_id in tag_ids] if flt.tags_all else [tag_ids]
        for group in groups:
            tagged = TicketTag.filter(tag_id__in=group).values("ticket_id")
            query = query.filter(id__in=Subquery(tagged))
    return query


def _check_sla(actor: Actor | None, flt: TicketFilter, sort: TicketSort) -> None:
    """SLA data is internal: a client's SLA filter or sort is refused, typed."""
    if policy.sees_sla(actor):
        return
    if flt.sla_breached:
        raise ValidationFailed.single("filter.slaBreached", "Only staff filter tickets by SLA.")
    if sort.field is SortField.SLA_DUE:
        raise ValidationFailed.single("sort", "Only staff sort tickets by SLA due time.")


def _check_tags(actor: Actor | None, flt: TicketFilter) -> None:
    """Only those who see tags filter by them: a client's tag filter is refused, typed, so
    that no answer could tell which of their tickets carry a tag."""
    if not flt.tags:
        return
    if not policy.sees_tags(actor):
        raise ValidationFailed.single("filter.tags", "Only staff filter tickets by tag.")
    if len(set(flt.tags)) > MAX_FILTER_TAGS:
        raise ValidationFailed.single(
            "filter.tags", Msg("Filter by at most {n} tags at a time.", n=MAX_FILTER_TAGS)
        )


async def list_tickets(
    *,
    actor: Actor | None,
    flt: TicketFilter | None = None,
    sort: TicketSort | None = None,
    first: int = 25,
    after: Sequence[Any] | None = None,
    search_language: str = "english",
) -> TicketPage:
    """A page of the tickets ``actor`` may see; ``after`` is the key of the last ticket of the
    previous page (as ``TicketPage.keys`` gives it), which stays valid while tickets change."""
    flt = flt or TicketFilter()
    sort = sort or TicketSort()
    query_text = check_list(actor, flt, sort, search_language=search_language)
    if query_text is not None:
        return await _search_page(actor, flt, sort, first, after, query_text)
    statements = _list_statements(actor, flt, sort, first, after)
    db = Ticket._meta.db
    _, found = await db.execute_query(statements.page_sql, list(statements.page_params))
    # Typed as dicts; they are the driver's rows (sqlite3.Row, asyncpg's Record): by index.
    rows = cast(Sequence[Sequence[Any]], found)
    page = [_ticket_of_row(row) for row in rows[:first]]
    _, counted = await db.execute_query(statements.count_sql, list(statements.count_params))
    total = int(cast(Sequence[Sequence[Any]], counted)[0][0])
    return TicketPage(
        tickets=page,
        keys=[_key(ticket, sort) for ticket in page],
        has_next=len(rows) > first,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


@dataclass(frozen=True)
class _Statements:
    """A list request's two statements: the page (``_row_columns()`` in order, then the
    computed sort key if any) and its capped count."""

    page_sql: str
    page_params: tuple[Any, ...]
    count_sql: str
    count_params: tuple[Any, ...]


_STATEMENTS: dict[Any, _Statements] = {}
_STATEMENTS_KEPT = 1024


def _list_statements(
    actor: Actor | None,
    flt: TicketFilter,
    sort: TicketSort,
    first: int,
    after: Sequence[Any] | None,
) -> _Statements:
    """The SQL of a list request, built by Tortoise once per request shape and kept: building
    it (query building, quoting) cost more than running it. The key holds everything the
    statements are made of: what the policy's scope reads of the actor (role, user id,
    departments), the filter, the sort, the page size and the cursor. A filter on due SLA
    clocks compares with the time now, so it is built afresh each time."""
    key: Any = None
    if not flt.sla_breached:
        try:
            key = (
                (actor.role, actor.user_id, actor.department_ids) if actor else None,
                flt,
                sort,
                first,
                # Typed: a forged ``true`` equals 1 and must still be refused, not found here.
                tuple((type(v), v) for v in after) if after is not None else None,
            )
            found = _STATEMENTS.get(key)
        except TypeError:  # a cursor holding something unhashable: refused when built
            key, found = None, None
        if found is not None:
            return found
    base = _filtered(actor, flt)
    sort_key = _SORT_KEYS[sort.field]
    query = _with_sort_key(base, sort.field)
    if after is not None:
        query = _after(query, sort_key, sort, after)
    direction = "-" if sort.descending else ""
    # The list shows every ticket's department, client and assignee: one joined query
    # instead of three (the resolver primes its loaders with them), read as plain tuples.
    columns = _row_columns() + (("sort_key",) if sort.field in _COMPUTED_KEYS else ())
    page_sql, page_params = _sql_of(
        query.order_by(f"{direction}{sort_key}", f"{direction}number")
        .limit(first + 1)
        .values_list(*columns)
    )
    count_sql, count_params = _capped_count_sql(base, COUNT_CAP)
    statements = _Statements(page_sql, tuple(page_params), count_sql, tuple(count_params))
    if key is not None:
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        _STATEMENTS[key] = statements
    return statements


def check_list(
    actor: Actor | None, flt: TicketFilter, sort: TicketSort, *, search_language: str
) -> fulltext.SearchQuery | None:
    """Refuses (typed) a filter and sort the list would refuse; the search to run, if any."""
    policy.require_user(actor)
    _check_tags(actor, flt)
    _check_sla(actor, flt, sort)
    query_text = parse_search(
        flt.search, language=search_language, include_notes=policy.searches_notes(actor)
    )
    if query_text is None and sort.field is SortField.RELEVANCE:
        raise ValidationFailed.single("sort", "Sort by relevance needs a search.")
    return query_text


async def count_tickets(
    *, actor: Actor | None, flt: TicketFilter, cap: int, search_language: str = "english"
) -> int:
    """``min(count, cap + 1)`` of the tickets the list would show ``actor`` for ``flt``: one
    statement, stopping after ``cap + 1`` rows (a saved view's count)."""
    query_text = check_list(actor, flt, TicketSort(), search_language=search_language)
    base = _filtered(actor, flt)
    if query_text is not None:
        found, more = await _capped_search_count(
            base,
            query_text,
            cap,
            departments=_departments(actor, flt),
            departments_suffice=_only_departments(flt),
            client=policy.search_client(actor),
        )
        return cap + 1 if more else found
    return await capped_count(base, cap)


_COMPUTED_KEYS = {*_NAME_COLUMNS, SortField.STATUS}


@functools.cache
def _columns() -> tuple[tuple[str, ...], tuple[tuple[str, type[Model], tuple[str, ...]], ...]]:
    """The ticket's columns and each relation's (model, columns) as Tortoise knows them once
    initialised (foreign-key columns are added then): every column of the ticket; of its
    department and users what their GraphQL types show (``Department.of``, ``User.of``), not
    a user's password hash, nor when a user or department was created or an address
    confirmed (three times decoded per row, never shown)."""
    unshown = {"password_hash", "created_at", "email_verified"}
    users = tuple(c for c in User._meta.fields_db_projection if c not in unshown)
    departments = tuple(c for c in Department._meta.fields_db_projection if c not in unshown)
    related: tuple[tuple[str, type[Model], tuple[str, ...]], ...] = (
        ("department", Department, departments),
        ("client", User, users),
        ("assignee", User, users),
    )
    return tuple(Ticket._meta.fields_db_projection), related


def _row_columns() -> tuple[str, ...]:
    tickets, related = _columns()
    return tickets + tuple(f"{name}__{c}" for name, _, columns in related for c in columns)


@functools.cache
def _plans() -> tuple[_Plan, tuple[tuple[str, type[Model], _Plan], ...]]:
    """Each column's attribute name and decoder: the ticket's, then each relation's."""
    tickets, related = _columns()

    def plan(model: type[Model], columns: tuple[str, ...]) -> _Plan:
        return tuple((c, _decoder(model._meta.fields_map[c])) for c in columns)

    return plan(Ticket, tickets), tuple(
        (name, model, plan(model, columns)) for name, model, columns in related
    )


def _ticket_of_row(row: Sequence[Any]) -> Ticket:
    """A list row (the ticket's columns, its relations' columns joined, then the computed
    sort key if any) as a Ticket whose department, client and assignee are loaded, as
    ``select_related`` leaves them."""
    ticket_plan, related = _plans()
    ticket = _loaded(Ticket, ticket_plan, row, 0, partial=False)
    start = len(ticket_plan)
    values = ticket.__dict__
    for relation, model, plan in related:
        loaded = None
        if row[start] is not None:  # the relation's id: null for no assignee
            loaded = _loaded(model, plan, row, start, partial=True)
        values[f"_{relation}"] = loaded
        start += len(plan)
    if len(row) > start:
        values["sort_key"] = row[start]
    return ticket


def _after(
    query: QuerySet[Ticket], key: str, sort: TicketSort, after: Sequence[Any]
) -> QuerySet[Ticket]:
    """The tickets after ``after`` (a key made by ``_key``) in this sort."""
    value, number = _position(after, sort)
    op = "lt" if sort.descending else "gt"
    beyond: dict[str, Any] = {f"{key}__{op}": value}
    same: dict[str, Any] = {key: value}
    tie: dict[str, Any] = {f"number__{op}": number}
    return query.filter(Q(**beyond) | Q(Q(**same), Q(**tie)))


async def _search_page(
    actor: Actor | None,
    flt: TicketFilter,
    sort: TicketSort,
    first: int,
    after: Sequence[Any] | None,
    query_text: fulltext.SearchQuery,
) -> TicketPage:
    """The tickets the search finds among those the filters select, in any sort: the search's
    hits within the scoped query (as Tortoise builds it). Relevance pages by (score, ticket
    id), every other sort by its column and number as without a search."""
    base = _filtered(actor, flt)
    key = _SORT_KEYS[sort.field]
    query = _with_sort_key(base, sort.field)
    relevance = sort.field is SortField.RELEVANCE
    sql = fulltext.Sql(_dialect())
    direction = "DESC" if sort.descending else "ASC"
    if relevance and after is not None:  # refused before anything runs
        anchor = _relevance_position(after, query_text, sort)
    if relevance:
        # The hits are already only the visible, filtered tickets: ranked and paged alone,
        # by (score, id), without joining every hit back to its ticket row.
        hits = await fulltext.hits_sql(
            sql,
            query_text,
            within=_within(base),
            departments=_departments(actor, flt),
            departments_suffice=_only_departments(flt),
            client=policy.search_client(actor),
        )
        # Every hit is scored to sort them anyway: counting them too (over all of them,
        # before the cursor's filter) saves running the search a second time.
        ranked = (
            "SELECT h.ticket_id AS id, h.score AS score, COUNT(*) OVER () AS total, "
            f"MAX(h.more) OVER () AS more FROM ({hits.sql}) AS h"
        )
        if after is None:
            statement = (
                f"SELECT x.id AS id, x.score AS score, x.total AS total, x.more AS more FROM "
                f"({ranked}) AS x ORDER BY x.score {direction}, x.id {direction} "
                f"LIMIT {int(first) + 1}"
            )
        else:
            # The cursor names the last ticket only: its score is read here again (no score
            # ever leaves the server), and a ticket the search no longer finds is refused.
            cmp = "<" if sort.descending else ">"
            statement = (
                f"WITH x AS MATERIALIZED ({ranked}), a AS (SELECT x.id AS id, x.score AS "
                f"score, x.total AS total, x.more AS more FROM x WHERE x.id = "
                f"{sql.p(anchor)}) SELECT x.id AS id, x.score AS score, a.total AS total, "
                f"a.more AS more FROM a LEFT JOIN x ON x.score {cmp} a.score OR "
                f"(x.score = a.score AND x.id {cmp} a.id) "
                f"ORDER BY x.score {direction}, x.id {direction} LIMIT {int(first) + 1}"
            )
    else:
        if after is not None:
            query = _after(query, key, sort, after)
        inner = sql.embed(*_sql_of(query.values_list("id", "number", key)))
        hits = await fulltext.hits_sql(
            sql,
            query_text,
            within=_within(base),
            departments=_departments(actor, flt),
            departments_suffice=_only_departments(flt),
            client=policy.search_client(actor),
        )
        statement = (
            f'SELECT t."0" AS id, h.score AS score FROM ({inner}) AS t '
            f'JOIN ({hits.sql}) AS h ON h.ticket_id = t."0" '
            f'ORDER BY t."2" {direction}, t."1" {direction} LIMIT {int(first) + 1}'
        )
    _, rows = await Ticket._meta.db.execute_query(statement, sql.params)
    if relevance and after is not None:
        if not rows:
            raise bad_cursor()
        if rows[0]["id"] is None:  # the cursor's ticket was the last
            total, more = int(rows[0]["total"]), bool(rows[0]["more"]) or hits.more
            rows = []
    ids = [int(row["id"]) for row in rows]
    loaded = {
        t.id: t
        for t in await base.filter(id__in=ids[:first]).select_related(
            "department", "client", "assignee"
        )
    }
    page = [loaded[i] for i in ids[:first] if i in loaded]
    if sort.field in _NAME_COLUMNS:
        for ticket in page:
            related = getattr(ticket, _NAME_COLUMNS[sort.field].split("__")[0])
            ticket.sort_key = related.name if related is not None else ""
    if relevance and rows:
        total, more = int(rows[0]["total"]), bool(rows[0]["more"]) or hits.more
    elif relevance and after is not None:
        pass  # counted with the cursor's ticket
    elif relevance:
        total, more = 0, hits.more  # nothing found ("0+" when a bound was reached)
    else:
        total, more = await _capped_search_count(
            base,
            query_text,
            COUNT_CAP,
            departments=_departments(actor, flt),
            departments_suffice=_only_departments(flt),
            client=policy.search_client(actor),
        )
    clients: dict[int, tuple[str, str | None]] = {
        t.client_id: (
            t.client.name,
            t.client.email if policy.can_see_email(actor, t.client_id) else None,
        )
        for t in page
    }
    found = await highlights(
        query_text, page, clients, by_row=policy.search_client(actor) is not None
    )
    return TicketPage(
        tickets=page,
        keys=[
            [_relevance_tag(query_text, sort), t.id] if relevance else _key(t, sort) for t in page
        ],
        has_next=len(rows) > first,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP or more,
        highlights=[found.get(t.id) for t in page],
    )


def _only_departments(flt: TicketFilter) -> bool:
    """Whether nothing but the scope, a department and the search narrows the list: the
    search's departments then select exactly the scoped, filtered tickets."""
    return flt == TicketFilter(search=flt.search, department_id=flt.department_id)


def _departments(actor: Actor | None, flt: TicketFilter) -> frozenset[int] | None:
    """The departments the search may narrow its text branches to (None: any): the policy's
    for the searcher, and the filter's department."""
    departments = policy.search_departments(actor)
    if flt.department_id is not None:
        wanted = frozenset({flt.department_id})
        return wanted if departments is None else departments & wanted
    return departments


def _within(base: QuerySet[Ticket]) -> Callable[[fulltext.Sql], str] | None:
    """SQL of the scoped, filtered ticket ids the search may find, embedded in a statement's
    ``Sql``; None when nothing narrows the list (an admin without filters: every ticket),
    where the restriction only costs."""
    ids_sql, params = _sql_of(base.values_list("id"))
    if " WHERE " not in ids_sql:
        return None
    return lambda sql: sql.embed(ids_sql, params)


def _dialect() -> str:
    return str(Ticket._meta.db.capabilities.dialect)


async def _capped_search_count(
    base: QuerySet[Ticket],
    query_text: fulltext.SearchQuery,
    cap: int,
    *,
    departments: frozenset[int] | None,
    departments_suffice: bool,
    client: int | None,
) -> tuple[int, bool]:
    """``min(hits, cap + 1)``, and whether the search stopped at its candidates (there may be
    more hits than it found)."""
    sql = fulltext.Sql(_dialect())
    hits = await fulltext.hits_sql(
        sql,
        query_text,
        within=_within(base),
        departments=departments,
        departments_suffice=departments_suffice,
        scored=False,
        client=client,
    )
    _, rows = await Ticket._meta.db.execute_query(
        "SELECT COUNT(*) AS n, MAX(capped.more) AS more FROM "
        f"(SELECT h.more AS more FROM ({hits.sql}) AS h LIMIT {cap + 1}) AS capped",
        sql.params,
    )
    row = dict(rows[0])
    return int(row["n"]), bool(row["more"]) or hits.more


def _relevance_tag(query: fulltext.SearchQuery, sort: TicketSort) -> str:
    """What a relevance cursor is bound to: the search (as run) and the direction."""
    bound = f"{query.text}\x00{'desc' if sort.descending else 'asc'}"
    return hashlib.sha256(bound.encode()).hexdigest()[:16]


def _relevance_position(key: Sequence[Any], query: fulltext.SearchQuery, sort: TicketSort) -> int:
    """The ticket id in a relevance key made for this search and direction (no score: the
    server reads it again)."""
    try:
        tag, ticket_id = key
        if tag != _relevance_tag(query, sort):
            raise ValueError("a cursor of another search")
        return _id(ticket_id)
    except (ValueError, TypeError):
        raise bad_cursor() from None


async def capped_count(query: QuerySet[Ticket], cap: int) -> int:
    """``min(count, cap + 1)`` in one statement: ``SELECT COUNT(*) FROM (... LIMIT cap+1)``."""
    sql, params = _capped_count_sql(query, cap)
    _, rows = await Ticket._meta.db.execute_query(sql, params)
    return int(next(iter(dict(rows[0]).values())))


def _capped_count_sql(query: QuerySet[Ticket], cap: int) -> tuple[str, list[Any]]:
    """Tortoise's ``count()`` applies a limit only after counting every row, so the inner
    query is built by Tortoise (with its parameters) and wrapped here."""
    sql, params = _sql_of(query.limit(cap + 1).values_list("id"))
    return f"SELECT COUNT(*) AS n FROM ({sql}) AS capped", params


def _key(ticket: Ticket, sort: TicketSort) -> list[Any]:
    if sort.field is SortField.STATUS:
        # The cursor names the status; ``_sort_value`` turns it back into its rank.
        return [ticket.status.value, ticket.number]
    value: Any = getattr(ticket, _SORT_KEYS[sort.field])
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Enum):
        value = value.value
    return [value, ticket.number]


_MAX_INT = 2**31 - 1
"""Numbers and priorities are INTEGER columns (32 bits on PostgreSQL)."""


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_INT:
        raise ValueError("not a number of this list")
    return value


def _id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_INT:
        raise ValueError("not a ticket of this list")
    return value


def _sort_value(value: Any, field: SortField) -> Any:
    """The sort value of a key, checked as its column holds it: a cursor comes back from the
    client and may be forged, and the database must only ever see a value of the column's type."""
    if field in _DATETIME_KEYS:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("not a time of this list")
        return moment
    if field is SortField.NUMBER:
        return _int(value)
    if field is SortField.SLA_DUE:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 2**53:
            raise ValueError("not a due time of this list")
        return value
    if field is SortField.PRIORITY:
        return TicketPriority(_int(value))
    if field is SortField.STATUS:
        return _STATUS_RANK[TicketStatus(value)]
    if (
        not isinstance(value, str)
        or "\x00" in value  # subject and names; PostgreSQL holds no NUL
        or len(value) > _TEXT_BOUNDS.get(field, 0)  # longer than its column holds
    ):
        raise ValueError("not a text of this list")
    return value


def _position(key: Sequence[Any], sort: TicketSort) -> tuple[Any, int]:
    """The sort value and number in a key made by ``_key`` for this sort."""
    try:
        value, number = key
        return _sort_value(value, sort.field), _int(number)
    except (ValueError, TypeError):
        raise bad_cursor() from None


async def matching_numbers(
    *, actor: Actor | None, flt: TicketFilter, limit: int, search_language: str = "english"
) -> list[int] | None:
    """The numbers of every ticket the list would show ``actor`` with ``flt`` (by number), or
    None when more than ``limit`` match: "all matching this filter" for a bulk action."""
    numbers: list[int] = []
    after: list[Any] | None = None
    sort = TicketSort(field=SortField.NUMBER, descending=False)
    while True:
        page = await list_tickets(
            actor=actor,
            flt=flt,
            sort=sort,
            first=100,
            after=after,
            search_language=search_language,
        )
        numbers += [ticket.number for ticket in page.tickets]
        if len(numbers) > limit:
            return None
        if not page.has_next or not page.keys:
            return numbers
        after = page.keys[-1]
