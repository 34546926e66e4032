"""Staff "Send & set <status>": the reply goes first, then the status through updateTicket; if
the second step is refused, the reply stays sent and the page says what did not happen."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from app.config import get_settings
from app.models import Message, Ticket, TicketPriority, TicketStatus
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def a_ticket(world: World) -> int:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Scanner offline",
        body="The scanner is offline again.",
        settings=get_settings(),
    )
    return opened.ticket.number


async def confirm_closing(page: Page, number: int) -> None:
    """Send & set Closed asks first, as closing does; this answers "Send & close"."""
    dialog = page.get_by_role("dialog", name=f"Send the reply and close ticket #{number}?")
    await dialog.get_by_role("button", name="Send & close").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)


async def test_send_and_set_on_hold_replies_then_sets_the_status(
    world: World, open_as: OpenAs
) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    button = page.get_by_role("button", name="Send & set On Hold")
    await expect(button).to_be_disabled()  # nothing written yet
    await page.get_by_label("Reply to the client").fill("Waiting for the new part.")
    await page.get_by_label("After sending, set").select_option(label="Closed")
    await page.get_by_label("After sending, set").select_option(label="On Hold")
    await button.click()

    await expect(page.locator(".thread")).to_contain_text("Waiting for the new part.")
    await expect(page.get_by_label("Status", exact=True)).to_have_value("ON_HOLD")
    await expect(page.get_by_label("Reply to the client")).to_have_value("")
    ticket = await Ticket.get(number=number)
    assert ticket.status is TicketStatus.ON_HOLD
    replies = await Message.filter(ticket_id=ticket.id, internal=False).order_by("id")
    assert [m.body for m in replies][-1] == "Waiting for the new part."
    # The reply came first: the audit trail shows Answered (the reply) then On Hold.
    await expect(page.locator("ol.audit li").last).to_contain_text("to On Hold")


async def test_a_failed_status_change_keeps_the_reply_and_says_so(
    world: World, open_as: OpenAs
) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")

    async def drop_the_status_change(route: Route) -> None:
        # The connection drops on the second step (the reply itself goes through).
        if "UpdateTicket" in (route.request.post_data or ""):
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/graphql", drop_the_status_change)
    await page.get_by_label("Reply to the client").fill("Please restart it and tell me.")
    await page.get_by_label("After sending, set").select_option(label="Closed")
    await page.get_by_role("button", name="Send & set Closed").click()
    await confirm_closing(page, number)

    alert = page.locator(".composer [role=alert]")
    await expect(alert).to_contain_text("Your reply was sent, but the status was not set to Closed")
    await expect(page.locator(".thread")).to_contain_text("Please restart it and tell me.")
    await expect(page.get_by_label("Status", exact=True)).to_have_value("ANSWERED")
    ticket = await Ticket.get(number=number)
    assert ticket.status is TicketStatus.ANSWERED, "the reply stands; the status was not changed"
    bodies = [m.body for m in await Message.filter(ticket_id=ticket.id, internal=False)]
    assert bodies.count("Please restart it and tell me.") == 1

    # Once the connection is back, the same control works again.
    await page.unroute("**/graphql")
    await page.get_by_label("Reply to the client").fill("Closing this now.")
    await page.get_by_role("button", name="Send & set Closed").click()
    await confirm_closing(page, number)
    await expect(page.get_by_label("Status", exact=True)).to_have_value("CLOSED")
    await expect(alert).to_have_count(0)


async def test_send_and_set_sends_the_version_and_a_change_meanwhile_is_a_conflict(
    world: World, open_as: OpenAs
) -> None:
    """The status goes with the version the page showed plus the reply's one change; a
    colleague's change between the reply and the status makes it stale: Conflict, the reply
    stays, the ticket keeps the colleague's change and is not closed."""
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    shown = (await Ticket.get(number=number)).version
    sent: list[dict] = []

    async def a_colleague_changes_it_first(route: Route) -> None:
        body = route.request.post_data_json if route.request.post_data else None
        if isinstance(body, dict) and "UpdateTicket" in (body.get("query") or ""):
            sent.append(body["variables"]["input"])
            await tickets.update_ticket(
                actor=world.admin.actor, number=number, priority=TicketPriority.URGENT
            )
        await route.continue_()

    await page.route("**/graphql", a_colleague_changes_it_first)
    await page.get_by_label("Reply to the client").fill("Fixed, closing.")
    await page.get_by_label("After sending, set").select_option(label="Closed")
    await page.get_by_role("button", name="Send & set Closed").click()
    await confirm_closing(page, number)

    alert = page.locator(".composer [role=alert]")
    await expect(alert).to_contain_text("Your reply was sent, but the status was not set to Closed")
    await expect(alert).to_contain_text("Ada Admin")  # the Conflict names who changed what
    assert [i.get("expectedVersion") for i in sent] == [shown + 1]
    await expect(page.get_by_label("Priority")).to_have_value("URGENT")  # the page is current
    ticket = await Ticket.get(number=number)
    assert ticket.status is TicketStatus.ANSWERED and ticket.priority is TicketPriority.URGENT
    bodies = [m.body for m in await Message.filter(ticket_id=ticket.id, internal=False)]
    assert bodies.count("Fixed, closing.") == 1

    # Without a change meanwhile the same control sets the status.
    await page.unroute("**/graphql")
    await page.get_by_label("Reply to the client").fill("Closing this now.")
    await page.get_by_role("button", name="Send & set Closed").click()
    await confirm_closing(page, number)
    await expect(page.get_by_label("Status", exact=True)).to_have_value("CLOSED")


async def test_send_and_set_closed_asks_first(world: World, open_as: OpenAs) -> None:
    """Like the status control and the client's Close ticket: Cancel or Escape sends nothing
    and keeps the text; Send & close replies and closes."""
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    box = page.get_by_label("Reply to the client")
    await box.fill("All done, closing.")
    await page.get_by_label("After sending, set").select_option(label="Closed")
    button = page.get_by_role("button", name="Send & set Closed")
    dialog = page.get_by_role("dialog", name=f"Send the reply and close ticket #{number}?")

    await button.click()
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await button.click()
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await expect(box).to_have_value("All done, closing.")
    ticket = await Ticket.get(number=number)
    assert ticket.status is TicketStatus.OPEN
    assert await Message.filter(ticket_id=ticket.id, body="All done, closing.").count() == 0

    await button.click()
    await confirm_closing(page, number)
    await expect(page.get_by_label("Status", exact=True)).to_have_value("CLOSED")
    await expect(page.locator(".thread")).to_contain_text("All done, closing.")
    await expect(box).to_have_value("")
    ticket = await Ticket.get(number=number)
    assert ticket.status is TicketStatus.CLOSED
    assert await Message.filter(ticket_id=ticket.id, body="All done, closing.").count() == 1
