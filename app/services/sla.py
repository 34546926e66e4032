"""SLA clocks on tickets: what is due when, kept by the one change path on every change.

A ticket's targets come from the SLA policy of its department and priority (none: the ticket's
state is NONE). Three clocks, each counting business hours (the department's calendar, else
around the clock in UTC) or calendar hours, as its target says:

* first response: from the opening to the first public staff reply (it stops there for good;
  closing stops it, reopening resumes it while no staff has replied yet);
* next response: from each client reply after the first response to the next public staff
  reply (closing stops it);
* resolution: runs while the ticket is Open, In Progress or Customer Reply; pauses while it is
  On Hold or Answered (waiting on the client) and resumes on Customer Reply (or any status that
  needs work); closing stops it and reopening resumes it with the time used so far.

``sync`` derives all of it from the ticket's current fields and what the change did (a staff
reply, a client reply), so that every change, whichever service makes it, ends with consistent
due times. A clock that passes its due time while running, or stops after it, marks the ticket
breached (``sla_breached_at``, sticky: reports and the "breached" filter read it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet

from app.events import EventType, TicketEvent
from app.infra.clock import now
from app.models import (
    SLA_NONE_KEY,
    BusinessCalendar,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketStatus,
)
from app.services import business_hours
from app.services.business_hours import CALENDAR, BusinessHours, Hours
from app.services.rows import loaded, plan_of

RUNNING_STATUSES = frozenset(
    {TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.CUSTOMER_REPLY}
)
"""The resolution clock runs in these; it pauses in On Hold and Answered, stops when Closed."""

SLA_COLUMNS = (
    "sla_active",
    "first_response_due_at",
    "first_response_at",
    "next_response_due_at",
    "next_response_started_at",
    "resolution_due_at",
    "resolution_started_at",
    "resolution_used_seconds",
    "resolved_at",
    "sla_warn_at",
    "sla_breached_at",
    "sla_due_key",
)


class SlaState(str, Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"
    NONE = "none"


@dataclass(frozen=True)
class Target:
    seconds: int
    hours: Hours


@dataclass(frozen=True)
class Terms:
    """A policy with the clocks it counts on: what ``sync`` and escalations compute with."""

    policy: SlaPolicy
    hours: BusinessHours | None

    def target(self, which: SlaTarget) -> Target | None:
        minutes: int | None = getattr(self.policy, f"{which.value}_minutes")
        if minutes is None:
            return None
        business: bool = getattr(self.policy, f"{which.value}_business")
        return Target(
            seconds=minutes * 60, hours=self.hours if business and self.hours else CALENDAR
        )

    @property
    def at_risk_share(self) -> float:
        return self.policy.at_risk_percent / 100


def hours_of(calendar: BusinessCalendar | None) -> BusinessHours | None:
    if calendar is None:
        return None
    return BusinessHours(
        zone=business_hours.zone(calendar.timezone),
        weekly=business_hours.from_json(calendar.weekly),
        holidays=frozenset(date.fromisoformat(day) for day in calendar.holidays),
    )


async def terms_for(
    connection: BaseDBAsyncClient | None, department_id: int, priority: int
) -> Terms | None:
    """The policy of the department's tickets of ``priority`` with the department's calendar,
    in one statement (built once per dialect; every reply of a ticket with a policy reads it)."""
    db = connection if connection is not None else SlaPolicy._meta.db
    _, rows = await db.execute_query(
        _terms_sql(db.capabilities.dialect), [department_id, int(priority)]
    )
    if not rows:
        return None
    (row,) = cast(Sequence[Sequence[Any]], rows)
    (_, policy_plan), (_, calendar_plan) = plan_of(SlaPolicy), plan_of(BusinessCalendar)
    policy = loaded(SlaPolicy, policy_plan, row, 0, partial=False)
    calendar = None
    if row[len(policy_plan)] is not None:  # the calendar's id: the department has one
        calendar = loaded(BusinessCalendar, calendar_plan, row, len(policy_plan), partial=False)
    return Terms(policy=policy, hours=hours_of(calendar))


@functools.cache
def _terms_sql(dialect: str) -> str:
    (policy_fields, _), (calendar_fields, _) = plan_of(SlaPolicy), plan_of(BusinessCalendar)
    # The calendar's id first: null when the department has none.
    assert calendar_fields[0] == "id", calendar_fields
    policy_columns = SlaPolicy._meta.fields_db_projection
    calendar_columns = BusinessCalendar._meta.fields_db_projection
    selected = [f'p."{policy_columns[name]}"' for name in policy_fields] + [
        f'c."{calendar_columns[name]}"' for name in calendar_fields
    ]
    first, second = ("?", "?") if dialect == "sqlite" else ("$1", "$2")
    return (
        f'SELECT {",".join(selected)} FROM "sla_policies" p'
        ' LEFT JOIN "business_calendars" c ON c."department_id" = p."department_id"'
        f' WHERE p."department_id" = {first} AND p."priority" = {second} LIMIT 1'
    )


POLICY_FLAG = "sla_department_has_policy"
"""Set on a ticket read by ``with_policy_flag``: whether its department had any SLA policy."""

FLAG_SQL = (
    "EXISTS (SELECT 1 FROM sla_policies WHERE sla_policies.department_id = tickets.department_id)"
)


def with_policy_flag(query: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """``query`` (tickets) also reading, in the same statement, whether each ticket's department
    has an SLA policy; ``sync`` then needs no query for a department without one."""
    return query.annotate(**{POLICY_FLAG: RawSQL(FLAG_SQL)})


def remember_policy_flag(ticket: Ticket) -> None:
    """Note which department the flag read by ``with_policy_flag`` is about."""
    ticket.__dict__["_sla_flag_department"] = ticket.department_id


def _known_without_policy(ticket: Ticket) -> bool:
    """The ticket's department had no SLA policy when its row was locked in this transaction
    (and it has not moved since): its terms are None, no query needed."""
    flag = ticket.__dict__.get(POLICY_FLAG)
    return (
        flag is not None
        and not flag
        and ticket.__dict__.get("_sla_flag_department") == ticket.department_id
    )


@dataclass(frozen=True)
class Clock:
    """A running clock: which target, since when, the target's seconds used before that."""

    target: SlaTarget
    started_at: datetime
    used: float
    due_at: datetime
    key: str
    """Names this clock for escalations: each rule fires once per ticket and clock."""


