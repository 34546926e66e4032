"""Escalations: at a share of an SLA target (or at breach), do what a rule says: notify the
assignee, the department's staff or the admins (mail and a live event), raise the priority,
reassign to a named staff member or unassign.

Run by a cron job (``app.workers.escalation``). Each rule fires once per ticket and clock
(the first response, each next-response cycle, the resolution clock across pauses and
reopening): a row in ``escalation_firings`` with a unique (rule, ticket, clock) is the claim,
written in the same transaction as the ticket's change, which takes the one change path (the
ticket locked, changes audited as "escalated by SLA", its events in the outbox). Two workers
looking at once both lock the ticket in turn; the second finds the claim and does nothing,
and should both insert, the unique index refuses one and its transaction rolls back whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from app.auth import policy
from app.auth.actor import SYSTEM, actor_for
from app.events import EventType, event_for
from app.infra.clock import now
from app.models import (
    BusinessCalendar,
    EscalationFiring,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)
from app.services import audit, sla
from app.services.ticket_changes import ticket_changes

log = logging.getLogger(__name__)

BATCH = 500
"""Candidate tickets read per rule and page."""

TARGET_NAMES = {
    SlaTarget.FIRST_RESPONSE: "first response",
    SlaTarget.NEXT_RESPONSE: "next response",
    SlaTarget.RESOLUTION: "resolution",
}


@dataclass(frozen=True)
class Fired:
    rule_id: int
    number: int
    clock: str


def describe(rule: EscalationRule) -> str:
    """``escalated by SLA: first response at 75 %`` (the audit trail's wording)."""
    when = "breached" if rule.at_percent >= 100 else f"at {rule.at_percent} %"
    return f"escalated by SLA: {TARGET_NAMES[rule.target]} {when}"


def _running_filter(target: SlaTarget) -> dict[str, object]:
    if target is SlaTarget.FIRST_RESPONSE:
        return {"first_response_at": None, "first_response_due_at__not_isnull": True}
    if target is SlaTarget.NEXT_RESPONSE:
        return {"next_response_started_at__not_isnull": True}
    return {"resolution_started_at__not_isnull": True}


class _Terms:
    """Policies and calendars read once per run."""

    def __init__(self, policies: list[SlaPolicy], calendars: list[BusinessCalendar]) -> None:
        hours = {c.department_id: sla.hours_of(c) for c in calendars}
        self.by_key = {
            (p.department_id, int(p.priority)): sla.Terms(
                policy=p, hours=hours.get(p.department_id)
            )
            for p in policies
        }

    def of(self, ticket: Ticket) -> sla.Terms | None:
        return self.by_key.get((ticket.department_id, int(ticket.priority)))


def _due_clock(
    ticket: Ticket, rule: EscalationRule, terms: sla.Terms | None, stamp: datetime
) -> sla.Clock | None:
    """The ticket's running clock of the rule's target if the rule's point on it has come."""
    if terms is None:
        return None
    for clock in sla.running_clocks(ticket):
        if clock.target is not rule.target:
            continue
        point = sla.share_point(terms, clock, rule.at_percent / 100)
        if point is not None and point <= stamp:
            return clock
    return None


async def run_escalations(*, batch: int = BATCH) -> list[Fired]:
    """Fire every rule whose point has come on a ticket it has not fired on for that clock;
    returns what this call fired."""
    stamp = now()
    rules = await EscalationRule.filter(active=True).order_by("id")
    if not rules:
        return []
    terms = _Terms(list(await SlaPolicy.all()), list(await BusinessCalendar.all()))
    fired: list[Fired] = []
    for rule in rules:
        last_id = 0
        while True:
            query = Ticket.filter(
                sla_active=True, id__gt=last_id, **_running_filter(rule.target)
            ).exclude(status=TicketStatus.CLOSED)
            if rule.department_id is not None:
                query = query.filter(department_id=rule.department_id)
            if rule.at_percent >= 100:
                query = query.filter(sla_due_key__lte=sla.epoch(stamp))
            candidates = await query.order_by("id").limit(batch)
            for ticket in candidates:
                if _due_clock(ticket, rule, terms.of(ticket), stamp) is None:
                    continue
                done = await _fire(rule, ticket.id, terms, stamp)
                if done is not None:
                    fired.append(done)
            if len(candidates) < batch:
                break
            last_id = candidates[-1].id
    return fired


async def _fire(
    rule: EscalationRule, ticket_id: int, terms: _Terms, stamp: datetime
) -> Fired | None:
    try:
        async with ticket_changes() as change:
            connection = change.connection
            ticket = await change.lock(ticket_id)
            clock = _due_clock(ticket, rule, terms.of(ticket), stamp)
            if clock is None or (
                rule.department_id is not None and ticket.department_id != rule.department_id
            ):
                ticket.version -= 1
                return None  # replied to, paused or moved meanwhile
            claimed = (
                await EscalationFiring.filter(rule_id=rule.id, ticket_id=ticket.id, clock=clock.key)
                .using_db(connection)
                .exists()
            )
            if claimed:
                ticket.version -= 1
                return None  # fired already (another worker, or an earlier run)
            await EscalationFiring.create(
                rule_id=rule.id,
                ticket_id=ticket.id,
                clock=clock.key,
                fired_at=stamp,
                using_db=connection,
            )
            what = describe(rule)
            await audit.record(
                connection, actor=SYSTEM, ticket=ticket, field="escalation", old=None, new=what
            )
            changes = await _act(connection, rule, ticket)
            columns = {"priority": "priority", "assignee": "assignee_id"}
            await change.save(ticket, *(columns[c] for c in changes))
            notify = ",".join(
                who
                for who, wanted in (
                    ("assignee", rule.notify_assignee),
                    ("department", rule.notify_department),
                    ("admins", rule.notify_admins),
                )
                if wanted
            )
            change.emit(
                event_for(
                    ticket,
                    EventType.ESCALATED,
                    actor=None,
                    internal=True,
                    changes=tuple(changes),
                    escalation=f"{rule.id}|{clock.key}|{notify}|{what}",
                )
            )
            if "assignee" in changes and ticket.assignee_id:
                change.emit(event_for(ticket, EventType.ASSIGNED, actor=None))
    except IntegrityError:
        return None  # another worker's claim won the unique index; its change stands
    log.info("ticket #%s %s (rule %s)", ticket.number, what, rule.id)
    return Fired(rule_id=rule.id, number=ticket.number, clock=clock.key)


async def _act(connection: object, rule: EscalationRule, ticket: Ticket) -> list[str]:
    """Raise the priority and reassign as the rule says, each audited; the changed fields."""
    changes: list[str] = []
    if rule.raise_priority and ticket.priority < TicketPriority.URGENT:
        higher = TicketPriority(int(ticket.priority) + 1)
        await audit.record(
            connection,  # type: ignore[arg-type]
            actor=SYSTEM,
            ticket=ticket,
            field="priority",
            old=ticket.priority,
            new=higher,
        )
        ticket.priority = higher
        changes.append("priority")
    new_assignee: int | None = ticket.assignee_id
    new_name: str | None = None
    if rule.unassign:
        new_assignee = None
    elif rule.reassign_to_id is not None:
        user = await User.get_or_none(id=rule.reassign_to_id, active=True)
        if (
            user is not None
            and policy.works_tickets(user)
            and policy.can_assign_to(await actor_for(user), ticket.department_id)
        ):
            new_assignee, new_name = user.id, user.name
        else:
            log.warning(
                "escalation rule %s: %s cannot be assigned ticket #%s; not reassigned",
                rule.id,
                rule.reassign_to_id,
                ticket.number,
            )
    if new_assignee != ticket.assignee_id:
        old = await User.get_or_none(id=ticket.assignee_id) if ticket.assignee_id else None
        await audit.record(
            connection,  # type: ignore[arg-type]
            actor=SYSTEM,
            ticket=ticket,
            field="assignee",
            old=old.name if old else None,
            new=new_name,
        )
        ticket.assignee_id = new_assignee
        changes.append("assignee")
    return changes
