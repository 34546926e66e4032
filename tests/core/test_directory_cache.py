"""Departments and users are kept in each app (app.services.directory_cache) under the actor
generation: two app instances over one database and one Redis, each with its own cache, the
change made through one is seen by the other's very next request, and access is never widened
by what the other kept (a staff member taken out of a department loses its tickets at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers import open_as
from redis.asyncio import Redis

from app.auth.credentials import forget_cached_actors
from app.config import get_settings
from app.infra import actor_generation
from app.main import create_app
from app.models import Department, User

PAGE = """
query($n: Int!) {
  departments { name }
  users(role: STAFF) { edges { node { name active } } }
  ticket(number: $n) { department { name } client { name }
    messages(first: 10) { edges { node { author { name } } } } }
}
"""
STAFF_PAGE = "query($n: Int!) { departments { name } ticket(number: $n) { number } }"
UPDATE_USER = """
mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { name active } ... on Error { code message } } }
"""
UPDATE_DEPARTMENT = """
mutation($input: UpdateDepartmentInput!) { updateDepartment(input: $input) {
  __typename ... on Department { name } ... on Error { code message } } }
"""


class App:
    def __init__(self) -> None:
        self.app = create_app(get_settings(), manage_db=False)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://test"
        )

    @property
    def kept(self) -> Any:
        return self.app.state.helpdesk.directory

    async def ask(self, query: str, token: str, variables: dict[str, Any] | None = None) -> Any:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def close(self) -> None:
        await self.http.aclose()
        await self.app.state.helpdesk.redis.aclose()


@pytest.fixture
async def apps(redis: Redis, world: Any) -> AsyncIterator[tuple[App, App]]:
    """Two apps on the suite's database and Redis (actor generation on), caches empty."""
    saved = actor_generation.configured()
    actor_generation.configure(redis)
    forget_cached_actors()
    a, b = App(), App()
    yield a, b
    await a.close()
    await b.close()
    actor_generation.configure(saved)
    forget_cached_actors()


def _names(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "departments": [d["name"] for d in data["departments"]],
        "staff": {e["node"]["name"]: e["node"]["active"] for e in data["users"]["edges"]},
        "ticket_department": data["ticket"]["department"]["name"],
        "client": data["ticket"]["client"]["name"],
        "authors": [e["node"]["author"]["name"] for e in data["ticket"]["messages"]["edges"]],
    }


async def test_b_keeps_what_it_read_until_a_write_through_a_bumps_the_generation(apps, world):
    a, b = apps
    ticket = await open_as(world.client_a, world.dept_x)
    admin = world.admin.token
    first = await b.ask(PAGE, admin, {"n": ticket.number})
    assert "errors" not in first, first
    seen = _names(first["data"])
    assert seen["departments"] == ["Billing", "Support"]
    assert seen["client"] == "Alice Client" and seen["authors"] == ["Alice Client"]
    assert b.kept._departments is not None  # kept by B, not by A
    assert a.kept._departments is None

    # Changed behind the services' back (no bump): B answers the lists from what it kept
    # (the ticket's own department and client are read with the ticket, every time) ...
    await Department.filter(id=world.dept_x.id).update(name="Hidden")
    await User.filter(id=world.staff_x.id).update(name="Hidden")
    again = _names((await b.ask(PAGE, admin, {"n": ticket.number}))["data"])
    assert again["departments"] == seen["departments"] and again["staff"] == seen["staff"]
    assert again["ticket_department"] == "Hidden"
    await Department.filter(id=world.dept_x.id).update(name="Support")
    await User.filter(id=world.staff_x.id).update(name="Xavier Staff")

    # ... and a rename through A is seen by B's very next request.
    renamed = await a.ask(
        UPDATE_DEPARTMENT, admin, {"input": {"id": str(world.dept_x.id), "name": "Helpdesk"}}
    )
    assert renamed["data"]["updateDepartment"]["name"] == "Helpdesk"
    renamed = await a.ask(
        UPDATE_USER, admin, {"input": {"id": str(world.client_a.id), "name": "Alice Renamed"}}
    )
    assert renamed["data"]["updateUser"]["name"] == "Alice Renamed"
    now = _names((await b.ask(PAGE, admin, {"n": ticket.number}))["data"])
    assert now["departments"] == ["Billing", "Helpdesk"]
    assert now["ticket_department"] == "Helpdesk"
    assert now["client"] == "Alice Renamed" and now["authors"] == ["Alice Renamed"]
    renamed = await a.ask(
        UPDATE_USER, admin, {"input": {"id": str(world.staff_x.id), "name": "Xavier Renamed"}}
    )
    assert renamed["data"]["updateUser"]["name"] == "Xavier Renamed"
    assert _names((await b.ask(PAGE, admin, {"n": ticket.number}))["data"])["staff"] == {
        "Xavier Renamed": True,
        "Yolanda Staff": True,
    }


