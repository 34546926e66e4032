"""Admin operations: departments, users and membership, canned responses, settings."""

from __future__ import annotations

from helpers import TICKET, open_as

from app.models import CannedResponse, Department, Ticket, User
from app.services import tickets as ticket_service

CREATE_DEPT = """mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) {
  __typename ... on Department { id name email } ... on Error { code field message } } }"""
CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  __typename ... on User { id name email role } ... on Error { code field message } } }"""
UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { id } ... on Error { code field message } } }"""
CANNED = """mutation($input: CannedResponseInput!) { createCannedResponse(input: $input) {
  __typename ... on CannedResponse { id title } ... on Error { code field } } }"""


async def test_only_admins_provision(gql, world):
    for person in (world.staff_x, world.client_a):
        data = await gql.data(CREATE_DEPT, {"input": {"name": "Sales"}}, token=person.token)
        assert data["createDepartment"]["code"] == "PERMISSION_DENIED"
    assert not await Department.filter(name="Sales").exists()
    made = await gql.data(
        CREATE_DEPT,
        {"input": {"name": "Sales", "email": "Sales@Helpdesk.test"}},
        token=world.admin.token,
    )
    assert made["createDepartment"]["email"] == "sales@helpdesk.test"
    again = await gql.data(CREATE_DEPT, {"input": {"name": "Sales"}}, token=world.admin.token)
    assert (again["createDepartment"]["code"], again["createDepartment"]["field"]) == (
        "CONFLICT",
        "name",
    )


async def test_create_staff_with_departments_and_sign_in(gql, world):
    data = await gql.data(
        CREATE_USER,
        {
            "input": {
                "name": "New Staff",
                "email": "new@example.com",
                "password": "long-enough-pw",
                "role": "STAFF",
                "departmentIds": [str(world.dept_y.id)],
            }
        },
        token=world.admin.token,
    )
    assert data["createUser"]["role"] == "STAFF"
    login = await gql.data(
        'mutation { login(email: "new@example.com", password: "long-enough-pw") '
        "{ ... on Session { token } } }"
    )
    token = login["login"]["token"]
    await open_as(world.client_a, world.dept_y, subject="For billing")
    listed = await gql.data("{ tickets { edges { node { subject } } } }", token=token)
    assert [e["node"]["subject"] for e in listed["tickets"]["edges"]] == ["For billing"]


async def test_create_user_refusals(gql, world):
    cases = [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"departmentIds": ["99999"]}, "departmentIds"),
        ({"role": "CLIENT", "departmentIds": [str(world.dept_x.id)]}, "departmentIds"),
        ({"email": "alice@example.com"}, "email"),
    ]
    for changes, field in cases:
        payload = {
            "name": "N",
            "email": "n@example.com",
            "password": "long-enough-pw",
            "role": "STAFF",
            **changes,
        }
        data = await gql.data(CREATE_USER, {"input": payload}, token=world.admin.token)
        assert data["createUser"]["field"] == field, changes
    assert not await User.filter(email="n@example.com").exists()


async def test_removing_staff_from_a_department_hides_its_tickets_and_unassigns(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    await ticket_service.update_ticket(
        actor=world.admin.actor, number=ticket.number, assignee_id=world.staff_x.id
    )
    data = await gql.data(
        UPDATE_USER,
        {"input": {"id": str(world.staff_x.id), "departmentIds": [str(world.dept_y.id)]}},
        token=world.admin.token,
    )
    assert data["updateUser"]["__typename"] == "User"
    assert (await Ticket.get(id=ticket.id)).assignee_id is None
    seen = await gql.data(TICKET, {"number": ticket.number}, token=world.staff_x.token)
    assert seen["ticket"] is None


async def test_canned_response_placeholders_are_filled(gql, world):
    ticket = await open_as(world.client_a, world.dept_x)
    made = await gql.data(
        CANNED,
        {
            "input": {
                "title": "Hello",
                "departmentId": str(world.dept_x.id),
                "body": "Hi {{client_name}}, about {{ticket_number}} ({{subject}}). {{staff_name}}, "
                "{{department}}. Ticket #{{ticket_number}}.",
            }
        },
        token=world.admin.token,
    )
    canned_id = made["createCannedResponse"]["id"]
    # An unknown placeholder is refused on saving now; one saved before that is left as is.
    row = await CannedResponse.get(id=int(canned_id))
    row.body += " {{unknown}}"
    await row.save()
    query = """query($n: Int!) { cannedResponses { id rendered(ticketNumber: $n) } }"""
    data = await gql.data(query, {"n": ticket.number}, token=world.staff_x.token)
    rendered = {c["id"]: c["rendered"] for c in data["cannedResponses"]}[canned_id]
    assert rendered == (
        f"Hi Alice Client, about #{ticket.number} (Printer on fire). Xavier Staff, Support. "
        f"Ticket #{ticket.number}. {{{{unknown}}}}"
    )
    denied = await gql(
        "query($n: Int!) { cannedResponses { rendered(ticketNumber: $n) } }",
        {"n": ticket.number},
        token=world.staff_y.token,
    )
    assert denied["data"]["cannedResponses"] == []


async def test_auto_close_setting(gql, world):
    set_days = """mutation($d: Int!) { setAutoCloseDays(days: $d) {
        __typename ... on HelpdeskSettings { autoCloseDays } ... on Error { code field } } }"""
    assert (await gql.data(set_days, {"d": 3}, token=world.staff_x.token))["setAutoCloseDays"][
        "code"
    ] == "PERMISSION_DENIED"
    assert (await gql.data(set_days, {"d": -1}, token=world.admin.token))["setAutoCloseDays"][
        "field"
    ] == "days"
    assert (await gql.data(set_days, {"d": 3}, token=world.admin.token))["setAutoCloseDays"][
        "autoCloseDays"
    ] == 3
    assert (await gql.data("{ settings { autoCloseDays } }", token=world.admin.token))["settings"][
        "autoCloseDays"
    ] == 3
