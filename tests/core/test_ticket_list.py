"""The admin list / My Tickets: sorting by every column, filters, pagination, query count."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app.config import get_settings
from app.models import TicketPriority, TicketStatus
from app.services import tickets as ticket_service
from app.services.ticket_list import SortField

LIST = """
query($sort: TicketSort, $filter: TicketFilter, $first: Int, $after: String) {
  tickets(sort: $sort, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      number subject status priority lastActivityAt slaDueAt
      client { name } department { name } assignee { name } } } } }
"""


@pytest.fixture
async def many(world, frozen_clock):
    """Seven tickets with distinct values in every column."""
    rows = [
        ("Delta", world.client_a, world.dept_x, TicketPriority.LOW, TicketStatus.OPEN, None),
        (
            "alpha",
            world.client_b,
            world.dept_y,
            TicketPriority.URGENT,
            TicketStatus.ON_HOLD,
            world.staff_y,
        ),
        (
            "Charlie",
            world.client_a,
            world.dept_y,
            TicketPriority.HIGH,
            TicketStatus.IN_PROGRESS,
            None,
        ),
        (
            "bravo",
            world.client_b,
            world.dept_x,
            TicketPriority.MEDIUM,
            TicketStatus.CLOSED,
            world.staff_x,
        ),
        (
            "Echo",
            world.client_a,
            world.dept_x,
            TicketPriority.HIGH,
            TicketStatus.OPEN,
            world.staff_x,
        ),
        ("foxtrot", world.client_b, world.dept_y, TicketPriority.LOW, TicketStatus.OPEN, None),
        ("Golf", world.client_a, world.dept_x, TicketPriority.URGENT, TicketStatus.ON_HOLD, None),
    ]
    numbers = []
    for subject, client, dept, priority, status, assignee in rows:
        frozen_clock.advance(timedelta(minutes=1))
        opened = await ticket_service.open_ticket(
            actor=client.actor,
            department_id=dept.id,
            subject=subject,
            body="b",
            priority=priority,
            settings=get_settings(),
        )
        number = opened.ticket.number
        if status is not TicketStatus.OPEN or assignee is not None:
            await ticket_service.update_ticket(
                actor=world.admin.actor,
                number=number,
                status=status if status is not TicketStatus.OPEN else None,
                assignee_id=assignee.id if assignee else ticket_service.UNSET,
            )
        numbers.append(number)
    return numbers


WORKFLOW = ["OPEN", "CUSTOMER_REPLY", "IN_PROGRESS", "ON_HOLD", "ANSWERED", "CLOSED"]


def column(edge: dict, field: SortField):
    node = edge["node"]
    return {
        SortField.NUMBER: node["number"],
        SortField.SUBJECT: node["subject"],
        SortField.CLIENT: node["client"]["name"],
        SortField.DEPARTMENT: node["department"]["name"],
        SortField.STATUS: WORKFLOW.index(node["status"]),
        SortField.PRIORITY: ["LOW", "MEDIUM", "HIGH", "URGENT"].index(node["priority"]),
        SortField.LAST_ACTIVITY: node["lastActivityAt"],
        SortField.ASSIGNEE: (node["assignee"] or {"name": ""})["name"],
        SortField.SLA_DUE: node["slaDueAt"] or "9999",  # no clock running: after every time
    }[field]


async def test_default_sort_is_last_activity_descending(gql, world, many):
    data = await gql.data(LIST, {}, token=world.admin.token)
    stamps = [e["node"]["lastActivityAt"] for e in data["tickets"]["edges"]]
    assert stamps == sorted(stamps, reverse=True)
    assert data["tickets"]["totalCount"] == 7


@pytest.mark.parametrize(
    "field", [f for f in SortField if f not in (SortField.CREATED, SortField.RELEVANCE)]
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_sort_by_every_column_through_pages(gql, world, many, field, direction):
    """Walk pages of 3 and check the concatenation is sorted with number as tie-break."""
    seen: list[dict] = []
    after = None
    while True:
        data = await gql.data(
            LIST,
            {"sort": {"field": field.name, "direction": direction}, "first": 3, "after": after},
            token=world.admin.token,
        )
        page = data["tickets"]
        seen += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(e["node"]["number"] for e in seen) == sorted(many)
    keys = [(column(e, field), e["node"]["number"]) for e in seen]
    if field in (SortField.SUBJECT, SortField.CLIENT, SortField.DEPARTMENT, SortField.ASSIGNEE):
        # Text columns: compare case-insensitively only where the database collation agrees.
        values = [k[0] for k in keys]
        assert values == sorted(values, reverse=direction == "DESC") or values == sorted(
            values, key=str.lower, reverse=direction == "DESC"
        )
    else:
        assert keys == sorted(keys, reverse=direction == "DESC")


async def test_pagination_stays_correct_while_tickets_are_added(gql, world, many, frozen_clock):
    first = await gql.data(LIST, {"first": 3}, token=world.admin.token)
    got = [e["node"]["number"] for e in first["tickets"]["edges"]]
    # New activity lands at the top of the default sort while the user pages on.
    frozen_clock.advance(timedelta(minutes=10))
    await ticket_service.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Late",
        body="b",
        settings=get_settings(),
    )
    after = first["tickets"]["pageInfo"]["endCursor"]
    while after:
        page = await gql.data(LIST, {"first": 3, "after": after}, token=world.admin.token)
        got += [e["node"]["number"] for e in page["tickets"]["edges"]]
        info = page["tickets"]["pageInfo"]
        after = info["endCursor"] if info["hasNextPage"] else None
    assert sorted(got) == sorted(many), "no ticket skipped or repeated"
    assert len(got) == len(set(got))


@pytest.mark.parametrize(
    ("flt", "subjects"),
    [
        ({"status": ["OPEN"]}, {"Delta", "Echo", "foxtrot"}),
        ({"status": ["ON_HOLD", "CLOSED"]}, {"alpha", "bravo", "Golf"}),
        ({"priority": ["URGENT"]}, {"alpha", "Golf"}),
        ({"unassigned": True}, {"Delta", "Charlie", "foxtrot", "Golf"}),
        ({"search": "ALPHA"}, {"alpha"}),
    ],
)
async def test_filters(gql, world, many, flt, subjects):
    data = await gql.data(LIST, {"filter": flt}, token=world.admin.token)
    assert {e["node"]["subject"] for e in data["tickets"]["edges"]} == subjects
    assert data["tickets"]["totalCount"] == len(subjects)


async def test_filter_by_department_assignee_and_me(gql, world, many):
    by_dept = await gql.data(
        LIST, {"filter": {"departmentId": str(world.dept_y.id)}}, token=world.admin.token
    )
    assert {e["node"]["subject"] for e in by_dept["tickets"]["edges"]} == {
        "alpha",
        "Charlie",
        "foxtrot",
    }
    by_assignee = await gql.data(
        LIST, {"filter": {"assigneeId": str(world.staff_x.id)}}, token=world.admin.token
    )
    assert {e["node"]["subject"] for e in by_assignee["tickets"]["edges"]} == {"bravo", "Echo"}
    mine = await gql.data(LIST, {"filter": {"assignedToMe": True}}, token=world.staff_x.token)
    assert {e["node"]["subject"] for e in mine["tickets"]["edges"]} == {"bravo", "Echo"}


async def test_my_tickets_is_the_same_query_for_clients(gql, world, many):
    data = await gql.data(LIST, {}, token=world.client_b.token)
    assert {e["node"]["subject"] for e in data["tickets"]["edges"]} == {"alpha", "bravo", "foxtrot"}


class _CountSql(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        # The outbox relay's statements are its own (it polls in the background, too); the
        # outbox benchmark prices them.
        text = record.getMessage()
        if '"outbox"' not in text and " outbox " not in text:
            self.count += 1


async def _statements_for_page(gql, token: str, first: int) -> int:
    logger = logging.getLogger("tortoise.db_client")
    handler = _CountSql()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        data = await gql.data(LIST, {"first": first}, token=token)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert len(data["tickets"]["edges"]) == first
    return handler.count


async def test_sql_statements_do_not_grow_with_page_size(gql, world, frozen_clock):
    for index in range(40):
        client = world.client_a if index % 2 else world.client_b
        await ticket_service.open_ticket(
            actor=client.actor,
            department_id=world.dept_x.id,
            subject=f"T{index}",
            body="b",
            settings=get_settings(),
        )
    # The first request resolves the token (its actor is then kept): counted apart.
    first = await _statements_for_page(gql, world.admin.token, 1)
    small = await _statements_for_page(gql, world.admin.token, 5)
    large = await _statements_for_page(gql, world.admin.token, 40)
    assert first <= small + 2
    # the tickets (joined with department, client and assignee) and the capped count.
    assert small == large
    assert 2 <= large <= 4, large


async def test_total_count_is_capped(gql, world, many, monkeypatch):
    from app.services import ticket_list

    monkeypatch.setattr(ticket_list, "COUNT_CAP", 5)
    data = await gql.data("{ tickets { totalCount totalCountCapped } }", token=world.admin.token)
    assert data["tickets"] == {"totalCount": 5, "totalCountCapped": True}
    staff = await gql.data("{ tickets { totalCount totalCountCapped } }", token=world.staff_x.token)
    assert staff["tickets"] == {"totalCount": 4, "totalCountCapped": False}


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_status_sorts_in_workflow_order_across_pages(gql, world, many, direction):
    """Open first, Closed last (not the alphabet's Closed, In Progress, On Hold, Open), and
    pages of two carry on where the last one stopped, even inside a run of one status."""
    numbers: list[int] = []
    statuses: list[str] = []
    after = None
    while True:
        data = await gql.data(
            LIST,
            {"sort": {"field": "STATUS", "direction": direction}, "first": 2, "after": after},
            token=world.admin.token,
        )
        page = data["tickets"]
        numbers += [e["node"]["number"] for e in page["edges"]]
        statuses += [e["node"]["status"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = ["OPEN"] * 3 + ["IN_PROGRESS"] + ["ON_HOLD"] * 2 + ["CLOSED"]
    assert statuses == (expected if direction == "ASC" else expected[::-1])
    assert sorted(numbers) == sorted(many) and len(numbers) == len(set(numbers))


async def test_status_sort_in_workflow_order_with_a_search(gql, world, many):
    """The search's own query sorts by the same rank and pages on from its cursors."""
    statuses: list[str] = []
    after = None
    while True:
        data = await gql.data(
            LIST,
            {
                "sort": {"field": "STATUS", "direction": "ASC"},
                "filter": {"search": "Alice"},
                "first": 2,
                "after": after,
            },
            token=world.admin.token,
        )
        page = data["tickets"]
        statuses += [e["node"]["status"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert statuses == ["OPEN", "OPEN", "IN_PROGRESS", "ON_HOLD"]
