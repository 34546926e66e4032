"""SLA over GraphQL: admins configure it, staff read due times and states and sort and filter
by them; clients never see any of it; bad input is a typed error that changes nothing."""

from __future__ import annotations

from datetime import timedelta

from app.infra.clock import clock
from app.models import BusinessCalendar, EscalationRule, SlaPolicy, TicketPriority
from app.services import tickets
from tests.core.helpers import OPEN_TICKET, REPLY
from tests.sla.helpers import MONDAY_9_BERLIN, at, calendar_policy

SET_POLICY = """
mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) {
  __typename ... on SlaPolicy { id priority firstResponseMinutes resolutionBusinessHours }
  ... on Error { code message field }
  ... on ValidationError { fieldErrors { field message } } } }
"""

SET_HOURS = """
mutation($input: BusinessHoursInput!) { setBusinessHours(input: $input) {
  __typename ... on BusinessHours { departmentId timezone windows { weekday opens closes } holidays }
  ... on Error { code message field }
  ... on ValidationError { fieldErrors { field message } } } }
"""

CREATE_RULE = """
mutation($input: EscalationRuleInput!) { createEscalationRule(input: $input) {
  __typename ... on EscalationRule { id name target atPercent notifyAssignee }
  ... on Error { code message field }
  ... on ValidationError { fieldErrors { field message } } } }
"""

LISTS = "{ slaPolicies { id } businessHours { departmentId } escalationRules { id } }"

TICKET_SLA = """
query($number: Int!) { ticket(number: $number) {
  number slaState firstResponseDueAt nextResponseDueAt resolutionDueAt slaDueAt slaAtRiskAt } }
"""

LIST = """
query($filter: TicketFilter, $sort: TicketSort) { tickets(filter: $filter, sort: $sort) {
  edges { node { number slaState slaDueAt } } } }
"""


def policy_input(world, **extra):
    return {
        "departmentId": str(world.dept_x.id),
        "priority": "HIGH",
        "firstResponseMinutes": 240,
        "resolutionMinutes": 2400,
        **extra,
    }


async def test_only_admins_configure_service_levels(gql, world) -> None:
    hours = {
        "departmentId": str(world.dept_x.id),
        "timezone": "Europe/Berlin",
        "windows": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 6)],
        "holidays": ["2026-12-25"],
    }
    rule = {"name": "Warn", "target": "FIRST_RESPONSE", "atPercent": 75, "notifyAssignee": True}
    for person in (world.client_a, world.staff_x, world.staff_y):
        for query, variables, field in (
            (SET_POLICY, {"input": policy_input(world)}, "setSlaPolicy"),
            (SET_HOURS, {"input": hours}, "setBusinessHours"),
            (CREATE_RULE, {"input": rule}, "createEscalationRule"),
        ):
            data = await gql.data(query, variables, token=person.token)
            assert data[field]["__typename"] == "PermissionDenied", (person.user.name, data)
        assert await gql.data(LISTS, token=person.token) == {
            "slaPolicies": [],
            "businessHours": [],
            "escalationRules": [],
        }
    assert await SlaPolicy.all().count() == 0
    assert await BusinessCalendar.all().count() == 0
    assert await EscalationRule.all().count() == 0

    admin = world.admin.token
    made = (await gql.data(SET_POLICY, {"input": policy_input(world)}, token=admin))["setSlaPolicy"]
    assert made["__typename"] == "SlaPolicy" and made["firstResponseMinutes"] == 240
    assert made["resolutionBusinessHours"] is True
    set_hours = (await gql.data(SET_HOURS, {"input": hours}, token=admin))["setBusinessHours"]
    assert set_hours["timezone"] == "Europe/Berlin" and set_hours["holidays"] == ["2026-12-25"]
    assert set_hours["windows"][0] == {"weekday": 1, "opens": "09:00", "closes": "17:00"}
    created = (await gql.data(CREATE_RULE, {"input": rule}, token=admin))["createEscalationRule"]
    assert created["__typename"] == "EscalationRule"
    lists = await gql.data(LISTS, token=admin)
    assert [len(lists[k]) for k in ("slaPolicies", "businessHours", "escalationRules")] == [1, 1, 1]
    # Setting the same department and priority again replaces the policy.
    again = await gql.data(
        SET_POLICY, {"input": policy_input(world, firstResponseMinutes=60)}, token=admin
    )
    assert again["setSlaPolicy"]["id"] == made["id"]
    assert again["setSlaPolicy"]["firstResponseMinutes"] == 60