async def test_a_deactivation_through_a_is_seen_by_bs_next_request(apps, world):
    a, b = apps
    ticket = await open_as(world.client_a, world.dept_x)
    admin = world.admin.token
    before = _names((await b.ask(PAGE, admin, {"n": ticket.number}))["data"])
    assert before["staff"] == {"Xavier Staff": True, "Yolanda Staff": True}
    assert (await b.ask(STAFF_PAGE, world.staff_x.token, {"n": ticket.number}))["data"][
        "ticket"
    ] == {"number": ticket.number}

    off = await a.ask(UPDATE_USER, admin, {"input": {"id": str(world.staff_x.id), "active": False}})
    assert off["data"]["updateUser"]["active"] is False
    after = _names((await b.ask(PAGE, admin, {"n": ticket.number}))["data"])
    assert after["staff"] == {"Xavier Staff": False, "Yolanda Staff": True}
    # The token no longer resolves: an anonymous reader, who sees nothing.
    refused = await b.ask(STAFF_PAGE, world.staff_x.token, {"n": ticket.number})
    assert refused["data"] == {"departments": [], "ticket": None}, refused


async def test_staff_taken_out_of_a_department_through_a_lose_it_on_bs_next_request(apps, world):
    a, b = apps
    ticket = await open_as(world.client_a, world.dept_x)
    staff = world.staff_x.token
    for _ in range(2):  # B has kept the staff member's actor and the departments
        seen = (await b.ask(STAFF_PAGE, staff, {"n": ticket.number}))["data"]
        assert seen == {"departments": [{"name": "Support"}], "ticket": {"number": ticket.number}}

    moved = await a.ask(
        UPDATE_USER,
        world.admin.token,
        {"input": {"id": str(world.staff_x.id), "departmentIds": [str(world.dept_y.id)]}},
    )
    assert moved["data"]["updateUser"]["__typename"] == "User", moved
    now = (await b.ask(STAFF_PAGE, staff, {"n": ticket.number}))["data"]
    assert now == {"departments": [{"name": "Billing"}], "ticket": None}


async def test_a_change_through_an_app_is_seen_by_its_own_next_query(apps, world):
    a, _ = apps
    admin = world.admin.token
    await a.ask("{ departments { name } }", admin)
    assert a.kept._departments is not None
    await Department.filter(id=world.dept_x.id).update(name="Changed by hand")
    # A query still answers what A kept (no bump) ...
    kept = await a.ask("{ departments { name } }", admin)
    assert [d["name"] for d in kept["data"]["departments"]] == ["Billing", "Support"]
    # ... a change through the app empties it: its next query reads the database.
    answer = await a.ask(
        UPDATE_DEPARTMENT, admin, {"input": {"id": str(world.dept_y.id), "name": "Invoices"}}
    )
    assert answer["data"]["updateDepartment"]["name"] == "Invoices"
    now = await a.ask("{ departments { name } }", admin)
    assert [d["name"] for d in now["data"]["departments"]] == ["Changed by hand", "Invoices"]