def running_clocks(ticket: Ticket) -> list[Clock]:
    """The clocks running on ``ticket`` as its stored fields say."""
    clocks: list[Clock] = []
    if ticket.status is TicketStatus.CLOSED or not ticket.sla_active:
        return clocks
    if ticket.first_response_at is None and ticket.first_response_due_at is not None:
        clocks.append(
            Clock(
                SlaTarget.FIRST_RESPONSE,
                ticket.created_at,
                0,
                ticket.first_response_due_at,
                "first_response",
            )
        )
    if ticket.next_response_started_at is not None and ticket.next_response_due_at is not None:
        started = ticket.next_response_started_at
        clocks.append(
            Clock(
                SlaTarget.NEXT_RESPONSE,
                started,
                0,
                ticket.next_response_due_at,
                f"next_response:{int(started.timestamp())}",
            )
        )
    if ticket.resolution_started_at is not None and ticket.resolution_due_at is not None:
        clocks.append(
            Clock(
                SlaTarget.RESOLUTION,
                ticket.resolution_started_at,
                ticket.resolution_used_seconds,
                ticket.resolution_due_at,
                "resolution",
            )
        )
    return clocks


def _earliest(moments: Iterable[datetime | None]) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def _breach(ticket: Ticket, due: datetime) -> None:
    if ticket.sla_breached_at is None or due < ticket.sla_breached_at:
        ticket.sla_breached_at = due


