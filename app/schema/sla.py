"""Service levels: the SLA state enum of tickets, and what admins configure (business hours,
SLA policies, escalation rules)."""

from __future__ import annotations

from datetime import date

import strawberry

from app import models
from app.schema.core.errors import result_union
from app.services import business_hours, sla

SlaState = sla.SlaState
SlaTarget = models.SlaTarget
strawberry.enum(
    SlaState,
    name="SlaState",
    description="ON_TRACK, AT_RISK (past the policy's at-risk share of a running target), "
    "BREACHED (a target was missed; stays so), MET (closed, or no target left running, none "
    "missed), PAUSED (waiting on the client: On Hold or Answered), NONE (no policy).",
)
strawberry.enum(SlaTarget, name="SlaTarget")


@strawberry.type
class BusinessHoursWindow:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday")
    opens: str = strawberry.field(description="HH:MM, local time")
    closes: str = strawberry.field(description="HH:MM, local time; 24:00 for midnight")


@strawberry.type(description="A department's business hours (admins).")
class BusinessHours:
    department_id: strawberry.ID
    timezone: str = strawberry.field(description="IANA name, e.g. Europe/Berlin")
    windows: list[BusinessHoursWindow]
    holidays: list[date] = strawberry.field(description="Local dates closed all day.")
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )

    @classmethod
    def of(cls, row: models.BusinessCalendar) -> BusinessHours:
        weekly = business_hours.from_json(row.weekly)
        return cls(
            department_id=strawberry.ID(str(row.department_id)),
            timezone=row.timezone,
            windows=[
                BusinessHoursWindow(
                    weekday=day + 1,
                    opens=business_hours.format_minute(start),
                    closes=business_hours.format_minute(end),
                )
                for day, spans in enumerate(weekly)
                for start, end in spans
            ],
            holidays=[date.fromisoformat(day) for day in row.holidays],
            version=row.version,
        )


@strawberry.input
class BusinessHoursWindowInput:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday")
    opens: str = strawberry.field(description="HH:MM")
    closes: str = strawberry.field(description="HH:MM; 24:00 for midnight")


@strawberry.input
class BusinessHoursInput:
    department_id: strawberry.ID
    timezone: str
    windows: list[BusinessHoursWindowInput]
    holidays: list[date] | None = None
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version this edit was made on; if it changed since, the answer is "
        "Conflict (field expectedVersion) and nothing is changed. Leave out to save anyway.",
    )


@strawberry.type(
    description="SLA targets for a department's tickets of one priority (admins). Each target "
    "is minutes of business hours (the department's; around the clock if it has none) or of "
    "calendar hours; null: no such target."
)
class SlaPolicy:
    id: strawberry.ID
    department_id: strawberry.ID
    priority: models.TicketPriority
    first_response_minutes: int | None
    first_response_business_hours: bool
    next_response_minutes: int | None
    next_response_business_hours: bool
    resolution_minutes: int | None
    resolution_business_hours: bool
    at_risk_percent: int
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )

    @classmethod
    def of(cls, row: models.SlaPolicy) -> SlaPolicy:
        return cls(
            id=strawberry.ID(str(row.id)),
            department_id=strawberry.ID(str(row.department_id)),
            priority=row.priority,
            first_response_minutes=row.first_response_minutes,
            first_response_business_hours=row.first_response_business,
            next_response_minutes=row.next_response_minutes,
            next_response_business_hours=row.next_response_business,
            resolution_minutes=row.resolution_minutes,
            resolution_business_hours=row.resolution_business,
            at_risk_percent=row.at_risk_percent,
            version=row.version,
        )


@strawberry.input
class SlaPolicyInput:
    department_id: strawberry.ID
    priority: models.TicketPriority
    first_response_minutes: int | None = None
    first_response_business_hours: bool = True
    next_response_minutes: int | None = None
    next_response_business_hours: bool = True
    resolution_minutes: int | None = None
    resolution_business_hours: bool = True
    at_risk_percent: int = 75
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version this edit was made on; if it changed since, the answer is "
        "Conflict (field expectedVersion) and nothing is changed. Leave out to save anyway.",
    )


@strawberry.type(
    description="At atPercent of a target (100: at breach) on a ticket of the department (any, "
    "if null), notify, raise the priority, reassign or unassign; once per ticket and clock."
)
class EscalationRule:
    id: strawberry.ID
    name: str
    department_id: strawberry.ID | None
    target: SlaTarget
    at_percent: int
    notify_assignee: bool
    notify_department: bool
    notify_admins: bool
    raise_priority: bool
    reassign_to_id: strawberry.ID | None
    unassign: bool
    active: bool
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )

    @classmethod
    def of(cls, row: models.EscalationRule) -> EscalationRule:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            department_id=strawberry.ID(str(row.department_id)) if row.department_id else None,
            target=row.target,
            at_percent=row.at_percent,
            notify_assignee=row.notify_assignee,
            notify_department=row.notify_department,
            notify_admins=row.notify_admins,
            raise_priority=row.raise_priority,
            reassign_to_id=strawberry.ID(str(row.reassign_to_id)) if row.reassign_to_id else None,
            unassign=row.unassign,
            active=row.active,
            version=row.version,
        )


@strawberry.input
class EscalationRuleInput:
    name: str
    target: SlaTarget
    at_percent: int = strawberry.field(description="1 to 100; 100 fires at breach.")
    department_id: strawberry.ID | None = None
    notify_assignee: bool = False
    notify_department: bool = False
    notify_admins: bool = False
    raise_priority: bool = False
    reassign_to_id: strawberry.ID | None = None
    unassign: bool = False
    active: bool = True


BusinessHoursResult = result_union("BusinessHoursResult", BusinessHours)
DeleteBusinessHoursResult = result_union("DeleteBusinessHoursResult", BusinessHours)
SlaPolicyResult = result_union("SlaPolicyResult", SlaPolicy)
DeleteSlaPolicyResult = result_union("DeleteSlaPolicyResult", SlaPolicy)
EscalationRuleResult = result_union("EscalationRuleResult", EscalationRule)
DeleteEscalationRuleResult = result_union("DeleteEscalationRuleResult", EscalationRule)
