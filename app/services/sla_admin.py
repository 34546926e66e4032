"""Admins configure service levels: a department's business hours, the SLA policy of each
department and priority, and the escalation rules. A policy or business hours edit applies to
new tickets at once and recomputes the due times of the open tickets it concerns right after
it (``recompute_open_tickets``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor, actor_for
from app.errors import NotFound, PermissionDenied
from app.events import EventType, emit, event_for
from app.i18n import N_, Msg
from app.infra.clock import now
from app.models import (
    BusinessCalendar,
    Department,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)
from app.services import business_hours, sla, versions
from app.services.ticket_changes import TicketChanges
from app.services.validation import Checks

MAX_TARGET_MINUTES = 366 * 24 * 60
MAX_HOLIDAYS = 400
MAX_RULES = 200


def _require(actor: Actor | None) -> Actor:
    actor = policy.require_user(actor)
    if not policy.can_manage_sla(actor):
        raise PermissionDenied("Only administrators may configure service levels.")
    return actor


def _sentence(exc: Exception) -> str:
    """A business-hours complaint: the checks raise whole sentences (``Msg``), translated
    where they are shown."""
    reason = exc.args[0] if exc.args else ""
    if isinstance(reason, Msg):
        return reason
    text = str(exc)
    return text[:1].upper() + text[1:] + "."


async def _department(checks: Checks, department_id: int | None, field: str) -> Department | None:
    department = await Department.get_or_none(id=department_id) if department_id else None
    if department is None:
        checks.fail(field, "Choose a department that exists.")
    return department


# Business hours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    weekday: int  # 1 = Monday ... 7 = Sunday
    opens: str  # HH:MM
    closes: str  # HH:MM, 24:00 for midnight


async def list_calendars(*, actor: Actor | None) -> list[BusinessCalendar]:
    if not policy.can_manage_sla(actor):
        return []
    return list(await BusinessCalendar.all().order_by("department_id"))


async def set_business_hours(
    *,
    actor: Actor | None,
    department_id: int | None,
    timezone: str,
    windows: Sequence[Window],
    holidays: Sequence[date] = (),
    expected_version: int | None = None,
) -> BusinessCalendar:
    """Set (or replace) a department's business hours; with ``expected_version`` (the version
    the admin loaded), hours changed since are refused (Conflict) and nothing changes."""
    _require(actor)
    checks = Checks()
    department = await _department(checks, department_id, "departmentId")
    try:
        business_hours.zone(timezone.strip())
    except ValueError as exc:
        checks.fail("timezone", _sentence(exc))
    weekly = None
    try:
        weekly = business_hours.weekly_from(
            (
                w.weekday - 1,
                business_hours.parse_minute(w.opens),
                business_hours.parse_minute(w.closes),
            )
            for w in windows
        )
    except ValueError as exc:
        checks.fail("windows", _sentence(exc))
    if len(holidays) > MAX_HOLIDAYS:
        checks.fail("holidays", Msg("At most {n} holidays.", n=MAX_HOLIDAYS))
    checks.raise_if_any()
    assert department is not None and weekly is not None
    calendar = await versions.upsert(
        BusinessCalendar,
        {"department_id": department.id},
        {
            "timezone": timezone.strip(),
            "weekly": business_hours.to_json(weekly),
            "holidays": sorted({day.isoformat() for day in holidays}),
            "updated_at": now(),
        },
        expected_version,
        what=N_("These business hours"),
    )
    await recompute_open_tickets(department.id)
    return calendar


async def clear_business_hours(*, actor: Actor | None, department_id: int) -> BusinessCalendar:
    """The department's targets in business hours count around the clock (UTC) again."""
    _require(actor)
    row = await BusinessCalendar.get_or_none(department_id=department_id)
    if row is None:
        raise NotFound("That department has no business hours.", field="departmentId")
    await row.delete()
    await recompute_open_tickets(row.department_id)
    return row


# Policies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyTerms:
    first_response_minutes: int | None = None
    first_response_business: bool = True
    next_response_minutes: int | None = None
    next_response_business: bool = True
    resolution_minutes: int | None = None
    resolution_business: bool = True
    at_risk_percent: int = 75


