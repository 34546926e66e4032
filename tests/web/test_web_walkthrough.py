"""Small things a user notices: the client sees the priority they chose, closing asks first
(client and staff), and the settings say what auto-close really does."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, Route, expect

from app.config import get_settings
from app.models import Ticket, TicketPriority, TicketStatus
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def a_ticket(world: World, priority: TicketPriority = TicketPriority.HIGH) -> int:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer jams",
        body="Every second page.",
        priority=priority,
        settings=get_settings(),
    )
    return opened.ticket.number


async def test_the_client_sees_the_priority_and_confirms_closing(
    world: World, open_as: OpenAs
) -> None:
    number = await a_ticket(world)
    page = await open_as(world.client_a, "/client/tickets")
    row = page.locator("table.tickets tbody tr[data-number]")
    await expect(row).to_contain_text("High")
    await row.get_by_role("link").first.click()
    await expect(page.locator(".ticket-priority")).to_contain_text("Priority: High")

    # Close asks; Cancel (by the keyboard) leaves the ticket open.
    await page.get_by_role("button", name="Close ticket").click()
    dialog = page.get_by_role("dialog", name=f"Close ticket #{number}?")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(page.locator(".ticket-status")).to_contain_text("Open")
    await page.get_by_role("button", name="Close ticket").click()
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    assert (await Ticket.get(number=number)).status is TicketStatus.OPEN

    # Confirmed: closed.
    await page.get_by_role("button", name="Close ticket").click()
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await expect(dialog.get_by_role("button", name="Close ticket")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator(".ticket-status")).to_contain_text("Closed")
    assert (await Ticket.get(number=number)).status is TicketStatus.CLOSED


async def test_staff_confirm_closing_from_the_status(world: World, open_as: OpenAs) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    status = page.get_by_label("Status", exact=True)
    await status.select_option("CLOSED")
    dialog = page.get_by_role("dialog", name=f"Close ticket #{number}?")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(status).to_have_value("OPEN")
    assert (await Ticket.get(number=number)).status is TicketStatus.OPEN

    await status.select_option("CLOSED")
    await dialog.get_by_role("button", name="Close ticket").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator(".ticket-head .badge").first).to_contain_text("Closed")
    assert (await Ticket.get(number=number)).status is TicketStatus.CLOSED


async def test_auto_close_is_described_as_what_it_does(world: World, open_as: OpenAs) -> None:
    """It closes Answered tickets (waiting on the client), not unanswered ones; off is off."""
    page = await open_as(world.admin, "/admin/departments")
    rule = page.locator(".auto-close-rule")
    await expect(rule).to_contain_text(
        "Answered tickets (waiting on the client) with no activity for 7 days close automatically"
    )
    await expect(rule).to_contain_text("Open, In progress and On hold tickets never close")
    await page.get_by_role("link", name="Settings").click()
    days = page.get_by_label("Close tickets waiting on the client after (days)")
    await expect(page.get_by_text("Close unanswered tickets")).to_have_count(0)
    await expect(days).to_have_value("7")
    await days.fill("0")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved")
    await page.get_by_role("link", name="Departments").click()
    await expect(rule).to_contain_text("Auto-close is off, unless a department sets its own")


async def test_the_assignee_filter_lists_the_viewer_once(world: World, open_as: OpenAs) -> None:
    page = await open_as(world.admin, "/admin/tickets")
    assignee = page.get_by_label("Assigned to")
    # The others are there by name (the lists have loaded); Ada herself only as "Me".
    await expect(assignee.locator("option", has_text="Xavier Staff")).to_have_count(1)
    labels = await assignee.locator("option").all_inner_texts()
    assert [label for label in labels if "Ada" in label or label.startswith("Me")] == ["Me (mine)"]


async def test_moving_between_pages_focuses_and_announces_the_heading(
    world: World, open_as: OpenAs
) -> None:
    number = await a_ticket(world)
    page = await open_as(world.client_a, "/client/tickets")
    announcer = page.get_by_test_id("page-announcer")
    await page.get_by_role("link", name="Printer jams").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text(f"#{number} Printer jams")
    await expect(heading).to_be_focused()
    await expect(announcer).to_have_text(f"#{number} Printer jams")
    await expect(announcer).to_have_attribute("aria-live", "polite")
    # By the keyboard, through the main menu.
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Open a ticket")
        .focus()
    )
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_be_focused()
    await expect(announcer).to_have_text(await page.get_by_role("heading", level=1).inner_text())
    # Signing out lands on the sign-in page with the cursor in Email.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url("/login")
    await expect(page.get_by_label("Email")).to_be_focused()
    await expect(announcer).to_have_text("Sign in")


async def test_the_sign_in_page_starts_in_email(world: World, open_as: OpenAs) -> None:
    page = await open_as(None, "/login")
    await expect(page.get_by_label("Email")).to_be_focused()
    await page.keyboard.type("alice@example.com")
    await expect(page.get_by_label("Email")).to_have_value("alice@example.com")


async def test_the_lists_show_skeleton_rows_while_loading(world: World, open_as: OpenAs) -> None:
    """Until the first page arrives the table shows grey placeholder rows (busy), never an
    empty table with headers; then the tickets take their place."""
    number = await a_ticket(world)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold_the_list(route: Route) -> None:
        if "query MyTickets" in (route.request.post_data or ""):
            held.set()
            await release.wait()
        await route.continue_()

    async def before(page: Page) -> None:
        await page.route("**/graphql", hold_the_list)

    page = await open_as(world.client_a, "/client/tickets", before=before)
    await held.wait()
    table = page.locator("table.tickets")
    await expect(table.locator("tbody tr.skeleton")).to_have_count(5)
    await expect(table).to_have_attribute("aria-busy", "true")
    await expect(table.locator("tbody tr[data-number]")).to_have_count(0)
    release.set()
    await expect(table.locator(f'tbody tr[data-number="{number}"]')).to_be_visible()
    await expect(table.locator("tbody tr.skeleton")).to_have_count(0)
    await expect(table).not_to_have_attribute("aria-busy", "true")
