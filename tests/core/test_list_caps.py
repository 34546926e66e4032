"""The lists that are not paged stay short: API tokens, departments and canned responses are
capped when created, with a typed error naming the limit, and nothing is written past it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from app.errors import ValidationFailed
from app.infra import clock
from app.models import AuthToken, CannedResponse, Department, Tag, TokenKind
from app.services import accounts, canned, directory, tags
from app.services.accounts import MAX_API_TOKENS
from app.services.canned import MAX_CANNED_RESPONSES
from app.services.directory import MAX_DEPARTMENTS
from app.services.tags import MAX_TAGS

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


# --- two creates racing at the cap ---------------------------------------------------------


async def _fill(kind: str, world, room: int) -> tuple[int, Callable[[int], Awaitable[object]]]:
    """Fill ``kind`` up to ``room`` short of its cap; returns the cap and a create (its
    argument makes each call distinct)."""
    now = clock.now()
    if kind == "api tokens":
        await AuthToken.bulk_create(
            [
                AuthToken(
                    user_id=world.staff_x.id,
                    kind=TokenKind.API,
                    name=f"ci {i}",
                    token_hash=f"{i:064d}",
                    created_at=now,
                )
                for i in range(MAX_API_TOKENS - room)
            ]
        )
        return MAX_API_TOKENS, lambda i: accounts.create_api_token(
            actor=world.staff_x.actor, name=f"racing {i}"
        )
    if kind == "departments":
        existing = await Department.all().count()
        await Department.bulk_create(
            [
                Department(name=f"Dept {i}", created_at=now)
                for i in range(MAX_DEPARTMENTS - room - existing)
            ]
        )
        return MAX_DEPARTMENTS, lambda i: directory.create_department(
            actor=world.admin.actor, name=f"Racing {i}"
        )
    if kind == "canned responses":
        await CannedResponse.bulk_create(
            [
                CannedResponse(title=f"Reply {i}", body="b", created_at=now)
                for i in range(MAX_CANNED_RESPONSES - room)
            ]
        )
        return MAX_CANNED_RESPONSES, lambda i: canned.create_canned(
            actor=world.admin.actor, title=f"Racing {i}", body="b"
        )
    await Tag.bulk_create(
        [
            Tag(name=f"t{i}", name_key=f"t{i}", color="#000000", created_at=now)
            for i in range(MAX_TAGS - room)
        ]
    )
    return MAX_TAGS, lambda i: tags.create_tag(
        actor=world.admin.actor, name=f"racing {i}", color="#000000"
    )


async def _count(kind: str, world) -> int:
    if kind == "api tokens":
        live = AuthToken.filter(user_id=world.staff_x.id, kind=TokenKind.API, revoked_at=None)
        return await live.count()
    model = {"departments": Department, "canned responses": CannedResponse}.get(kind, Tag)
    return await model.all().count()


@pytest.mark.parametrize("kind", ["api tokens", "departments", "canned responses", "tags"])
async def test_two_creates_racing_for_the_last_place_under_a_cap_make_one(world, kind):
    """One place left and two creates at once (PostgreSQL: two connections; each counts,
    then inserts): one is made, the other refused with the cap's message; never one more."""
    cap, create = await _fill(kind, world, room=1)
    for round_ in range(3):
        results = await asyncio.gather(
            create(2 * round_), create(2 * round_ + 1), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, ValidationFailed)]
        made = [r for r in results if not isinstance(r, BaseException)]
        assert len(made) == (1 if round_ == 0 else 0), results
        assert len(refused) == (1 if round_ == 0 else 2), results
        assert all(str(cap) in " ".join(r.errors.values()) for r in refused)
        assert await _count(kind, world) == cap
