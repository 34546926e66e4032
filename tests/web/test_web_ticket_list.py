"""The staff ticket list in the browser: sorting by every column, filters, pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Page, expect

from app.config import get_settings
from app.models import Role, TicketPriority, TicketStatus
from app.services import messages, tickets
from tests.conftest import GraphQLClient, World, make_person
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser

LIST = """
query($sort: TicketSort, $filter: TicketFilter) {
  tickets(sort: $sort, filter: $filter, first: 100) { edges { node { number } } }
}"""

WORKFLOW = ["Open", "Customer Reply", "In Progress", "On Hold", "Answered", "Closed"]
"""The order a status sort shows (what needs work first), not the alphabet's."""
PRIORITY_RANK = {"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}


async def varied_tickets(world: World) -> list[int]:
    """Four tickets that differ in every column (the department has only two values)."""
    carol = await make_person("Carol Client", "carol@example.com", Role.CLIENT)
    dave = await make_person("Dave Client", "dave@example.com", Role.CLIENT)
    plan = [
        # client, department, subject, priority, status, assignee
        (world.client_b, world.dept_x, "Mouse is slow", TicketPriority.URGENT, None, None),
        (carol, world.dept_y, "Invoice missing", TicketPriority.LOW, "reply", world.staff_y),
        (
            dave,
            world.dept_x,
            "Zebra printer",
            TicketPriority.HIGH,
            TicketStatus.ON_HOLD,
            world.admin,
        ),
        (
            world.client_a,
            world.dept_y,
            "Add a seat",
            TicketPriority.MEDIUM,
            TicketStatus.IN_PROGRESS,
            None,
        ),
    ]
    numbers = []
    for client, department, subject, priority, status, assignee in plan:
        opened = await tickets.open_ticket(
            actor=client.actor,
            department_id=department.id,
            subject=subject,
            body="Please help.",
            priority=priority,
            settings=get_settings(),
        )
        number = opened.ticket.number
        numbers.append(number)
        if status == "reply":
            await messages.reply_to_ticket(
                actor=world.admin.actor, number=number, body="On it.", settings=get_settings()
            )
        elif status is not None:
            await tickets.update_ticket(actor=world.admin.actor, number=number, status=status)
        if assignee is not None:
            await tickets.update_ticket(
                actor=world.admin.actor, number=number, assignee_id=assignee.id
            )
    return numbers


async def shown_numbers(page: Page) -> list[int]:
    values = await page.locator("table.tickets tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.number))"
    )
    return [int(v) for v in values]


async def column(page: Page, label: str) -> list[str]:
    cells = page.locator(f'table.tickets tbody td[data-label="{label}"]')
    if label == "Last update":
        return await cells.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)")
    return [text.strip() for text in await cells.all_inner_texts()]


async def api_order(gql: GraphQLClient, token: str, field: str, direction: str) -> list[int]:
    data = await gql.data(LIST, {"sort": {"field": field, "direction": direction}}, token=token)
    return [edge["node"]["number"] for edge in data["tickets"]["edges"]]


async def wait_for_rows(page: Page, expected: list[int], *, any_order: bool = False) -> None:
    """Until the table shows exactly these tickets (in this order unless ``any_order``)."""
    await page.wait_for_function(
        """([expected, anyOrder]) => {
            const shown = [...document.querySelectorAll('table.tickets tbody tr')]
                .map(r => Number(r.dataset.number));
            if (anyOrder) shown.sort((a, b) => a - b);
            return JSON.stringify(shown) === JSON.stringify(expected);
        }""",
        arg=[expected, any_order],
    )


def text_key(value: str) -> str:
    return "" if value == "—" else value.lower()


SortKey = Callable[[str], Any]
COLUMNS: list[tuple[str, str, str, SortKey]] = [
    # label, API field, direction of the first click, what the column sorts by
    ("#", "NUMBER", "DESC", lambda v: int(v.lstrip("#"))),
    ("Subject", "SUBJECT", "ASC", text_key),
    ("Client", "CLIENT", "ASC", text_key),
    ("Department", "DEPARTMENT", "ASC", text_key),
    ("Status", "STATUS", "ASC", lambda v: WORKFLOW.index(v)),
    ("Priority", "PRIORITY", "DESC", lambda v: PRIORITY_RANK[v]),
    ("Last update", "LAST_ACTIVITY", "DESC", datetime.fromisoformat),
    ("Assigned to", "ASSIGNEE", "ASC", text_key),
]


async def test_sorting_by_each_column(world: World, open_as: OpenAs, gql: GraphQLClient) -> None:
    await varied_tickets(world)
    # Wide enough for every column (narrower lists hide Department and Rating).
    page = await open_as(world.admin, "/admin/tickets", width=1600)
    token = world.admin.token

    # Default: last activity, newest first.
    await wait_for_rows(page, await api_order(gql, token, "LAST_ACTIVITY", "DESC"))
    header = page.locator("th", has=page.get_by_role("button", name="Last update"))
    await expect(header).to_have_attribute("aria-sort", "descending")
    stamps = [datetime.fromisoformat(v) for v in await column(page, "Last update")]
    assert stamps == sorted(stamps, reverse=True)

    for label, field, first, key in COLUMNS:
        header = page.locator("table.tickets th").filter(
            has=page.locator(f'button[data-field="{field}"]')
        )
        for direction in (first, "ASC" if first == "DESC" else "DESC"):
            await header.get_by_role("button").click()
            await expect(header).to_have_attribute(
                "aria-sort", "ascending" if direction == "ASC" else "descending"
            )
            await wait_for_rows(page, await api_order(gql, token, field, direction))
            values = [key(v) for v in await column(page, label)]
            assert values == sorted(values, reverse=direction == "DESC"), (label, direction)
            assert len(set(map(str, values))) > 1, f"{label}: the test data must differ"
    # The sort is in the address, so a reload keeps it.
    await page.reload()
    await expect(
        page.locator('th[aria-sort="descending"] button[data-field="ASSIGNEE"]')
    ).to_be_visible()


