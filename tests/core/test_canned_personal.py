"""Canned responses: edited by who may (admins the shared ones, owners their personal ones),
personal ones seen by their owner only, and unknown placeholders refused on saving."""

from __future__ import annotations

from app.infra.clock import now
from app.models import CannedResponse

CREATE = """mutation($input: CannedResponseInput!) { createCannedResponse(input: $input) {
  __typename ... on CannedResponse { id title body personal }
  ... on Error { code field message } } }"""
UPDATE = """mutation($input: UpdateCannedResponseInput!) { updateCannedResponse(input: $input) {
  __typename ... on CannedResponse { id title body }
  ... on Error { code field message } } }"""
DELETE = """mutation($id: ID!) { deleteCannedResponse(id: $id) {
  __typename ... on Error { code field } } }"""
LIST = "{ cannedResponses { title personal } }"


async def titles(gql, person) -> list[str]:
    return sorted(c["title"] for c in (await gql.data(LIST, token=person.token))["cannedResponses"])


async def test_personal_responses_are_their_owners_alone(gql, world):
    made = await gql.data(
        CREATE,
        {"input": {"title": "My greeting", "body": "Hi {{client_name}},", "personal": True}},
        token=world.staff_x.token,
    )
    mine = made["createCannedResponse"]
    assert (mine["__typename"], mine["personal"]) == ("CannedResponse", True)
    assert await titles(gql, world.staff_x) == ["My greeting"]
    for other in (world.staff_y, world.admin):
        assert await titles(gql, other) == []
    assert await titles(gql, world.client_a) == []

    edit = {"input": {"id": mine["id"], "title": "Hijacked"}}
    for other, code in (
        (world.staff_y, "NOT_FOUND"),
        (world.admin, "NOT_FOUND"),
        (world.client_a, "PERMISSION_DENIED"),
    ):
        refused = (await gql.data(UPDATE, edit, token=other.token))["updateCannedResponse"]
        assert refused["code"] == code
        gone = await gql.data(DELETE, {"id": mine["id"]}, token=other.token)
        assert gone["deleteCannedResponse"]["code"] == code
    assert (await CannedResponse.get(id=int(mine["id"]))).title == "My greeting"

    edited = await gql.data(
        UPDATE,
        {"input": {"id": mine["id"], "title": "Greeting", "body": "Hello {{ client_name }}!"}},
        token=world.staff_x.token,
    )
    assert edited["updateCannedResponse"]["body"] == "Hello {{ client_name }}!"
    deleted = await gql.data(DELETE, {"id": mine["id"]}, token=world.staff_x.token)
    assert deleted["deleteCannedResponse"]["__typename"] == "CannedResponse"


async def test_shared_responses_are_edited_by_admins_only(gql, world):
    shared = await CannedResponse.create(title="Global", body="Thanks!", created_at=now())
    other_dept = await CannedResponse.create(
        title="Billing only", body="b", department_id=world.dept_y.id, created_at=now()
    )
    edit = {"input": {"id": str(shared.id), "body": "Changed"}}
    refused = (await gql.data(UPDATE, edit, token=world.staff_x.token))["updateCannedResponse"]
    assert refused["code"] == "PERMISSION_DENIED"
    hidden = {"input": {"id": str(other_dept.id), "body": "Changed"}}
    refused = (await gql.data(UPDATE, hidden, token=world.staff_x.token))["updateCannedResponse"]
    assert refused["code"] == "NOT_FOUND"
    made = await gql.data(
        CREATE, {"input": {"title": "Shared", "body": "b"}}, token=world.staff_x.token
    )
    assert made["createCannedResponse"]["code"] == "PERMISSION_DENIED"
    assert (await CannedResponse.get(id=shared.id)).body == "Thanks!"

    done = (await gql.data(UPDATE, edit, token=world.admin.token))["updateCannedResponse"]
    assert done["body"] == "Changed"


async def test_an_unknown_placeholder_is_refused_with_the_known_ones(gql, world):
    refused = (
        await gql.data(
            CREATE,
            {"input": {"title": "T", "body": "Dear {{customer}}, re {{ subject }} {{tciket}}"}},
            token=world.admin.token,
        )
    )["createCannedResponse"]
    assert (refused["code"], refused["field"]) == ("VALIDATION_ERROR", "body")
    assert refused["message"] == (
        "Unknown placeholder {{customer}}, {{tciket}}. Known placeholders: {{client_name}}, "
        "{{client_email}}, {{ticket_number}}, {{subject}}, {{department}}, {{staff_name}}."
    )
    assert await CannedResponse.all().count() == 0

    row = await CannedResponse.create(title="Fine", body="{{staff_name}}", created_at=now())
    bad = {"input": {"id": str(row.id), "body": "Hi {{name}}"}}
    refused = (await gql.data(UPDATE, bad, token=world.admin.token))["updateCannedResponse"]
    assert refused["field"] == "body"
    assert (await CannedResponse.get(id=row.id)).body == "{{staff_name}}"

    personal_in_dept = {
        "input": {"title": "P", "body": "b", "personal": True, "departmentId": str(world.dept_x.id)}
    }
    refused = (await gql.data(CREATE, personal_in_dept, token=world.staff_x.token))[
        "createCannedResponse"
    ]
    assert refused["field"] == "departmentId"
