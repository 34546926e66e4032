"""The ticket list (admin list and "My Tickets"): filters, sorting by every column, and
keyset pagination that stays correct while tickets are added or change."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Coalesce
from tortoise.queryset import QuerySet

from app.auth import policy
from app.auth.actor import Actor
from app.errors import ValidationFailed
from app.models import Ticket, TicketPriority, TicketStatus

MAX_PAGE = 100
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
    cursors: list[str]
    has_next: bool
    has_previous: bool
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
    after: str | None = None,
) -> TicketPage:
    flt = flt or TicketFilter()
    sort = sort or TicketSort()
    if first < 1 or first > MAX_PAGE:
        raise ValidationFailed.single("first", f"first must be between 1 and {MAX_PAGE}.")
    base = _filtered(actor, flt)
    key = _SORT_KEYS[sort.field]
    query = base
    if sort.field in _NAME_COLUMNS:
        query = query.annotate(sort_key=Coalesce(_NAME_COLUMNS[sort.field], ""))
    if after:
        value, number = _decode_cursor(after, sort)
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
        cursors=[_encode_cursor(ticket, sort) for ticket in page],
        has_next=len(rows) > first,
        has_previous=after is not None,
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


def _encode_cursor(ticket: Ticket, sort: TicketSort) -> str:
    value: Any = getattr(ticket, _SORT_KEYS[sort.field])
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Enum):
        value = value.value
    raw = json.dumps([sort.field.value, value, ticket.number]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: TicketSort) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        field_name, value, number = json.loads(base64.urlsafe_b64decode(padded))
        if field_name != sort.field.value or not isinstance(number, int):
            raise ValueError("cursor from another sort")
        if sort.field in _DATETIME_KEYS:
            value = datetime.fromisoformat(value)
        return value, number
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationFailed.single(
            "after", "That cursor is not valid for this list; start from the first page."
        ) from None
