"""The user list is a connection: by name then id, a page at a time (at most 100), however many
clients mail has created; staff still see only the staff of their departments."""

from __future__ import annotations

import base64
import json

from app.infra import clock
from app.models import Role, User

USERS = """
query($role: Role, $d: ID, $first: Int, $after: String) {
  users(role: $role, departmentId: $d, first: $first, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id name role } } } }
"""
CLIENTS = 130  # more than the largest page


async def _all_pages(gql, token, **variables):  # type: ignore[no-untyped-def]
    names, after, pages = [], None, 0
    while True:
        data = await gql.data(USERS, {**variables, "after": after}, token=token)
        page = data["users"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        names += [(e["node"]["name"], int(e["node"]["id"])) for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            return names, pages
        after = page["pageInfo"]["endCursor"]


async def test_an_admin_pages_through_every_user(gql, world):
    # Same names on purpose: the id breaks the tie, so no one is skipped or shown twice.
    await User.bulk_create(
        [
            User(
                name=f"Mail Client {i % 7}",
                email=f"client{i}@example.com",
                role=Role.CLIENT,
                created_at=clock.now(),
            )
            for i in range(CLIENTS)
        ]
    )
    first = await gql.data(USERS, {}, token=world.admin.token)
    assert len(first["users"]["edges"]) == 50  # the default page, not everyone
    everyone, pages = await _all_pages(gql, world.admin.token, first=100)
    assert pages == 2
    assert len(everyone) == CLIENTS + 5
    assert everyone == sorted(everyone)  # by name, then id
    assert len(set(everyone)) == len(everyone)
    clients, _ = await _all_pages(gql, world.admin.token, role="CLIENT", first=30)
    assert len(clients) == CLIENTS + 2


async def test_staff_page_through_their_departments_staff_only(gql, world):
    mine, _ = await _all_pages(gql, world.staff_x.token, first=1)
    assert [name for name, _ in mine] == ["Xavier Staff"]
    other, _ = await _all_pages(gql, world.staff_x.token, d=str(world.dept_y.id), first=1)
    assert other == []
    client = await gql.data(USERS, {}, token=world.client_a.token)
    assert client["users"]["edges"] == []


def _cursor(*key: object) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_user_pages_refuse_what_the_other_lists_refuse(gql, world):
    forged = [
        "nope",
        _cursor("message", 1),
        _cursor("user", 1, 1),
        _cursor("user", "Ada", "1"),
        _cursor("user", "Ada", 2**40),
        _cursor("user", "Ada", True),
        _cursor("user", "Ada"),
        _cursor("user", "Ada\x00", 1),
    ]
    for variables in [{"first": 101}, {"first": 0}, *({"after": c} for c in forged)]:
        body = await gql(USERS, variables, token=world.admin.token)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", variables
    # A real cursor goes on after that user.
    page = await gql.data(USERS, {"first": 1}, token=world.admin.token)
    rest = await gql.data(
        USERS, {"after": page["users"]["pageInfo"]["endCursor"]}, token=world.admin.token
    )
    names = [e["node"]["name"] for e in rest["users"]["edges"]]
    assert names == ["Alice Client", "Bob Client", "Xavier Staff", "Yolanda Staff"]
