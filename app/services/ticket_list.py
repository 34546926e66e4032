"""The ticket list (admin list and "My Tickets"): filters, sorting by every column, and
keyset pagination that stays correct while tickets are added or change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Coalesce
from tortoise.queryset import QuerySet

from app.auth import policy
from app.auth.actor import Actor
from app.errors import bad_cursor
from app.models import Ticket, TicketPriority, TicketStatus

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


# The expression each column sorts by; names are coalesced so an unassigned ticket sorts
# the same way on SQLite and PostgreSQL (which order NULLs differently).
_SORT_KEYS: dict[SortField, str] = {
    SortField.NUMBER: "number",
    SortField.SUBJECT: "subject",
    SortField.CLIENT: "sort_key",
    SortField.DEPARTMENT: "sort_key",
    SortField.STATUS: "status",
    SortField.PRIORITY: "priority",
    SortField.LAST_ACTIVITY: "last_activity_at",
    SortField.CREATED: "created_at",
    SortField.ASSIGNEE: "sort_key",
}
_NAME_COLUMNS = {
    SortField.CLIENT: "client__name",
    SortField.DEPARTMENT: "department__name",
    SortField.ASSIGNEE: "assignee__name",
}
_DATETIME_KEYS = {SortField.LAST_ACTIVITY, SortField.CREATED}


@dataclass(frozen=True)
class TicketFilter:
    statuses: tuple[TicketStatus, ...] = ()
    priorities: tuple[TicketPriority, ...] = ()
    department_id: int | None = None
    assignee_id: int | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    search: str | None = None


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


def _filtered(actor: Actor | None, flt: TicketFilter) -> QuerySet[Ticket]:
    query = Ticket.filter(policy.ticket_scope(actor))
    if flt.statuses:
        query = query.filter(status__in=list(flt.statuses))
    if flt.priorities:
        query = query.filter(priority__in=list(flt.priorities))
    if flt.department_id is not None:
        query = query.filter(department_id=flt.department_id)
    if flt.unassigned:
        query = query.filter(assignee_id=None)
    elif flt.assigned_to_me and actor is not None:
        query = query.filter(assignee_id=actor.user_id)
    elif flt.assignee_id is not None:
        query = query.filter(assignee_id=flt.assignee_id)
    if flt.search and flt.search.strip():
        query = query.filter(subject__icontains=flt.search.strip())
    return query


async def list_tickets(
    *,
    actor: Actor | None,
    flt: TicketFilter | None = None,
    sort: TicketSort | None = None,
    first: int = 25,
    after: Sequence[Any] | None = None,
) -> TicketPage:
    """A page of the tickets ``actor`` may see; ``after`` is the key of the last ticket of the
    previous page (as ``TicketPage.keys`` gives it), which stays valid while tickets change."""
    flt = flt or TicketFilter()
    sort = sort or TicketSort()
    policy.require_user(actor)
    base = _filtered(actor, flt)
    key = _SORT_KEYS[sort.field]
    query = base
    if sort.field in _NAME_COLUMNS:
        query = query.annotate(sort_key=Coalesce(_NAME_COLUMNS[sort.field], ""))
    if after is not None:
        value, number = _position(after, sort)
        op = "lt" if sort.descending else "gt"
        beyond: dict[str, Any] = {f"{key}__{op}": value}
        same: dict[str, Any] = {key: value}
        tie: dict[str, Any] = {f"number__{op}": number}
        query = query.filter(Q(**beyond) | Q(Q(**same), Q(**tie)))
    direction = "-" if sort.descending else ""
    # The list shows every ticket's department, client and assignee: one joined query
    # instead of three (the resolver primes its loaders with them).
    rows = (
        await query.select_related("department", "client", "assignee")
        .order_by(f"{direction}{key}", f"{direction}number")
        .limit(first + 1)
    )
    page = rows[:first]
    total = await capped_count(base, COUNT_CAP)
    return TicketPage(
        tickets=page,
        keys=[_key(ticket, sort) for ticket in page],
        has_next=len(rows) > first,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


async def capped_count(query: QuerySet[Ticket], cap: int) -> int:
    """``min(count, cap + 1)`` in one statement: ``SELECT COUNT(*) FROM (... LIMIT cap+1)``.

    Tortoise's ``count()`` applies a limit only after counting every row, so the inner query
    is built by Tortoise (with its parameters) and wrapped here.
    """
    inner = query.limit(cap + 1).values_list("id")
    inner._choose_db_if_not_chosen()
    inner._make_query()
    sql, params = inner.query.get_parameterized_sql()
    _, rows = await inner._db.execute_query(f"SELECT COUNT(*) AS n FROM ({sql}) AS capped", params)
    return int(next(iter(dict(rows[0]).values())))


def _key(ticket: Ticket, sort: TicketSort) -> list[Any]:
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
    if field is SortField.PRIORITY:
        return TicketPriority(_int(value))
    if field is SortField.STATUS:
        return TicketStatus(value)
    if not isinstance(value, str) or "\x00" in value:  # subject and names; PostgreSQL holds no NUL
        raise ValueError("not a text of this list")
    return value


def _position(key: Sequence[Any], sort: TicketSort) -> tuple[Any, int]:
    """The sort value and number in a key made by ``_key`` for this sort."""
    try:
        value, number = key
        return _sort_value(value, sort.field), _int(number)
    except (ValueError, TypeError):
        raise bad_cursor() from None
