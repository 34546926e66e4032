"""Customer context: a client's other tickets on the staff ticket page, the Clients page and a
client's page, each within what the viewer may see; clients and the anonymous reach none."""

from __future__ import annotations

import pytest
from helpers import open_as

from app.models import Role, Ticket, TicketStatus
from tests.conftest import make_person

PERSONAS = ["anonymous", "client_a", "client_b", "staff_x", "staff_y", "admin"]

CLIENTS = """query($search: String, $first: Int, $after: String) {
  clients(search: $search, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name email ticketCount lastActivityAt counts { status count } } } } }"""
CLIENT = "query($id: ID!) { client(id: $id) { id name email ticketCount } }"
CONTEXT = """query($number: Int!) { ticket(number: $number) {
  number clientTickets { total counts { status count } recent { number subject status } } } }"""
LIST = """query($filter: TicketFilter) {
  tickets(filter: $filter, first: 100, sort: {field: NUMBER, direction: ASC}) {
    totalCount edges { node { number } } } }"""


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


@pytest.fixture
async def tickets(world) -> dict[str, Ticket]:
    """Alice: three in X (one closed) and one in Y. Bob: one in Y. Carol: none."""
    found = {
        "a_x1": await open_as(world.client_a, world.dept_x, subject="Printer jam"),
        "a_x2": await open_as(world.client_a, world.dept_x, subject="Toner low"),
        "a_x3": await open_as(world.client_a, world.dept_x, subject="Old one"),
        "a_y": await open_as(world.client_a, world.dept_y, subject="Invoice wrong"),
        "b_y": await open_as(world.client_b, world.dept_y, subject="Refund please"),
    }
    await Ticket.filter(id=found["a_x3"].id).update(status=TicketStatus.CLOSED)
    await make_person("Carol Client", "carol@example.org", Role.CLIENT)
    return found


def counts(found: dict) -> dict[str, int]:
    return {c["status"]: c["count"] for c in found["counts"] if c["count"]}


# The client's other tickets on the ticket page ---------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_sees_a_clients_other_tickets(gql, world, tickets, persona):
    number = tickets["a_x1"].number
    data = await gql.data(CONTEXT, {"number": number}, token=token_of(world, persona))
    ticket = data["ticket"]
    if persona in ("anonymous", "client_b", "staff_y"):
        assert ticket is None  # not theirs to see at all
        return
    if persona == "client_a":
        assert ticket["clientTickets"] is None  # clients never reach it, even on their own
        return
    found = ticket["clientTickets"]
    others = [t["number"] for t in found["recent"]]
    if persona == "staff_x":
        # Only the other tickets in X: nothing of the one in Y, not even in the counts.
        assert sorted(others) == sorted([tickets["a_x2"].number, tickets["a_x3"].number])
        assert (found["total"], counts(found)) == (2, {"OPEN": 1, "CLOSED": 1})
    else:
        expected = [tickets[k].number for k in ("a_x2", "a_x3", "a_y")]
        assert sorted(others) == sorted(expected)
        assert (found["total"], counts(found)) == (3, {"OPEN": 2, "CLOSED": 1})
    assert number not in others
    assert [c["status"] for c in found["counts"]] == [
        "OPEN",
        "CUSTOMER_REPLY",
        "IN_PROGRESS",
        "ON_HOLD",
        "ANSWERED",
        "CLOSED",
    ]


async def test_the_panel_lists_the_last_ten_by_activity(gql, world):
    opened = [await open_as(world.client_a, world.dept_x, subject=f"Ticket {i}") for i in range(13)]
    data = await gql.data(CONTEXT, {"number": opened[0].number}, token=world.staff_x.token)
    found = data["ticket"]["clientTickets"]
    assert found["total"] == 12
    assert [t["number"] for t in found["recent"]] == [t.number for t in reversed(opened[3:])]


