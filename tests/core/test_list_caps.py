"""The lists that are not paged stay short: API tokens, departments and canned responses are
capped when created, with a typed error naming the limit, and nothing is written past it."""

from __future__ import annotations

from app.infra import clock
from app.models import AuthToken, CannedResponse, Department, TokenKind
from app.services.accounts import MAX_API_TOKENS
from app.services.canned import MAX_CANNED_RESPONSES
from app.services.directory import MAX_DEPARTMENTS

NEW_TOKEN = """mutation($name: String!) { createApiToken(name: $name) {
  __typename ... on NewApiToken { apiToken { id } } ... on Error { code field message } } }"""
REVOKE = "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }"
CREATE_DEPT = """mutation($name: String!) { createDepartment(input: {name: $name}) {
  __typename ... on Department { id } ... on Error { code field message } } }"""
CANNED = """mutation($title: String!) { createCannedResponse(input: {title: $title, body: "b"}) {
  __typename ... on CannedResponse { id } ... on Error { code field message } } }"""


async def test_a_user_holds_at_most_the_limit_of_api_tokens(gql, world):
    ids = []
    for i in range(MAX_API_TOKENS):
        made = await gql.data(NEW_TOKEN, {"name": f"ci {i}"}, token=world.staff_x.token)
        ids.append(made["createApiToken"]["apiToken"]["id"])
    refused = await gql.data(NEW_TOKEN, {"name": "one more"}, token=world.staff_x.token)
    error = refused["createApiToken"]
    assert (error["code"], error["field"]) == ("VALIDATION_ERROR", "name")
    assert f"{MAX_API_TOKENS} API tokens" in error["message"]
    live = AuthToken.filter(user_id=world.staff_x.id, kind=TokenKind.API, revoked_at=None)
    assert await live.count() == MAX_API_TOKENS
    listed = await gql.data("{ apiTokens { id } }", token=world.staff_x.token)
    assert len(listed["apiTokens"]) == MAX_API_TOKENS
    # Another user is not held back, and revoking one makes room.
    other = await gql.data(NEW_TOKEN, {"name": "mine"}, token=world.staff_y.token)
    assert other["createApiToken"]["__typename"] == "NewApiToken"
    await gql.data(REVOKE, {"id": ids[0]}, token=world.staff_x.token)
    again = await gql.data(NEW_TOKEN, {"name": "one more"}, token=world.staff_x.token)
    assert again["createApiToken"]["__typename"] == "NewApiToken"


async def test_departments_and_canned_responses_are_capped(gql, world):
    existing = await Department.all().count()
    await Department.bulk_create(
        [
            Department(name=f"Dept {i}", created_at=clock.now())
            for i in range(MAX_DEPARTMENTS - existing)
        ]
    )
    refused = (await gql.data(CREATE_DEPT, {"name": "One more"}, token=world.admin.token))[
        "createDepartment"
    ]
    assert (refused["code"], refused["field"]) == ("VALIDATION_ERROR", "name")
    assert f"{MAX_DEPARTMENTS} departments" in refused["message"]
    assert await Department.all().count() == MAX_DEPARTMENTS

    await CannedResponse.bulk_create(
        [
            CannedResponse(title=f"Reply {i}", body="b", created_at=clock.now())
            for i in range(MAX_CANNED_RESPONSES)
        ]
    )
    refused = (await gql.data(CANNED, {"title": "One more"}, token=world.admin.token))[
        "createCannedResponse"
    ]
    assert (refused["code"], refused["field"]) == ("VALIDATION_ERROR", "title")
    assert f"{MAX_CANNED_RESPONSES} canned responses" in refused["message"]
    assert await CannedResponse.all().count() == MAX_CANNED_RESPONSES
