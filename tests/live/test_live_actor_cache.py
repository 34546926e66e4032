"""Each server process keeps the actor a token resolved to; a change made through another
process is seen by the very next request (two real ``helpdesk serve`` processes on one Redis and
database): a revoked token, a deactivated user and a staff member taken out of a department."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from ops import open_ticket
from processes import ServerProcess

pytestmark = pytest.mark.slow

ME = "{ me { id email role } }"
TICKET = "query($n: Int!) { ticket(number: $n) { number subject } }"
LOGOUT = "mutation { logout }"
UPDATE_USER = """
mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on Error { message code } } }
"""


async def ask(base: str, query: str, token: str, variables: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


async def two_servers(start: Any) -> tuple[ServerProcess, ServerProcess]:
    a, b = start("serve"), start("serve")
    assert isinstance(a, ServerProcess) and isinstance(b, ServerProcess)
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    return a, b


async def test_a_token_revoked_on_one_server_is_refused_by_the_next_request_to_another(
    start, world
):
    a, b = await two_servers(start)
    token = world.staff_x.token
    for _ in range(2):  # B has resolved (and kept) the token's actor
        assert (await ask(b.base, ME, token))["data"]["me"]["email"] == "xavier@example.com"
    assert (await ask(a.base, LOGOUT, token))["data"]["logout"] is True
    assert (await ask(b.base, ME, token))["data"]["me"] is None
    assert (await ask(a.base, ME, token))["data"]["me"] is None
    # Other people's tokens kept in B still work.
    assert (await ask(b.base, ME, world.staff_y.token))["data"]["me"]["email"] == (
        "yolanda@example.com"
    )


async def test_a_user_deactivated_on_one_server_is_refused_by_the_next_request_to_another(
    start, world
):
    a, b = await two_servers(start)
    ticket = await open_ticket(world.client_a, world.dept_x)
    variables = {"n": ticket.number}
    for _ in range(2):
        seen = await ask(b.base, TICKET, world.client_a.token, variables)
        assert seen["data"]["ticket"]["number"] == ticket.number
    done = await ask(
        a.base,
        UPDATE_USER,
        world.admin.token,
        {"input": {"id": str(world.client_a.id), "active": False}},
    )
    assert done["data"]["updateUser"]["__typename"] == "User"
    assert (await ask(b.base, ME, world.client_a.token))["data"]["me"] is None
    refused = await ask(b.base, TICKET, world.client_a.token, variables)
    assert refused["data"] is None or refused["data"]["ticket"] is None


async def test_staff_taken_out_of_a_department_on_one_server_lose_its_tickets_on_another(
    start, world
):
    a, b = await two_servers(start)
    ticket = await open_ticket(world.client_a, world.dept_x)
    variables = {"n": ticket.number}
    for _ in range(2):
        seen = await ask(b.base, TICKET, world.staff_x.token, variables)
        assert seen["data"]["ticket"]["number"] == ticket.number
    moved = await ask(
        a.base,
        UPDATE_USER,
        world.admin.token,
        {"input": {"id": str(world.staff_x.id), "departmentIds": [str(world.dept_y.id)]}},
    )
    assert moved["data"]["updateUser"]["__typename"] == "User"
    # Still signed in, but the ticket answers as a missing one would.
    assert (await ask(b.base, ME, world.staff_x.token))["data"]["me"]["email"] == (
        "xavier@example.com"
    )
    assert (await ask(b.base, TICKET, world.staff_x.token, variables))["data"]["ticket"] is None
    # Staff of the department, the admin still see it through B.
    for person in (world.admin,):
        kept = await ask(b.base, TICKET, person.token, variables)
        assert kept["data"]["ticket"]["number"] == ticket.number


DIRECTORY = (
    "{ departments { name } users(role: STAFF) { edges { node { name active } } } me { name } }"
)
UPDATE_DEPARTMENT = """
mutation($input: UpdateDepartmentInput!) { updateDepartment(input: $input) {
  __typename ... on Error { message code } } }
"""


async def test_departments_and_users_kept_by_one_server_are_read_again_after_a_change_on_another(
    start, world
):
    """Each server keeps departments and users (app.services.directory_cache) under the same
    generation as the actors: a rename or a deactivation on A shows on B's next request."""
    a, b = await two_servers(start)
    admin = world.admin.token

    def names(data: dict[str, Any]) -> tuple[list[str], dict[str, bool], str]:
        staff = {e["node"]["name"]: e["node"]["active"] for e in data["users"]["edges"]}
        return [d["name"] for d in data["departments"]], staff, data["me"]["name"]

    for _ in range(2):  # B has read (and kept) them
        seen = names((await ask(b.base, DIRECTORY, admin))["data"])
        assert seen == (
            ["Billing", "Support"],
            {"Xavier Staff": True, "Yolanda Staff": True},
            "Ada Admin",
        )
    changes: list[tuple[str, dict[str, Any]]] = [
        (UPDATE_DEPARTMENT, {"id": str(world.dept_x.id), "name": "Helpdesk"}),
        (UPDATE_USER, {"id": str(world.staff_x.id), "name": "Xavier Renamed"}),
        (UPDATE_USER, {"id": str(world.staff_y.id), "active": False}),
        (UPDATE_USER, {"id": str(world.admin.id), "name": "Ada Renamed"}),
    ]
    for query, values in changes:
        done = await ask(a.base, query, admin, {"input": values})
        assert next(iter(done["data"].values()))["__typename"] in ("User", "Department"), done
    assert names((await ask(b.base, DIRECTORY, admin))["data"]) == (
        ["Billing", "Helpdesk"],
        {"Xavier Renamed": True, "Yolanda Staff": False},
        "Ada Renamed",
    )