async def list_policies(*, actor: Actor | None) -> list[SlaPolicy]:
    if not policy.can_manage_sla(actor):
        return []
    return list(await SlaPolicy.all().order_by("department_id", "priority"))


async def set_policy(
    *,
    actor: Actor | None,
    department_id: int | None,
    priority: TicketPriority,
    terms: PolicyTerms,
    expected_version: int | None = None,
) -> SlaPolicy:
    """Set (or replace) the policy of a department's tickets of ``priority``; with
    ``expected_version`` (the version of the policy the admin loaded), a policy changed since
    is refused (Conflict) and nothing changes."""
    _require(actor)
    checks = Checks()
    department = await _department(checks, department_id, "departmentId")
    given = 0
    for which in SlaTarget:
        minutes = getattr(terms, f"{which.value}_minutes")
        field = f"{_camel(which.value)}Minutes"
        if minutes is None:
            continue
        given += 1
        if not 1 <= minutes <= MAX_TARGET_MINUTES:
            checks.fail(field, Msg("A target is 1 to {n} minutes.", n=MAX_TARGET_MINUTES))
    if given == 0:
        checks.fail("firstResponseMinutes", "Set at least one target.")
    if not 1 <= terms.at_risk_percent <= 99:
        checks.fail("atRiskPercent", "At risk is 1 to 99 percent of a target.")
    checks.raise_if_any()
    assert department is not None
    row = await versions.upsert(
        SlaPolicy,
        {"department_id": department.id, "priority": priority},
        {**terms.__dict__, "updated_at": now()},
        expected_version,
        what=N_("This SLA policy"),
    )
    await recompute_open_tickets(department.id, priority)
    return row


async def delete_policy(*, actor: Actor | None, policy_id: int) -> SlaPolicy:
    _require(actor)
    row = await SlaPolicy.get_or_none(id=policy_id)
    if row is None:
        raise NotFound("SLA policy was not found.", field="id")
    await row.delete()
    await recompute_open_tickets(row.department_id, row.priority)
    return row


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


# Escalation rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    name: str
    target: SlaTarget
    at_percent: int
    department_id: int | None = None
    notify_assignee: bool = False
    notify_department: bool = False
    notify_admins: bool = False
    raise_priority: bool = False
    reassign_to_id: int | None = None
    unassign: bool = False
    active: bool = True


async def list_rules(*, actor: Actor | None) -> list[EscalationRule]:
    if not policy.can_manage_sla(actor):
        return []
    return list(await EscalationRule.all().order_by("target", "at_percent", "id"))


async def _checked_rule(rule: RuleInput) -> dict[str, Any]:
    checks = Checks()
    name = checks.text("name", rule.name, max_chars=100, label="Name")
    if not 1 <= rule.at_percent <= 100:
        checks.fail("atPercent", "Escalate at 1 to 100 percent of the target (100: at breach).")
    department = None
    if rule.department_id is not None:
        department = await _department(checks, rule.department_id, "departmentId")
    if rule.reassign_to_id is not None and rule.unassign:
        checks.fail("unassign", "Reassign or unassign, not both.")
    if rule.reassign_to_id is not None:
        user = await User.get_or_none(id=rule.reassign_to_id, active=True)
        if user is None or not policy.works_tickets(user):
            checks.fail("reassignToId", "Reassign to an active staff member.")
        elif department is not None and not policy.can_assign_to(
            await actor_for(user), department.id
        ):
            checks.fail("reassignToId", "That staff member has no access to the department.")
    does = (
        rule.notify_assignee,
        rule.notify_department,
        rule.notify_admins,
        rule.raise_priority,
        rule.reassign_to_id is not None,
        rule.unassign,
    )
    if not any(does):
        checks.fail(
            "notifyAssignee", "A rule must do something: notify, raise priority or reassign."
        )
    checks.raise_if_any()
    return {
        "name": name,
        "target": rule.target,
        "at_percent": rule.at_percent,
        "department_id": department.id if department else None,
        "notify_assignee": rule.notify_assignee,
        "notify_department": rule.notify_department,
        "notify_admins": rule.notify_admins,
        "raise_priority": rule.raise_priority,
        "reassign_to_id": rule.reassign_to_id,
        "unassign": rule.unassign,
        "active": rule.active,
    }