async def sync(
    connection: BaseDBAsyncClient,
    ticket: Ticket,
    *,
    staff_replied: bool = False,
    client_replied: bool = False,
    known: tuple[Terms | None] | None = None,
) -> list[str]:
    """Bring ``ticket``'s SLA fields up to date after a change (inside its transaction, the
    ticket locked); writes and returns the columns that changed. ``known``: the terms of the
    ticket's department and priority, read in the same transaction (else they are read)."""
    before = {column: getattr(ticket, column) for column in SLA_COLUMNS}
    stamp = now()
    if known is not None:
        terms = known[0]
    elif _known_without_policy(ticket):
        terms = None
    else:
        terms = await terms_for(connection, ticket.department_id, ticket.priority)
    # Clocks that ran until now and are past due were breached, whatever this change does
    # (closing included: read from the clock fields, as the status may be Closed already).
    for due in _ran_until_now(ticket):
        if due <= stamp:
            _breach(ticket, due)
    closed = ticket.status is TicketStatus.CLOSED
    ticket.sla_active = terms is not None

    # First response: stops at the first public staff reply.
    if staff_replied and ticket.first_response_at is None:
        ticket.first_response_at = stamp
        if ticket.first_response_due_at is not None and stamp > ticket.first_response_due_at:
            _breach(ticket, ticket.first_response_due_at)
    first = terms.target(SlaTarget.FIRST_RESPONSE) if terms else None
    ticket.first_response_due_at = (
        first.hours.add(ticket.created_at, first.seconds) if first is not None else None
    )

    # Next response: from a client reply (once the first response was given) to a staff reply.
    if staff_replied or closed:
        if (
            staff_replied
            and ticket.next_response_due_at is not None
            and stamp > ticket.next_response_due_at
        ):
            _breach(ticket, ticket.next_response_due_at)
        ticket.next_response_started_at = None
    elif (
        client_replied
        and ticket.first_response_at is not None
        and ticket.next_response_started_at is None
    ):
        ticket.next_response_started_at = stamp
    following = terms.target(SlaTarget.NEXT_RESPONSE) if terms else None
    if following is None:
        ticket.next_response_started_at = None
    ticket.next_response_due_at = (
        following.hours.add(ticket.next_response_started_at, following.seconds)
        if following is not None and ticket.next_response_started_at is not None
        else None
    )

    # Resolution: runs in the statuses that need work; pauses while waiting; stops on close.
    resolution = terms.target(SlaTarget.RESOLUTION) if terms else None
    running = ticket.resolution_started_at is not None
    should_run = resolution is not None and ticket.status in RUNNING_STATUSES
    if running and not should_run:
        assert ticket.resolution_started_at is not None
        counted = resolution.hours if resolution is not None else CALENDAR
        ticket.resolution_used_seconds += int(counted.elapsed(ticket.resolution_started_at, stamp))
        if ticket.resolution_due_at is not None and stamp > ticket.resolution_due_at:
            _breach(ticket, ticket.resolution_due_at)
        ticket.resolution_started_at = None
    elif should_run and not running:
        ticket.resolution_started_at = stamp
    if closed:
        ticket.resolved_at = ticket.resolved_at or ticket.closed_at or stamp
    else:
        ticket.resolved_at = None
    if resolution is not None and ticket.resolution_started_at is not None:
        left = resolution.seconds - ticket.resolution_used_seconds
        ticket.resolution_due_at = resolution.hours.add(ticket.resolution_started_at, left)
    elif resolution is not None and closed and before["resolution_due_at"] is not None:
        ticket.resolution_due_at = before["resolution_due_at"]  # kept for reports
    else:
        ticket.resolution_due_at = None

    _summarise(ticket, terms, stamp)
    changed = [c for c in SLA_COLUMNS if getattr(ticket, c) != before[c]]
    if changed:
        await (
            Ticket.filter(id=ticket.id)
            .using_db(connection)
            .update(**{c: getattr(ticket, c) for c in changed})
        )
    return changed