async def test_bad_configuration_is_a_typed_error_that_changes_nothing(gql, world) -> None:
    admin = world.admin.token
    cases = [
        (
            SET_POLICY,
            {"input": policy_input(world, firstResponseMinutes=0)},
            "firstResponseMinutes",
        ),
        (SET_POLICY, {"input": policy_input(world, atRiskPercent=100)}, "atRiskPercent"),
        (
            SET_POLICY,
            {"input": policy_input(world, firstResponseMinutes=None, resolutionMinutes=None)},
            "firstResponseMinutes",
        ),
        (SET_POLICY, {"input": policy_input(world, departmentId="999999")}, "departmentId"),
        (
            SET_HOURS,
            {
                "input": {
                    "departmentId": str(world.dept_x.id),
                    "timezone": "Mars/Olympus",
                    "windows": [{"weekday": 1, "opens": "09:00", "closes": "17:00"}],
                }
            },
            "timezone",
        ),
        (
            SET_HOURS,
            {
                "input": {
                    "departmentId": str(world.dept_x.id),
                    "timezone": "Europe/Berlin",
                    "windows": [
                        {"weekday": 1, "opens": "09:00", "closes": "13:00"},
                        {"weekday": 1, "opens": "12:00", "closes": "17:00"},
                    ],
                }
            },
            "windows",
        ),
        (
            SET_HOURS,
            {
                "input": {
                    "departmentId": str(world.dept_x.id),
                    "timezone": "Europe/Berlin",
                    "windows": [{"weekday": 1, "opens": "9am", "closes": "17:00"}],
                }
            },
            "windows",
        ),
        (
            CREATE_RULE,
            {"input": {"name": "Nothing", "target": "RESOLUTION", "atPercent": 50}},
            "notifyAssignee",  # the first of the actions, not the name
        ),
        (
            CREATE_RULE,
            {
                "input": {
                    "name": "Too late",
                    "target": "RESOLUTION",
                    "atPercent": 150,
                    "notifyAdmins": True,
                }
            },
            "atPercent",
        ),
        (
            CREATE_RULE,
            {
                "input": {
                    "name": "To a client",
                    "target": "RESOLUTION",
                    "atPercent": 100,
                    "reassignToId": str(world.client_a.id),
                }
            },
            "reassignToId",
        ),
        (
            CREATE_RULE,
            {
                "input": {
                    "name": "Billing staff on Support",
                    "target": "RESOLUTION",
                    "atPercent": 100,
                    "departmentId": str(world.dept_x.id),
                    "reassignToId": str(world.staff_y.id),
                }
            },
            "reassignToId",
        ),
    ]
    for query, variables, field in cases:
        body = await gql.data(query, variables, token=admin)
        [result] = body.values()
        assert result["__typename"] == "ValidationError", (variables, result)
        assert field in [e["field"] for e in result["fieldErrors"]], (variables, result)
    assert await SlaPolicy.all().count() == 0
    assert await BusinessCalendar.all().count() == 0
    assert await EscalationRule.all().count() == 0


