"""Service levels: business hours per department, SLA policies per department and priority,
escalation rules, and the record of each escalation that fired (its claim)."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from app.models.enums import TicketPriority
from app.models.tickets import Ticket
from app.models.users import Department, User


class SlaTarget(str, Enum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class BusinessCalendar(Model):
    # A department's business hours: its time zone, weekly opening hours and holidays.

    id = fields.IntField(primary_key=True)
    department: fields.OneToOneRelation[Department] = fields.OneToOneField(
        "models.Department", related_name="business_calendar", on_delete=fields.CASCADE
    )
    timezone = fields.CharField(max_length=64)
    # {"mon": [["09:00", "17:00"]], ...} (app.services.business_hours.to_json)
    weekly: fields.Field[dict[str, list[list[str]]]] = fields.JSONField()
    # ["2026-12-25", ...]: local dates closed all day
    holidays: fields.Field[list[str]] = fields.JSONField()
    updated_at = fields.DatetimeField()

    department_id: int

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "business_calendars"


class SlaPolicy(Model):
    # The targets for a department's tickets of one priority, each in minutes of business hours
    # (the department's calendar) or calendar hours; null: no such target.

    id = fields.IntField(primary_key=True)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="sla_policies", on_delete=fields.CASCADE
    )
    priority = fields.IntEnumField(TicketPriority)
    first_response_minutes = fields.IntField(null=True)
    first_response_business = fields.BooleanField(default=True)
    next_response_minutes = fields.IntField(null=True)
    next_response_business = fields.BooleanField(default=True)
    resolution_minutes = fields.IntField(null=True)
    resolution_business = fields.BooleanField(default=True)
    # A running target is AT_RISK once this share of it has passed.
    at_risk_percent = fields.IntField(default=75)
    updated_at = fields.DatetimeField()

    department_id: int

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "sla_policies"
        unique_together = (("department_id", "priority"),)


class EscalationRule(Model):
    # At ``at_percent`` of a target (100: at breach) on a ticket of the department (null: of
    # any), do what the flags say. Each rule fires once per ticket and clock.

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="escalation_rules", null=True, on_delete=fields.CASCADE
    )
    target = fields.CharEnumField(SlaTarget, max_length=20)
    at_percent = fields.IntField()
    notify_assignee = fields.BooleanField(default=False)
    notify_department = fields.BooleanField(default=False)
    notify_admins = fields.BooleanField(default=False)
    raise_priority = fields.BooleanField(default=False)
    reassign_to: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="escalation_rules", null=True, on_delete=fields.SET_NULL
    )
    unassign = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    department_id: int | None
    reassign_to_id: int | None

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "escalation_rules"


class EscalationFiring(Model):
    # One rule fired on one ticket's clock: the unique row is the claim, so a rule fires once
    # however many workers look.

    id = fields.IntField(primary_key=True)
    rule: fields.ForeignKeyRelation[EscalationRule] = fields.ForeignKeyField(
        "models.EscalationRule", related_name="firings", on_delete=fields.CASCADE
    )
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="escalations", on_delete=fields.CASCADE
    )
    clock = fields.CharField(max_length=40)
    fired_at = fields.DatetimeField()

    rule_id: int
    ticket_id: int

    class Meta:
        table = "escalation_firings"
        unique_together = (("rule_id", "ticket_id", "clock"),)