def _ran_until_now(ticket: Ticket) -> list[datetime]:
    """The due times of the clocks that ran up to this change (a ticket closed before it, whose
    ``resolved_at`` is set, ran none)."""
    if not ticket.sla_active or ticket.resolved_at is not None:
        return []
    dues = []
    if ticket.first_response_at is None and ticket.first_response_due_at is not None:
        dues.append(ticket.first_response_due_at)
    if ticket.next_response_started_at is not None and ticket.next_response_due_at is not None:
        dues.append(ticket.next_response_due_at)
    if ticket.resolution_started_at is not None and ticket.resolution_due_at is not None:
        dues.append(ticket.resolution_due_at)
    return dues


def _summarise(ticket: Ticket, terms: Terms | None, stamp: datetime) -> None:
    """The soonest due time (the sort key), the soonest AT_RISK time, and breaches due now."""
    clocks = running_clocks(ticket)
    for clock in clocks:
        if clock.due_at <= stamp:
            _breach(ticket, clock.due_at)
    due = _earliest(clock.due_at for clock in clocks)
    ticket.sla_due_key = int(due.timestamp()) if due is not None else SLA_NONE_KEY
    ticket.sla_warn_at = _earliest(
        share_point(terms, clock, terms.at_risk_share) if terms else None for clock in clocks
    )


def share_point(terms: Terms, clock: Clock, share: float) -> datetime | None:
    """When ``share`` (0-1) of the clock's target will have passed (the start, if it had
    already when the clock last resumed); None when the policy no longer has the target."""
    target = terms.target(clock.target)
    if target is None:
        return None
    if share >= 1:
        return clock.due_at
    left = target.seconds * share - clock.used
    return target.hours.add(clock.started_at, left) if left > 0 else clock.started_at


def state(
    ticket: Ticket, at: datetime | None = None, *, clocks: list[Clock] | None = None
) -> SlaState:
    """The ticket's SLA state at ``at`` (now); ``clocks``: its ``running_clocks`` if at hand."""
    if ticket.sla_breached_at is not None:
        # Sticky: a breach stays reported once the ticket is closed or its priority or
        # department no longer has a policy (an escalation's priority change, say).
        return SlaState.BREACHED
    if not ticket.sla_active:
        return SlaState.NONE
    if clocks is None:
        clocks = running_clocks(ticket)
    at = at or now()
    if any(c.due_at <= at for c in clocks):
        return SlaState.BREACHED
    if ticket.status is TicketStatus.CLOSED:
        return SlaState.MET
    if not clocks:
        if ticket.status in (TicketStatus.ON_HOLD, TicketStatus.ANSWERED):
            return SlaState.PAUSED
        return SlaState.MET
    if ticket.sla_warn_at is not None and ticket.sla_warn_at <= at:
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def replies_in(events: Iterable[TicketEvent], ticket_id: int) -> tuple[bool, bool]:
    """(a public staff reply, a client reply) among a change's events for this ticket."""
    staff = client = False
    for event in events:
        if event.ticket_id != ticket_id or event.type is not EventType.MESSAGE_ADDED:
            continue
        if event.contact is not None and not event.internal:
            client = True  # a contact CC'd on the ticket writes for the client's side
            continue
        if event.internal or event.actor is None:
            continue  # notes, and messages by the system
        if event.actor == event.client:
            client = True
        else:
            staff = True
    return staff, client


async def sync_change(
    connection: BaseDBAsyncClient, tickets: dict[int, Ticket], events: list[TicketEvent]
) -> None:
    """``sync`` every ticket a change's events name (``tickets``: those it locked, by id;
    others, such as one it created, are read)."""
    seen: list[int] = []
    for event in events:
        if event.ticket_id not in seen:
            seen.append(event.ticket_id)
    for ticket_id in seen:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            ticket = await Ticket.filter(id=ticket_id).using_db(connection).get()
        staff, client = replies_in(events, ticket_id)
        await sync(connection, ticket, staff_replied=staff, client_replied=client)


def epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


__all__: list[Any] = [
    "RUNNING_STATUSES",
    "SlaState",
    "Terms",
    "running_clocks",
    "share_point",
    "state",
    "sync",
    "sync_change",
    "terms_for",
]