async def test_staff_see_due_times_and_states_clients_never(gql, world) -> None:
    await calendar_policy(world)
    at(MONDAY_9_BERLIN)
    opened = await gql.data(
        OPEN_TICKET,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "Down", "body": "All of it"}},
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]
    staff = (await gql.data(TICKET_SLA, {"number": number}, token=world.staff_x.token))["ticket"]
    assert staff["slaState"] == "ON_TRACK"
    assert staff["firstResponseDueAt"].startswith("2026-03-02T09:00:00")
    assert staff["resolutionDueAt"].startswith("2026-03-02T12:00:00")
    assert staff["slaDueAt"] == staff["firstResponseDueAt"]
    assert staff["slaAtRiskAt"].startswith("2026-03-02T08:45:00")
    admin = (await gql.data(TICKET_SLA, {"number": number}, token=world.admin.token))["ticket"]
    assert admin == staff
    hidden = {
        "number": number,
        "slaState": None,
        "firstResponseDueAt": None,
        "nextResponseDueAt": None,
        "resolutionDueAt": None,
        "slaDueAt": None,
        "slaAtRiskAt": None,
    }
    client = await gql.data(TICKET_SLA, {"number": number}, token=world.client_a.token)
    assert client["ticket"] == hidden
    [edge] = (await gql.data(LIST, token=world.client_a.token))["tickets"]["edges"]
    assert edge["node"] == {"number": number, "slaState": None, "slaDueAt": None}
    # Other people's tickets stay invisible, SLA or not.
    for person in (world.client_b, world.staff_y):
        assert (await gql.data(TICKET_SLA, {"number": number}, token=person.token)) == {
            "ticket": None
        }
    # A client may neither sort nor filter by SLA: typed refusals, no data.
    refused = await gql(
        LIST, {"sort": {"field": "SLA_DUE", "direction": "ASC"}}, token=world.client_a.token
    )
    assert refused["errors"] and refused["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    refused = await gql(LIST, {"filter": {"slaBreached": True}}, token=world.client_a.token)
    assert refused["errors"] and refused["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_staff_sort_by_due_soonest_and_filter_the_breached(gql, world) -> None:
    await calendar_policy(world)  # MEDIUM: first response in 60 minutes
    await calendar_policy(world, priority=TicketPriority.URGENT, first_response_minutes=15)
    at(MONDAY_9_BERLIN)

    async def open_one(subject, priority="MEDIUM"):
        data = await gql.data(
            OPEN_TICKET,
            {
                "input": {
                    "departmentId": str(world.dept_x.id),
                    "subject": subject,
                    "body": "help",
                    "priority": priority,
                }
            },
            token=world.client_a.token,
        )
        return data["openTicket"]["number"]

    later = await open_one("Due in an hour")
    clock.advance(timedelta(minutes=5))
    soon = await open_one("Due in 15 minutes", "URGENT")
    answered = await open_one("Answered at once")
    await gql.data(
        REPLY, {"input": {"number": answered, "body": "done"}}, token=world.staff_x.token
    )
    soonest = {"sort": {"field": "SLA_DUE", "direction": "ASC"}}
    data = await gql.data(LIST, soonest, token=world.staff_x.token)
    assert [e["node"]["number"] for e in data["tickets"]["edges"]] == [soon, later, answered]
    assert [e["node"]["slaState"] for e in data["tickets"]["edges"]] == [
        "ON_TRACK",
        "ON_TRACK",
        "PAUSED",
    ]
    breached = {"filter": {"slaBreached": True}, **soonest}
    assert (await gql.data(LIST, breached, token=world.staff_x.token))["tickets"]["edges"] == []

    clock.advance(timedelta(minutes=20))  # the urgent one is 5 minutes late
    data = await gql.data(LIST, breached, token=world.staff_x.token)
    assert [e["node"] for e in data["tickets"]["edges"]] == [
        {
            "number": soon,
            "slaState": "BREACHED",
            "slaDueAt": data["tickets"]["edges"][0]["node"]["slaDueAt"],
        }
    ]
    # Staff of another department see none of them.
    other = await gql.data(LIST, breached, token=world.staff_y.token)
    assert other["tickets"]["edges"] == []


async def test_a_breach_stays_reported_after_a_change_to_a_priority_without_a_policy(
    gql, world
) -> None:
    await calendar_policy(world, priority=TicketPriority.URGENT, first_response_minutes=15)
    at(MONDAY_9_BERLIN)
    opened = await gql.data(
        OPEN_TICKET,
        {
            "input": {
                "departmentId": str(world.dept_x.id),
                "subject": "Urgent and late",
                "body": "help",
                "priority": "URGENT",
            }
        },
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]
    clock.advance(timedelta(minutes=20))  # 5 minutes late
    # An escalation (or anyone) lowers it to a priority no policy covers.
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=number, priority=TicketPriority.LOW
    )
    one = await gql.data(TICKET_SLA, {"number": number}, token=world.staff_x.token)
    assert one["ticket"]["slaState"] == "BREACHED"
    listed = await gql.data(LIST, {}, token=world.staff_x.token)
    assert [e["node"]["slaState"] for e in listed["tickets"]["edges"]] == ["BREACHED"]
    breached = {"filter": {"slaBreached": True}}
    data = await gql.data(LIST, breached, token=world.staff_x.token)
    assert [e["node"]["number"] for e in data["tickets"]["edges"]] == [number]
    # Still once closed.
    await tickets.close_ticket(actor=world.staff_x.actor, number=number)
    one = await gql.data(TICKET_SLA, {"number": number}, token=world.staff_x.token)
    assert one["ticket"]["slaState"] == "BREACHED"
