"""A cursor comes back from the client and may be forged: every cursor-paged list refuses one
that is too long, nested, or holds a text longer than its column with a typed error on
``after`` (logging nothing at ERROR, never echoing the value), and still pages on with the
cursors it hands out, the longest included."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from app.config import Settings
from app.infra import clock
from app.models import Role, TicketPriority, User
from app.services import messages
from app.services import tickets as ticket_service
from tests.core.helpers import open_as

SORTS = {  # a sort, and the longest text its column holds (0: not a text)
    "NUMBER": 0,
    "SUBJECT": 255,
    "CLIENT": 200,
    "DEPARTMENT": 100,
    "STATUS": 0,
    "PRIORITY": 0,
    "LAST_ACTIVITY": 0,
    "CREATED": 0,
    "ASSIGNEE": 200,
    "SLA_DUE": 0,
}
TICKETS = """query($a: String, $f: Int, $s: TicketSortField!, $d: SortDirection!) {
  tickets(first: $f, after: $a, sort: {field: $s, direction: $d}) {
    pageInfo { hasNextPage endCursor } edges { node { number } } } }"""
SEARCHED = """query($a: String, $f: Int, $d: SortDirection!) {
  tickets(first: $f, after: $a, filter: {search: "printer"}, sort: {field: RELEVANCE, direction: $d}) {
    pageInfo { hasNextPage endCursor } edges { node { number } } } }"""
CLIENTS = """query($a: String, $f: Int) { clients(first: $f, after: $a) {
  pageInfo { hasNextPage endCursor } edges { node { id name } } } }"""
USERS = """query($a: String, $f: Int) { users(first: $f, after: $a) {
  pageInfo { hasNextPage endCursor } edges { node { id name } } } }"""
MESSAGES = """query($a: String, $f: Int, $n: Int!) { ticket(number: $n) {
  messages(first: $f, after: $a) { pageInfo { hasNextPage endCursor } edges { node { id } } } } }"""
AUDIT = """query($a: String, $f: Int, $n: Int!) { ticket(number: $n) {
  auditTrail(first: $f, after: $a) {
    pageInfo { hasNextPage endCursor } edges { node { newValue } } } } }"""
INBOUND = """query($a: String, $f: Int) { inboundMail(first: $f, after: $a) {
  pageInfo { hasNextPage endCursor } } }"""
OUTBOUND = """query($a: String, $f: Int) { outboundMail(first: $f, after: $a) {
  pageInfo { hasNextPage endCursor } } }"""
CAUGHT = """query($a: String, $f: Int) { devMailbox { __typename
  ... on DevMailbox { messages(first: $f, after: $a) { pageInfo { hasNextPage } } } } }"""

HUGE = "a" * 100_000


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(*key: object) -> str:
    return _b64(json.dumps(list(key), separators=(",", ":")).encode())


def _nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def _forged(name: str, text_bound: int) -> list[str]:
    """Cursors for the list ``name`` a client could forge; ``text_bound`` the longest text
    its sort value may be (0: the value is no text)."""
    forged = [
        _cursor(name, HUGE, 1),  # 100 KB: refused on its length alone
        _cursor(name, 1, HUGE),
        _b64(_nested(100_000).encode()),  # nesting far beyond any decoder's depth
        _b64(_nested(700).encode()),  # short enough to be read: a list in a list
        _b64(f'["{name}",{_nested(700)},1]'.encode()),
        _b64(f'["{name}",1,{_nested(700)}]'.encode()),
        _b64(f"[{_nested(700, json.dumps(name))},1,1]".encode()),
        _cursor(name, "a" * 256, 1),
        _cursor(name, [[["a"]]], 1),
        _cursor(name, {"a": 1}, 1),
        _cursor(name, 1, 1, 1),
    ]
    if text_bound:
        forged += [
            _cursor(name, "a" * (text_bound + 1), 1),
            _cursor(name, "😀" * (text_bound + 1), 1),
        ]
    return forged


async def _refused(gql, query: str, cursors: list[str], token: str, **variables: Any) -> None:  # type: ignore[no-untyped-def]
    for cursor in cursors:
        body = await gql(query, {**variables, "a": cursor}, token=token)
        errors = body.get("errors") or []
        assert errors, (cursor[:80], body)
        assert errors[0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "after"}, (
            cursor[:80],
            errors,
        )
        assert len(json.dumps(body)) < 2_000  # the value is never echoed


async def _pages(gql, query: str, path: list[str], token: str, **variables: Any) -> list[Any]:  # type: ignore[no-untyped-def]
    """Every node of the list, one per page, by the cursors the list hands out."""
    nodes: list[Any] = []
    after = None
    while True:
        data = await gql.data(query, {**variables, "f": 1, "a": after}, token=token)
        for step in path:
            data = data[step]
        nodes += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        after = data["pageInfo"]["endCursor"]
        assert after is not None


@pytest.fixture
async def long_names(world):  # type: ignore[no-untyped-def]
    """Rows whose sort values are as long as their columns hold, in four-byte characters:
    the longest cursors a list hands out."""
    longest = "😀" * 255
    client = await User.create(
        name="😀" * 200, email="long@example.com", role=Role.CLIENT, created_at=clock.now()
    )
    world.dept_y.name = "😀" * 100
    await world.dept_y.save()
    return longest, client


async def test_every_ticket_sort_refuses_forged_cursors_and_pages_with_real_ones(
    gql, world, long_names, caplog
):  # type: ignore[no-untyped-def]
    longest, _ = long_names
    numbers = {(await open_as(world.client_a, world.dept_x, subject=s)).number for s in ("b", "c")}
    numbers.add((await open_as(world.client_a, world.dept_y, subject=longest)).number)
    token = world.admin.token
    with caplog.at_level(logging.ERROR):
        for sort, bound in SORTS.items():
            name = f"ticket.{sort.lower()}"
            for direction in ("ASC", "DESC"):
                await _refused(gql, TICKETS, _forged(name, bound), token, s=sort, d=direction)
                nodes = await _pages(gql, TICKETS, ["tickets"], token, s=sort, d=direction)
                assert sorted(n["number"] for n in nodes) == sorted(numbers), (sort, direction)
        # A search's relevance cursors (a digest of the search and a ticket) alike.
        printers = {
            (await open_as(world.client_a, world.dept_x, subject=f"Printer {i}")).number
            for i in range(3)
        }
        for direction in ("ASC", "DESC"):
            await _refused(gql, SEARCHED, _forged("ticket.relevance", 16), token, d=direction)
            nodes = await _pages(gql, SEARCHED, ["tickets"], token, d=direction)
            assert sorted(n["number"] for n in nodes) == sorted(printers), direction
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_clients_and_users_refuse_forged_cursors_and_page_with_real_ones(
    gql, world, long_names, caplog
):  # type: ignore[no-untyped-def]
    _, client = long_names
    with caplog.at_level(logging.ERROR):
        await _refused(gql, CLIENTS, _forged("client", 200), world.staff_x.token)
        await _refused(gql, CLIENTS, _forged("client", 200), world.admin.token)
        await _refused(gql, USERS, _forged("user", 200), world.admin.token)
        clients = await _pages(gql, CLIENTS, ["clients"], world.admin.token)
        users = await _pages(gql, USERS, ["users"], world.admin.token)
    assert [c["name"] for c in clients] == ["Alice Client", "Bob Client", client.name]
    assert len(users) == 6 and users[-1]["name"] == client.name
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_tickets_messages_audit_and_the_mail_lists_refuse_forged_cursors(
    gql, world, settings: Settings, monkeypatch, caplog
):  # type: ignore[no-untyped-def]
    ticket = await open_as(world.client_a, world.dept_x)
    for body in ("one", "two"):
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, number=ticket.number, body=body, settings=settings
        )
    for priority in (TicketPriority.HIGH, TicketPriority.LOW):
        await ticket_service.update_ticket(
            actor=world.staff_x.actor, number=ticket.number, priority=priority
        )
    monkeypatch.setattr(settings, "smtp_url", None)  # the dev mailbox exists
    token, n = world.admin.token, ticket.number
    with caplog.at_level(logging.ERROR):
        await _refused(gql, MESSAGES, _forged("message", 0), token, n=n)
        await _refused(gql, AUDIT, _forged("audit", 0), token, n=n)
        await _refused(gql, INBOUND, _forged("inbound", 0), token)
        await _refused(gql, OUTBOUND, _forged("outbound", 0), token)
        await _refused(gql, CAUGHT, _forged("caught", 0), token)
        assert len(await _pages(gql, MESSAGES, ["ticket", "messages"], token, n=n)) == 3
        trail = await _pages(gql, AUDIT, ["ticket", "auditTrail"], token, n=n)
        assert [entry["newValue"] for entry in trail] == ["ANSWERED", "HIGH", "LOW"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