async def create_rule(*, actor: Actor | None, rule: RuleInput) -> EscalationRule:
    _require(actor)
    values = await _checked_rule(rule)
    if await EscalationRule.all().count() >= MAX_RULES:
        checks = Checks()
        checks.fail("name", Msg("There are {n} rules, the most there may be.", n=MAX_RULES))
        checks.raise_if_any()
    return await EscalationRule.create(**values, created_at=now())


async def update_rule(
    *, actor: Actor | None, rule_id: int, rule: RuleInput, expected_version: int | None = None
) -> EscalationRule:
    """Replace a rule's settings (it keeps its id, so what it fired stays fired); with
    ``expected_version``, one changed since is refused (Conflict) and nothing changes."""
    _require(actor)
    row = await EscalationRule.get_or_none(id=rule_id)
    if row is None:
        raise NotFound("Escalation rule was not found.", field="id")
    versions.check(row, expected_version, what=N_("This escalation rule"))
    values = await _checked_rule(rule)
    row.update_from_dict(values)
    await versions.save(row, expected_version, what=N_("This escalation rule"))
    return row


async def delete_rule(*, actor: Actor | None, rule_id: int) -> EscalationRule:
    _require(actor)
    row = await EscalationRule.get_or_none(id=rule_id)
    if row is None:
        raise NotFound("Escalation rule was not found.", field="id")
    await row.delete()
    return row


# Recomputing open tickets after an edit ------------------------------------------------------

RECOMPUTE_BATCH = 100
"""Open tickets recomputed per transaction after a policy or business hours edit."""


async def recompute_open_tickets(department_id: int, priority: TicketPriority | None = None) -> int:
    """Bring the due times of the department's open tickets (of ``priority``; all, for a
    calendar) up to the terms in force now; returns how many changed.

    An SLA-only update: in batches of ``RECOMPUTE_BATCH`` tickets, each batch one transaction,
    each ticket locked as the change path locks it and its clocks synced (a target the new
    terms put in the past is breached). Only the SLA columns are written: the version stays
    (nobody's ``expectedVersion`` goes stale over an admin's edit) and no audit entry is made
    (no field a person set changed); a ticket that changed gets an internal UPDATED event
    (``changes: ["sla"]``) so open staff pages refresh their countdowns, and nobody is mailed."""
    query = Ticket.filter(department_id=department_id, merged_into_id=None).exclude(
        status=TicketStatus.CLOSED
    )
    if priority is not None:
        query = query.filter(priority=priority)
    ids: list[int] = await query.order_by("id").values_list("id", flat=True)  # type: ignore[assignment]
    changed = 0
    for start in range(0, len(ids), RECOMPUTE_BATCH):
        async with in_transaction() as connection:
            change = TicketChanges(connection)
            known: dict[tuple[int, int], tuple[sla.Terms | None]] = {}
            for ticket_id in ids[start : start + RECOMPUTE_BATCH]:
                ticket = await change.lock(ticket_id)
                ticket.version -= 1  # an SLA-only update keeps the version
                if (
                    ticket.status is TicketStatus.CLOSED
                    or ticket.department_id != department_id
                    or (priority is not None and ticket.priority != priority)
                ):
                    continue  # changed before the lock; its own change synced it
                key = (ticket.department_id, int(ticket.priority))
                if key not in known:  # once per batch: read under this transaction
                    known[key] = (await sla.terms_for(connection, *key),)
                if await sla.sync(connection, ticket, known=known[key]):
                    changed += 1
                    change.emit(
                        event_for(
                            ticket, EventType.UPDATED, actor=None, changes=("sla",), internal=True
                        )
                    )
            await emit(connection, *change.events)
    return changed
