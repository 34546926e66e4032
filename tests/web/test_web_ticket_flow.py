"""The whole loop in two browsers: a client opens a ticket with an attachment, the open staff
dashboard shows it live, staff answer with a canned response, the client's open page turns
Answered live, and an internal note never reaches the client."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from app.config import get_settings
from app.models import TicketPriority, TicketStatus
from app.services import canned, messages, tickets
from tests.conftest import World
from tests.web.browser import OpenAs, screenshot

pytestmark = pytest.mark.browser

LOG_FILE = b"2024-05-01 12:00:01 ERROR printer: paper tray on fire\n" * 20


async def mark_page(page: Page) -> None:
    """A flag that survives only as long as the page is not reloaded."""
    await page.evaluate("window.__notReloaded = true")


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.__notReloaded === true"), "the page was reloaded"


async def background_tickets(world: World) -> None:
    """A few tickets in several states, so the dashboard looks like a working day."""
    rows = [
        (world.client_b, world.dept_x, "VPN drops every hour", TicketPriority.HIGH),
        (world.client_a, world.dept_x, "Export to CSV fails", TicketPriority.LOW),
        (world.client_b, world.dept_x, "Password reset mail never arrives", TicketPriority.MEDIUM),
    ]
    numbers = []
    for client, department, subject, priority in rows:
        opened = await tickets.open_ticket(
            actor=client.actor,
            department_id=department.id,
            subject=subject,
            body=f"{subject}. Can you help?",
            priority=priority,
            settings=get_settings(),
        )
        numbers.append(opened.ticket.number)
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=numbers[0],
        body="Looking into it.",
        settings=get_settings(),
    )
    await tickets.update_ticket(
        actor=world.staff_x.actor,
        number=numbers[1],
        status=TicketStatus.IN_PROGRESS,
        assignee_id=world.staff_x.id,
    )


async def test_ticket_loop_between_client_and_staff(world: World, open_as: OpenAs) -> None:
    await background_tickets(world)
    await canned.create_canned(
        actor=world.admin.actor,
        title="Greeting",
        body="Hello {{client_name}},\n\nthanks for reporting {{ticket_number}}. "
        "We are on it.\n\n{{staff_name}}",
    )

    staff = await open_as(world.staff_x, "/admin/tickets")
    await expect(staff.locator("table.tickets tbody tr")).to_have_count(3)
    await mark_page(staff)

    # The client opens a ticket with an attachment.
    client = await open_as(world.client_a, "/client/tickets/new")
    await client.get_by_label("Department").select_option(label="Support")
    await client.get_by_label("Subject").fill("Printer on fire")
    await client.get_by_label("Message").fill("Smoke comes out of the paper tray. Log attached.")
    await client.get_by_label("Priority").select_option(label="Urgent")
    await client.get_by_label("Attachments").set_input_files(
        {"name": "printer.log", "mimeType": "text/plain", "buffer": LOG_FILE}
    )
    await expect(client.get_by_role("list", name="Files to attach")).to_contain_text("printer.log")
    await client.get_by_role("button", name="Open ticket").click()
    await expect(client).to_have_url(re.compile(r"/client/tickets/\d+$"))
    number = int(client.url.rsplit("/", 1)[1])
    await expect(client.get_by_role("link", name="printer.log")).to_be_visible()
    await mark_page(client)

    # The dashboard, open all along, shows it without a reload, highlighted.
    row = staff.locator(f'table.tickets tbody tr[data-number="{number}"]')
    await expect(row).to_be_visible()
    await expect(row).to_have_class(re.compile(r"\bflash\b"))
    await expect(row).to_contain_text("Printer on fire")
    await expect(row).to_contain_text("Alice Client")
    await expect(row).to_contain_text("Urgent")
    await expect(staff.locator("table.tickets tbody tr").first).to_have_attribute(
        "data-number", str(number)
    )
    await assert_not_reloaded(staff)
    await screenshot(staff, "dashboard")

    # Staff open it, see the attachment, and answer with the canned response.
    await row.get_by_role("link", name="Printer on fire").click()
    await expect(staff.get_by_role("heading", level=1)).to_contain_text("Printer on fire")
    await expect(staff.get_by_role("link", name="printer.log")).to_be_visible()
    await staff.get_by_label("Canned response").select_option(label="Greeting")
    reply_box = staff.get_by_label("Reply to the client")
    await expect(reply_box).to_have_value(
        f"Hello Alice Client,\n\nthanks for reporting #{number}. We are on it.\n\nXavier Staff"
    )
    await staff.get_by_role("button", name="Send reply").click()
    await expect(reply_box).to_have_value("")

    # The client's open page turns Answered and shows the reply, live.
    await expect(client.locator(".ticket-status")).to_contain_text("Answered")
    await expect(client.locator(".thread")).to_contain_text(f"thanks for reporting #{number}")
    await assert_not_reloaded(client)

    # Answered is never offered as a choice to staff.
    status = staff.get_by_label("Status", exact=True)
    await expect(status).to_have_value("ANSWERED")
    enabled = await status.locator("option:not([disabled])").all_inner_texts()
    assert "Answered" not in enabled and "Open" in enabled

    # An internal note is marked as such for staff and never reaches the client.
    await staff.get_by_role("switch", name="Internal note instead of a reply").check()
    await staff.get_by_label("Internal note (staff only)").fill("Customer sounds upset; be kind.")
    await staff.get_by_role("button", name="Add internal note").click()
    note = staff.locator(".thread .message.note")
    await expect(note).to_contain_text("Customer sounds upset")
    await expect(note).to_contain_text("Internal note")
    await staff.get_by_role("switch", name="Internal note instead of a reply").uncheck()
    await staff.get_by_label("Reply to the client").fill("A technician is on the way.")
    await staff.get_by_role("button", name="Send reply").click()

    await expect(client.locator(".thread")).to_contain_text("A technician is on the way.")
    await expect(client.locator(".thread .message")).to_have_count(3)
    assert "upset" not in await client.content()
    await client.reload()
    await expect(client.locator(".thread")).to_contain_text("A technician is on the way.")
    assert "upset" not in await client.content()

    # Staff change the priority; the audit trail records it.
    await staff.get_by_label("Priority").select_option(label="High")
    await expect(staff.get_by_role("region", name="Audit trail")).to_contain_text(
        "changed Priority from Urgent to High"
    )

    # A second staff member opening the ticket shows up in presence.
    admin = await open_as(world.admin, f"/admin/tickets/{number}")
    await expect(admin.get_by_role("heading", level=1)).to_contain_text("Printer on fire")
    await expect(staff.locator(f'.presence [data-user-id="{world.admin.id}"]')).to_contain_text(
        "Ada Admin is viewing"
    )
    await screenshot(staff, "ticket")
    await screenshot(client, "portal")


async def test_a_long_audit_trail_shows_a_page_and_more_on_request(
    world: World, open_as: OpenAs
) -> None:
    """A ticket changed 45 times shows the first 20 changes; "Show more changes" adds the rest,
    oldest first, and goes away once there is nothing more."""
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Priority ping-pong",
        body="Which is it?",
        settings=get_settings(),
    )
    number = opened.ticket.number
    for i in range(45):
        await tickets.update_ticket(
            actor=world.staff_x.actor,
            number=number,
            priority=TicketPriority.HIGH if i % 2 == 0 else TicketPriority.MEDIUM,
        )
    staff = await open_as(world.staff_x, f"/admin/tickets/{number}")
    trail = staff.get_by_role("region", name="Audit trail")
    await expect(trail.locator("li")).to_have_count(20)
    await expect(trail.locator("li").first).to_contain_text("from Medium to High")
    more = trail.get_by_role("button", name="Show more changes")
    await more.click()
    await expect(trail.locator("li")).to_have_count(45)
    await expect(trail.locator("li").nth(21)).to_contain_text("from High to Medium")
    await expect(trail.locator("li").last).to_contain_text("from Medium to High")
    await expect(more).to_have_count(0)
