"""Optimistic concurrency on what admins edit (departments, users, canned responses, tags, SLA
policies, business hours, escalation rules, settings): every save bumps the record's version; a
save naming an older version (expectedVersion) is refused with CONFLICT on expectedVersion and
changes nothing; leaving it out saves as before. Only admins may save (the other four personas
are refused, also with the right version); of two saves made on one version at once, one wins."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app.infra.clock import now
from app.models import CannedResponse, Tag

ERROR = "... on Error { code field message }"


@dataclass(frozen=True)
class Case:
    """One kind of record: how to make one (its id), the mutation that saves a text/number
    ``value`` with an optional version, and the query that reads (value, version) back."""

    name: str
    make: Callable[[Any, Any], Awaitable[str]]
    save: str
    field: str
    read: Callable[[Any, Any, str], Awaitable[tuple[Any, int]]]
    values: tuple[Any, Any, Any]


async def _dept(gql, world) -> str:  # type: ignore[no-untyped-def]
    return str(world.dept_x.id)


async def _user(gql, world) -> str:  # type: ignore[no-untyped-def]
    return str(world.staff_x.user.id)


async def _canned(gql, world) -> str:  # type: ignore[no-untyped-def]
    row = await CannedResponse.create(title="Hello", body="Hi there", created_at=now())
    return str(row.id)


async def _tag(gql, world) -> str:  # type: ignore[no-untyped-def]
    row = await Tag.create(name="vip", name_key="vip", color="#112233", created_at=now())
    return str(row.id)


SLA_SAVE = f"""mutation($id: ID!, $value: Int!, $v: Int) {{ setSlaPolicy(input: {{
  departmentId: $id, priority: HIGH, firstResponseMinutes: $value, expectedVersion: $v }}) {{
  __typename ... on SlaPolicy {{ version }} {ERROR} }} }}"""
HOURS_SAVE = f"""mutation($id: ID!, $value: String!, $v: Int) {{ setBusinessHours(input: {{
  departmentId: $id, timezone: $value, windows: [{{weekday: 1, opens: "09:00", closes: "17:00"}}],
  expectedVersion: $v }}) {{ __typename ... on BusinessHours {{ version }} {ERROR} }} }}"""
RULE_INPUT = "{ name: $value, target: FIRST_RESPONSE, atPercent: 80, notifyAdmins: true }"


async def _sla(gql, world) -> str:  # type: ignore[no-untyped-def]
    made = await gql.data(
        SLA_SAVE, {"id": str(world.dept_x.id), "value": 60}, token=world.admin.token
    )
    assert made["setSlaPolicy"]["version"] == 1
    return str(world.dept_x.id)


async def _hours(gql, world) -> str:  # type: ignore[no-untyped-def]
    made = await gql.data(
        HOURS_SAVE, {"id": str(world.dept_x.id), "value": "UTC"}, token=world.admin.token
    )
    assert made["setBusinessHours"]["version"] == 1
    return str(world.dept_x.id)


async def _rule(gql, world) -> str:  # type: ignore[no-untyped-def]
    made = await gql.data(
        f"""mutation($value: String!) {{ createEscalationRule(input: {RULE_INPUT}) {{
        ... on EscalationRule {{ id }} {ERROR} }} }}""",
        {"value": "Nudge"},
        token=world.admin.token,
    )
    return str(made["createEscalationRule"]["id"])


async def _settings(gql, world) -> str:  # type: ignore[no-untyped-def]
    return ""


def _read(query: str, path: str, key: str, by: str = "id"):  # type: ignore[no-untyped-def]
    async def read(gql, world, id_: str) -> tuple[Any, int]:  # type: ignore[no-untyped-def]
        data = (await gql.data(query, token=world.admin.token))[path]
        if isinstance(data, dict) and "edges" in data:
            data = [edge["node"] for edge in data["edges"]]
        if isinstance(data, dict):
            return data[key], data["version"]
        [item] = [i for i in data if str(i[by]) == id_]
        return item[key], item["version"]

    return read


CASES = [
    Case(
        "department",
        _dept,
        f"""mutation($id: ID!, $value: String!, $v: Int) {{ updateDepartment(input: {{
        id: $id, name: $value, expectedVersion: $v }}) {{
        __typename ... on Department {{ version }} {ERROR} }} }}""",
        "updateDepartment",
        _read("{ departments { id name version } }", "departments", "name"),
        ("Support desk", "Stale name", "Help desk"),
    ),
    Case(
        "user",
        _user,
        f"""mutation($id: ID!, $value: String!, $v: Int) {{ updateUser(input: {{
        id: $id, name: $value, expectedVersion: $v }}) {{
        __typename ... on User {{ version }} {ERROR} }} }}""",
        "updateUser",
        _read("{ users(first: 50) { edges { node { id name version } } } }", "users", "name"),
        ("Xavier S.", "Stale name", "Xavier Staff"),
    ),
    Case(
        "canned response",
        _canned,
        f"""mutation($id: ID!, $value: String!, $v: Int) {{ updateCannedResponse(input: {{
        id: $id, title: $value, expectedVersion: $v }}) {{
        __typename ... on CannedResponse {{ version }} {ERROR} }} }}""",
        "updateCannedResponse",
        _read("{ cannedResponses { id title version } }", "cannedResponses", "title"),
        ("Greeting", "Stale title", "Welcome"),
    ),
    Case(
        "tag",
        _tag,
        f"""mutation($id: ID!, $value: String!, $v: Int) {{ updateTag(input: {{
        id: $id, name: $value, expectedVersion: $v }}) {{
        __typename ... on Tag {{ version }} {ERROR} }} }}""",
        "updateTag",
        _read("{ tags { id name version } }", "tags", "name"),
        ("gold", "stale", "platinum"),
    ),
    Case(
        "SLA policy",
        _sla,
        SLA_SAVE,
        "setSlaPolicy",
        _read(
            "{ slaPolicies { departmentId firstResponseMinutes version } }",
            "slaPolicies",
            "firstResponseMinutes",
            by="departmentId",
        ),
        (30, 999, 45),
    ),
    Case(
        "business hours",
        _hours,
        HOURS_SAVE,
        "setBusinessHours",
        _read(
            "{ businessHours { departmentId timezone version } }",
            "businessHours",
            "timezone",
            by="departmentId",
        ),
        ("Europe/Berlin", "Asia/Tokyo", "Europe/Paris"),
    ),
    Case(
        "escalation rule",
        _rule,
        f"""mutation($id: ID!, $value: String!, $v: Int) {{ updateEscalationRule(id: $id,
        input: {RULE_INPUT}, expectedVersion: $v) {{
        __typename ... on EscalationRule {{ version }} {ERROR} }} }}""",
        "updateEscalationRule",
        _read("{ escalationRules { id name version } }", "escalationRules", "name"),
        ("Nudge sooner", "Stale", "Nudge later"),
    ),
    Case(
        "settings",
        _settings,
        f"""mutation($value: Int!, $v: Int) {{ setAutoCloseDays(days: $value,
        expectedVersion: $v) {{ __typename ... on HelpdeskSettings {{ version }} {ERROR} }} }}""",
        "setAutoCloseDays",
        _read("{ settings { autoCloseDays version } }", "settings", "autoCloseDays"),
        (10, 99, 20),
    ),
]


def _vars(id_: str, value: Any, version: int | None) -> dict[str, Any]:
    variables: dict[str, Any] = {"value": value, "v": version}
    if id_:
        variables["id"] = id_
    return variables


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_a_stale_save_is_refused_and_changes_nothing(gql, world, case: Case) -> None:
    id_ = await case.make(gql, world)
    _, seen = await case.read(gql, world, id_)
    first, stale, last = case.values
    saved = await gql.data(case.save, _vars(id_, first, seen), token=world.admin.token)
    assert saved[case.field]["version"] == seen + 1
    assert await case.read(gql, world, id_) == (first, seen + 1)

    # The second admin saves on the version they loaded: refused, typed, nothing changed.
    refused = (await gql.data(case.save, _vars(id_, stale, seen), token=world.admin.token))[
        case.field
    ]
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "Conflict",
        "CONFLICT",
        "expectedVersion",
    )
    assert "changed by someone else" in refused["message"]
    assert await case.read(gql, world, id_) == (first, seen + 1)

    # Without expectedVersion a save goes through as before (and still bumps the version).
    again = await gql.data(case.save, _vars(id_, last, None), token=world.admin.token)
    assert again[case.field]["version"] == seen + 2
    assert await case.read(gql, world, id_) == (last, seen + 2)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_only_admins_save_even_with_the_right_version(gql, world, case: Case) -> None:
    id_ = await case.make(gql, world)
    before = await case.read(gql, world, id_)
    for person in (world.client_a, world.client_b, world.staff_x, world.staff_y):
        answer = await gql(case.save, _vars(id_, case.values[1], before[1]), token=person.token)
        refused = (answer.get("data") or {}).get(case.field)
        code = refused["code"] if refused else answer["errors"][0]["extensions"]["code"]
        assert code == "PERMISSION_DENIED", (person, answer)
    assert await case.read(gql, world, id_) == before


@pytest.mark.parametrize("case", CASES[:4], ids=lambda c: c.name)
async def test_of_two_saves_on_one_version_at_once_one_wins(gql, world, case: Case) -> None:
    id_ = await case.make(gql, world)
    _, seen = await case.read(gql, world, id_)
    first, stale, _ = case.values
    answers = await asyncio.gather(
        gql.data(case.save, _vars(id_, first, seen), token=world.admin.token),
        gql.data(case.save, _vars(id_, stale, seen), token=world.admin.token),
    )
    kinds = [a[case.field]["__typename"] for a in answers]
    assert kinds.count("Conflict") == 1, answers
    value, version = await case.read(gql, world, id_)
    assert version == seen + 1
    [won] = [
        v
        for a, v in zip(answers, (first, stale), strict=True)
        if a[case.field]["__typename"] != "Conflict"
    ]
    assert value == won