# The Clients page ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_lists_which_clients(gql, world, tickets, persona):
    data = await gql.data(CLIENTS, {}, token=token_of(world, persona))
    rows = {e["node"]["name"]: e["node"]["ticketCount"] for e in data["clients"]["edges"]}
    assert (
        rows
        == {
            "anonymous": {},
            "client_a": {},
            "client_b": {},
            # Clients with a ticket in their departments, counting only those tickets.
            "staff_x": {"Alice Client": 3},
            "staff_y": {"Alice Client": 1, "Bob Client": 1},
            # Every client, with every ticket; staff and admins are not clients.
            "admin": {"Alice Client": 4, "Bob Client": 1, "Carol Client": 0},
        }[persona]
    )


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("carol", ["Carol Client"]),
        ("CLIENT", ["Alice Client", "Bob Client", "Carol Client"]),
        ("@example.org", ["Carol Client"]),
        ("bob@exa", ["Bob Client"]),
        ("nobody", []),
        ("  ", ["Alice Client", "Bob Client", "Carol Client"]),
    ],
)
async def test_the_clients_page_searches_names_and_addresses(gql, world, tickets, search, names):
    data = await gql.data(CLIENTS, {"search": search}, token=world.admin.token)
    assert [e["node"]["name"] for e in data["clients"]["edges"]] == names


async def test_a_search_finds_no_client_outside_the_staff_members_scope(gql, world, tickets):
    data = await gql.data(CLIENTS, {"search": "bob"}, token=world.staff_x.token)
    assert data["clients"]["edges"] == []


async def test_the_clients_page_pages_by_name(gql, world, tickets):
    first = await gql.data(CLIENTS, {"first": 2}, token=world.admin.token)
    page = first["clients"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Alice Client", "Bob Client"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    second = await gql.data(CLIENTS, {"first": 2, "after": after}, token=world.admin.token)
    assert [e["node"]["name"] for e in second["clients"]["edges"]] == ["Carol Client"]
    assert second["clients"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "garbage"}, "after"),
        ({"search": "x" * 101}, "search"),
    ],
)
async def test_bad_clients_queries_are_typed_errors(gql, world, variables, field):
    body = await gql(CLIENTS, variables, token=world.admin.token)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == field


# A client's page -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_opens_a_clients_page(gql, world, tickets, persona):
    token = token_of(world, persona)
    alice = (await gql.data(CLIENT, {"id": str(world.client_a.id)}, token=token))["client"]
    bob = (await gql.data(CLIENT, {"id": str(world.client_b.id)}, token=token))["client"]
    staff = (await gql.data(CLIENT, {"id": str(world.staff_x.id)}, token=token))["client"]
    missing = (await gql.data(CLIENT, {"id": "999999"}, token=token))["client"]
    assert staff is None and missing is None  # only clients are clients
    got = {
        name: (found["ticketCount"] if found else None)
        for name, found in (("alice", alice), ("bob", bob))
    }
    assert (
        got
        == {
            "anonymous": {"alice": None, "bob": None},
            "client_a": {"alice": None, "bob": None},  # not even their own
            "client_b": {"alice": None, "bob": None},
            "staff_x": {"alice": 3, "bob": None},  # Bob has nothing in X: answers as missing
            "staff_y": {"alice": 1, "bob": 1},
            "admin": {"alice": 4, "bob": 1},
        }[persona]
    )
    if alice is not None:
        assert alice["email"] == "alice@example.com"


@pytest.mark.parametrize("persona", PERSONAS)
async def test_the_list_filtered_to_one_client(gql, world, tickets, persona):
    body = await gql(
        LIST, {"filter": {"clientId": str(world.client_a.id)}}, token=token_of(world, persona)
    )
    if persona == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
        return
    numbers = [e["node"]["number"] for e in body["data"]["tickets"]["edges"]]
    a = {k: tickets[k].number for k in ("a_x1", "a_x2", "a_x3", "a_y")}
    assert (
        numbers
        == {
            "client_a": sorted(a.values()),
            "client_b": [],  # another client's tickets: nothing, as for a client without any
            "staff_x": sorted([a["a_x1"], a["a_x2"], a["a_x3"]]),
            "staff_y": [a["a_y"]],
            "admin": sorted(a.values()),
        }[persona]
    )


async def test_a_malformed_client_id_answers_like_a_missing_one(gql, world, tickets):  # type: ignore[no-untyped-def]
    missing = await gql(CLIENT, {"id": "99999"}, token=world.admin.token)
    assert missing == {"data": {"client": None}}
    for malformed in ("abc", "0", "-1", "1.5", "", "٣", "9" * 5000, str(2**31)):
        body = await gql(CLIENT, {"id": malformed}, token=world.admin.token)
        assert body == missing, (malformed[:20], body)
    found = await gql.data(CLIENT, {"id": str(world.client_a.id)}, token=world.admin.token)
    assert found["client"]["name"] == "Alice Client"
