"""Service levels: admins read and set business hours, SLA policies and escalation rules."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import optional_id, parse_id
from app.schema.sla import (
    BusinessHours,
    BusinessHoursInput,
    BusinessHoursResult,
    DeleteBusinessHoursResult,
    DeleteEscalationRuleResult,
    DeleteSlaPolicyResult,
    EscalationRule,
    EscalationRuleInput,
    EscalationRuleResult,
    SlaPolicy,
    SlaPolicyInput,
    SlaPolicyResult,
)
from app.services import sla_admin


def _rule(value: EscalationRuleInput) -> sla_admin.RuleInput:
    return sla_admin.RuleInput(
        name=value.name,
        target=value.target,
        at_percent=value.at_percent,
        department_id=optional_id(value.department_id, "departmentId"),
        notify_assignee=value.notify_assignee,
        notify_department=value.notify_department,
        notify_admins=value.notify_admins,
        raise_priority=value.raise_priority,
        reassign_to_id=optional_id(value.reassign_to_id, "reassignToId"),
        unassign=value.unassign,
        active=value.active,
    )


@strawberry.type
class SlaQueries:
    @strawberry.field(description="Every department's business hours (admins; else empty).")
    async def business_hours(self, info: Info) -> list[BusinessHours]:
        rows = await sla_admin.list_calendars(actor=info.context.actor)
        return [BusinessHours.of(row) for row in rows]

    @strawberry.field(description="Every SLA policy (admins; else empty).")
    async def sla_policies(self, info: Info) -> list[SlaPolicy]:
        rows = await sla_admin.list_policies(actor=info.context.actor)
        return [SlaPolicy.of(row) for row in rows]

    @strawberry.field(description="Every escalation rule (admins; else empty).")
    async def escalation_rules(self, info: Info) -> list[EscalationRule]:
        rows = await sla_admin.list_rules(actor=info.context.actor)
        return [EscalationRule.of(row) for row in rows]


@strawberry.type
class SlaMutations:
    @mutation(description="Admins: set or replace a department's business hours.")
    async def set_business_hours(
        self, info: Info, input: BusinessHoursInput
    ) -> BusinessHoursResult:
        row = await sla_admin.set_business_hours(
            actor=info.context.actor,
            department_id=parse_id(input.department_id, "departmentId"),
            timezone=input.timezone,
            windows=[
                sla_admin.Window(weekday=w.weekday, opens=w.opens, closes=w.closes)
                for w in input.windows
            ],
            holidays=input.holidays or [],
            expected_version=input.expected_version,
        )
        return BusinessHours.of(row)

    @mutation(description="Admins: the department's targets count around the clock again.")
    async def delete_business_hours(
        self, info: Info, department_id: strawberry.ID
    ) -> DeleteBusinessHoursResult:
        row = await sla_admin.clear_business_hours(
            actor=info.context.actor, department_id=parse_id(department_id, "departmentId")
        )
        return BusinessHours.of(row)

    @mutation(description="Admins: set or replace the policy of a department and priority.")
    async def set_sla_policy(self, info: Info, input: SlaPolicyInput) -> SlaPolicyResult:
        row = await sla_admin.set_policy(
            actor=info.context.actor,
            department_id=parse_id(input.department_id, "departmentId"),
            priority=input.priority,
            terms=sla_admin.PolicyTerms(
                first_response_minutes=input.first_response_minutes,
                first_response_business=input.first_response_business_hours,
                next_response_minutes=input.next_response_minutes,
                next_response_business=input.next_response_business_hours,
                resolution_minutes=input.resolution_minutes,
                resolution_business=input.resolution_business_hours,
                at_risk_percent=input.at_risk_percent,
            ),
            expected_version=input.expected_version,
        )
        return SlaPolicy.of(row)

    @mutation(description="Admins: tickets of that department and priority have no SLA.")
    async def delete_sla_policy(self, info: Info, id: strawberry.ID) -> DeleteSlaPolicyResult:
        row = await sla_admin.delete_policy(actor=info.context.actor, policy_id=parse_id(id, "id"))
        return SlaPolicy.of(row)

    @mutation(description="Admins.")
    async def create_escalation_rule(
        self, info: Info, input: EscalationRuleInput
    ) -> EscalationRuleResult:
        row = await sla_admin.create_rule(actor=info.context.actor, rule=_rule(input))
        return EscalationRule.of(row)

    @mutation(description="Admins: replace a rule's settings (what it fired stays fired).")
    async def update_escalation_rule(
        self,
        info: Info,
        id: strawberry.ID,
        input: EscalationRuleInput,
        expected_version: Annotated[
            int | None,
            strawberry.argument(
                description="The rule's version this edit was made on; if it changed since, "
                "the answer is Conflict (field expectedVersion) and nothing is changed."
            ),
        ] = None,
    ) -> EscalationRuleResult:
        row = await sla_admin.update_rule(
            actor=info.context.actor,
            rule_id=parse_id(id, "id"),
            rule=_rule(input),
            expected_version=expected_version,
        )
        return EscalationRule.of(row)

    @mutation(description="Admins.")
    async def delete_escalation_rule(
        self, info: Info, id: strawberry.ID
    ) -> DeleteEscalationRuleResult:
        row = await sla_admin.delete_rule(actor=info.context.actor, rule_id=parse_id(id, "id"))
        return EscalationRule.of(row)