async def test_filters_narrow_the_list(world: World, open_as: OpenAs, gql: GraphQLClient) -> None:
    numbers = await varied_tickets(world)
    mouse, invoice, zebra, seat = numbers
    page = await open_as(world.admin, "/admin/tickets")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(4)

    async def shows(expected: set[int]) -> None:
        await wait_for_rows(page, sorted(expected), any_order=True)

    await page.get_by_label("Status").select_option(label="Answered")
    await shows({invoice})
    await page.get_by_label("Status").select_option(label="Any status")
    await page.get_by_label("Department").select_option(label="Billing")
    await shows({invoice, seat})
    await page.get_by_label("Priority").select_option(label="Medium")
    await shows({seat})
    await page.get_by_label("Department").select_option(label="Any department")
    await page.get_by_label("Priority").select_option(label="Any priority")
    await page.get_by_label("Assigned to").select_option(label="Unassigned")
    await shows({mouse, seat})
    await page.get_by_label("Assigned to").select_option(label="Me (mine)")
    await shows({zebra})
    await page.get_by_label("Assigned to").select_option(label="Yolanda Staff")
    await shows({invoice})
    await page.get_by_label("Assigned to").select_option(label="Anyone")
    await page.keyboard.press("/")  # the shortcut focuses the search box
    await page.keyboard.type("printer")
    await shows({zebra})
    await expect(page.get_by_label("Search")).to_be_focused()
    await page.get_by_label("Search").fill("")
    await shows({mouse, invoice, zebra, seat})

    # Staff see only their departments' tickets, whatever the filter asks.
    staff = await open_as(world.staff_y, "/admin/tickets")
    await expect(staff.locator("table.tickets tbody tr")).to_have_count(2)
    assert set(await shown_numbers(staff)) == {invoice, seat}


async def test_pages_of_25(world: World, open_as: OpenAs) -> None:
    for index in range(27):
        await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject=f"Ticket {index:02d}",
            body="Please help.",
            settings=get_settings(),
        )
    page = await open_as(world.staff_x, "/admin/tickets?sort=SUBJECT&dir=ASC")
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(25)
    await expect(page.get_by_role("navigation", name="Pages")).to_contain_text("1\u201325 of 27")
    await page.get_by_role("button", name="Next →").click()
    await expect(rows).to_have_count(2)
    assert await column(page, "Subject") == ["Ticket 25", "Ticket 26"]
    await page.get_by_role("button", name="← Previous").click()
    await expect(rows).to_have_count(25)
    assert (await column(page, "Subject"))[0] == "Ticket 00"


async def test_closed_tickets_are_hidden_until_one_click_shows_them(
    world: World, open_as: OpenAs
) -> None:
    mouse, invoice, zebra, seat = await varied_tickets(world)
    await tickets.update_ticket(actor=world.admin.actor, number=zebra, status=TicketStatus.CLOSED)
    page = await open_as(world.admin, "/admin/tickets")
    await wait_for_rows(page, sorted([mouse, invoice, seat]), any_order=True)
    await expect(page.get_by_label("Status")).to_have_value("")
    await expect(page.get_by_label("Status").locator("option:checked")).to_have_text(
        "Active (not closed)"
    )

    await page.get_by_role("button", name="Show closed").click()
    await wait_for_rows(page, sorted([mouse, invoice, zebra, seat]), any_order=True)
    assert "status=all" in page.url
    await page.reload()  # the choice is in the address
    await wait_for_rows(page, sorted([mouse, invoice, zebra, seat]), any_order=True)
    await expect(page.get_by_label("Status")).to_have_value("all")

    await page.get_by_role("button", name="Hide closed").click()
    await wait_for_rows(page, sorted([mouse, invoice, seat]), any_order=True)
    assert "status=" not in page.url
    # Closed alone is still one choice away, and an old ?status=active address still works.
    await page.get_by_label("Status").select_option(label="Closed")
    await wait_for_rows(page, [zebra])
    await page.goto(page.url.split("?")[0] + "?status=active")
    await wait_for_rows(page, sorted([mouse, invoice, seat]), any_order=True)


async def test_a_long_subject_ends_in_an_ellipsis_with_the_whole_on_hover(
    world: World, open_as: OpenAs
) -> None:
    long = "Printer on the third floor " + "keeps jamming on every second page " * 4
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject=long.strip(),
        body="Please help.",
        settings=get_settings(),
    )
    subject = opened.ticket.subject
    for person, path in ((world.admin, "/admin/tickets"), (world.client_a, "/client/tickets")):
        page = await open_as(person, path)
        link = page.locator(f'tr[data-number="{opened.ticket.number}"] td[data-label="Subject"] a')
        await expect(link).to_have_attribute("title", subject)
        # One line, cut short: the text is wider than the box that shows it.
        cut = await link.evaluate(
            """a => ({
                cut: a.scrollWidth > a.clientWidth,
                ellipsis: getComputedStyle(a).textOverflow,
            })"""
        )
        assert cut["cut"] and cut["ellipsis"] == "ellipsis", (path, cut)
        await link.hover()
        # The row's height stays one line of text, whatever the subject's length.
        height = await page.locator(f'tr[data-number="{opened.ticket.number}"]').evaluate(
            "r => r.getBoundingClientRect().height"
        )
        assert height < 80, (path, height)
