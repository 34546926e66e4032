"""Two people on one ticket in the browser: a change made on a stale page is refused with who
changed what and can be re-applied; a message arriving while someone writes is announced above
the composer before they send."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, WebSocketRoute, expect

from app.config import get_settings
from app.models import Ticket, TicketPriority, TicketStatus
from app.services import messages, tickets
from tests.conftest import World
from tests.web.browser import OpenAs, until

pytestmark = pytest.mark.browser


async def no_live_events(page: Page) -> None:
    """The page's WebSocket opens but reaches no server: it hears of no one else's change, as a
    page does in the moment before an event arrives."""

    async def swallow(_page_side: WebSocketRoute) -> None:
        return None

    await page.route_web_socket(re.compile(r"/graphql$"), swallow)


async def live_subscriptions(base: str, count: int) -> None:
    """Until the server has exactly ``count`` registered subscriptions (the page's, none left
    from earlier pages): from then on the page hears of every event."""

    async def registered() -> bool:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(f"{base}/healthz")
        return response.json()["live"]["subscriptions"] == count

    await until(registered)


async def open_ticket(world: World, subject: str) -> int:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject=subject,
        body="The scanner saves blank pages.",
        settings=get_settings(),
    )
    return opened.ticket.number


async def test_a_change_on_a_stale_page_shows_theirs_and_can_be_reapplied(
    world: World, open_as: OpenAs
) -> None:
    number = await open_ticket(world, "Scanner saves blank pages")
    page = await open_as(world.staff_x, f"/admin/tickets/{number}", before=no_live_events)
    status = page.locator("#ticket-status")
    priority = page.locator("#ticket-priority")
    await expect(priority).to_have_value("MEDIUM")

    # A colleague raises the priority; this page does not hear of it.
    await tickets.update_ticket(
        actor=world.admin.actor, number=number, priority=TicketPriority.URGENT
    )
    await expect(priority).to_have_value("MEDIUM")

    await status.select_option("IN_PROGRESS")
    conflict = page.locator(".conflict")
    await expect(conflict).to_contain_text("Ada Admin changed Priority from Medium to Urgent")
    await expect(conflict).to_contain_text("Your change was not applied")
    # The page now shows their change, and nothing of ours was saved.
    await expect(priority).to_have_value("URGENT")
    await expect(status).to_have_value("OPEN")
    row = await Ticket.get(number=number)
    assert (row.status, row.priority) == (TicketStatus.OPEN, TicketPriority.URGENT)

    await conflict.get_by_role("button", name="Re-apply my change").click()
    await expect(conflict).to_have_count(0)
    await expect(status).to_have_value("IN_PROGRESS")
    await expect(priority).to_have_value("URGENT")
    row = await Ticket.get(number=number)
    assert (row.status, row.priority) == (TicketStatus.IN_PROGRESS, TicketPriority.URGENT)
    await expect(page.locator(".audit li")).to_have_count(2)


async def test_keeping_theirs_applies_nothing(world: World, open_as: OpenAs) -> None:
    number = await open_ticket(world, "Scanner jams")
    page = await open_as(world.staff_x, f"/admin/tickets/{number}", before=no_live_events)
    await expect(page.locator("#ticket-priority")).to_have_value("MEDIUM")
    await tickets.update_ticket(actor=world.admin.actor, number=number, priority=TicketPriority.LOW)
    await page.locator("#ticket-priority").select_option("HIGH")
    conflict = page.locator(".conflict")
    await expect(conflict).to_contain_text("changed Priority from Medium to Low")
    await conflict.get_by_role("button", name="Keep theirs").click()
    await expect(conflict).to_have_count(0)
    await expect(page.locator("#ticket-priority")).to_have_value("LOW")
    assert (await Ticket.get(number=number)).priority is TicketPriority.LOW


async def test_a_message_arriving_while_writing_is_announced_above_the_composer(
    world: World, open_as: OpenAs, live_server: str
) -> None:
    number = await open_ticket(world, "Scanner is slow")
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    thread = page.locator(".thread .message")
    await expect(thread).to_have_count(1)
    await live_subscriptions(live_server, 2)  # the ticket's events and its presence
    notice = page.locator(".composer p.arrived")

    # Nothing is announced to someone not writing.
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=number, body="Any news?", settings=get_settings()
    )
    await expect(thread).to_have_count(2)
    await expect(notice).to_have_count(0)

    box = page.locator("#reply-body")
    await box.fill("Have you tried")
    await messages.reply_to_ticket(
        actor=world.client_a.actor,
        number=number,
        body="Never mind, a restart fixed it.",
        settings=get_settings(),
    )
    await expect(notice).to_contain_text("A message from Alice Client arrived while you were")
    await expect(thread).to_have_count(3)
    await expect(box).to_have_value("Have you tried")  # the draft is kept
    # Announced above the text box, before the writer sends.
    notice_box = await notice.bounding_box()
    box_box = await box.bounding_box()
    assert notice_box is not None and box_box is not None
    assert notice_box["y"] + notice_box["height"] <= box_box["y"]

    await notice.get_by_role("button", name="Got it").click()
    await expect(notice).to_have_count(0)

    # A colleague's note is announced too; the writer's own message is not.
    await messages.add_internal_note(
        actor=world.admin.actor, number=number, body="Check the driver", settings=get_settings()
    )
    await expect(notice).to_contain_text("A note from Ada Admin")
    await box.fill("Glad it works now.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(thread).to_have_count(5)
    await expect(notice).to_have_count(0)


async def test_the_client_page_announces_a_staff_reply_while_writing(
    world: World, open_as: OpenAs, live_server: str
) -> None:
    number = await open_ticket(world, "Scanner is loud")
    page = await open_as(world.client_a, f"/client/tickets/{number}")
    await expect(page.locator(".thread .message")).to_have_count(1)
    await live_subscriptions(live_server, 1)
    await page.locator("#reply-body").fill("Also, it")
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=number, body="On our way.", settings=get_settings()
    )
    notice = page.locator(".composer p.arrived")
    await expect(notice).to_contain_text("A message from Xavier Staff arrived")
