"""Bulk actions and merge in the staff dashboard: choose rows (or everything the filter
matches) and apply one change, with each ticket's outcome shown; merge a duplicate into another
ticket through the picker and its confirmation, and a page open on the duplicate follows."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.models import Message, Ticket, TicketPriority, TicketStatus
from app.services import merge, tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def _open(world: World, client, department, subject: str, body: str = "Help") -> Ticket:
    opened = await tickets.open_ticket(
        actor=client.actor,
        department_id=department.id,
        subject=subject,
        body=body,
        settings=get_settings(),
    )
    return opened.ticket


async def test_staff_change_chosen_rows_and_all_matching(world: World, open_as: OpenAs) -> None:
    """27 of Support's tickets (more than the page's 25), one of Billing's Xavier never sees."""
    mine = [await _open(world, world.client_a, world.dept_x, f"Printer jam {i}") for i in range(27)]
    billing = await _open(world, world.client_b, world.dept_y, "Refund")
    first, second = mine[-1], mine[-2]  # the newest come first

    page = await open_as(world.staff_x, "/admin/tickets")
    await expect(page.locator("tr[data-number]")).to_have_count(25)
    await page.get_by_label(f"Select #{first.number}").check()
    await page.get_by_label(f"Select #{second.number}").check()
    bar = page.get_by_role("region", name="Bulk actions")
    await expect(bar.get_by_text("2 tickets chosen")).to_be_visible()
    await bar.get_by_label("Action").select_option(label="Set priority")
    await bar.get_by_label("Value").select_option(label="Urgent")
    await bar.get_by_role("button", name="Apply to 2 tickets").click()
    await expect(bar.get_by_role("status")).to_contain_text("2 tickets changed.")
    for ticket in mine:
        expected = TicketPriority.URGENT if ticket in (first, second) else TicketPriority.MEDIUM
        assert (await Ticket.get(id=ticket.id)).priority is expected

    # Every row of the page, then everything matching the filter (all 27, on two pages).
    await page.get_by_label("Select every ticket on this page").check()
    await expect(bar.get_by_text("25 tickets chosen")).to_be_visible()
    await bar.get_by_role("button", name="Select all 27 matching this filter").click()
    await expect(bar.get_by_text("All 27 matching tickets chosen")).to_be_visible()
    await bar.get_by_label("Action").select_option(label="Close")
    # Closing asks first, as closing one ticket does: Cancel (or Escape) changes nothing.
    await bar.get_by_role("button", name="Apply to 27 tickets").click()
    dialog = page.get_by_role("dialog", name="Close 27 tickets?")
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await bar.get_by_role("button", name="Apply to 27 tickets").click()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(bar.get_by_text("All 27 matching tickets chosen")).to_be_visible()
    for ticket in mine:
        assert (await Ticket.get(id=ticket.id)).status is TicketStatus.OPEN
    await bar.get_by_role("button", name="Apply to 27 tickets").click()
    await dialog.get_by_role("button", name="Close tickets").click()
    await expect(bar.get_by_role("status")).to_contain_text("27 tickets changed.")
    for ticket in mine:
        assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CLOSED
    assert (await Ticket.get(id=billing.id)).status is TicketStatus.OPEN
    # The list hides closed tickets by default: the page now shows none.
    await expect(page.locator("tr[data-number]")).to_have_count(0)


async def test_a_ticket_that_cannot_take_the_change_shows_why(
    world: World, open_as: OpenAs
) -> None:
    """An admin assigns Xavier (Support only) to a Support and a Billing ticket: the Billing
    one is refused, and the bar says which and why."""
    support = await _open(world, world.client_a, world.dept_x, "Printer jam")
    billing = await _open(world, world.client_a, world.dept_y, "Refund")
    page = await open_as(world.admin, "/admin/tickets")
    await expect(page.locator("tr[data-number]")).to_have_count(2)
    await page.get_by_label("Select every ticket on this page").check()
    bar = page.get_by_role("region", name="Bulk actions")
    await bar.get_by_label("Action").select_option(label="Assign to")
    await bar.get_by_label("Value").select_option(label="Xavier Staff")
    await bar.get_by_role("button", name="Apply to 2 tickets").click()
    outcome = bar.get_by_role("status")
    await expect(outcome).to_contain_text("1 ticket changed, 1 not changed")
    await expect(outcome.locator(f'li[data-number="{billing.number}"]')).to_contain_text(
        "no access to the ticket's department"
    )
    assert (await Ticket.get(id=support.id)).assignee_id == world.staff_x.id
    assert (await Ticket.get(id=billing.id)).assignee_id is None


async def test_merge_a_duplicate_and_the_open_page_follows(world: World, open_as: OpenAs) -> None:
    keep = await _open(world, world.client_a, world.dept_x, "Printer jam", "Paper stuck")
    duplicate = await _open(world, world.client_a, world.dept_x, "Printer jam again", "Still")

    # The client has the duplicate open; the staff member merges it.
    client = await open_as(world.client_a, f"/client/tickets/{duplicate.number}")
    await expect(client.get_by_role("heading", level=1)).to_contain_text("Printer jam again")

    page = await open_as(world.staff_x, f"/admin/tickets/{duplicate.number}")
    await page.get_by_role("button", name="Merge into…").click()
    await page.get_by_label("Find the ticket to keep").fill(str(keep.number))
    await page.get_by_role("radio", name=f"#{keep.number} Printer jam").check()
    confirm = page.get_by_role("group", name="Confirm the merge")
    await expect(confirm).to_contain_text(f"Merge #{duplicate.number} into #{keep.number}?")
    await confirm.get_by_role("button", name=f"Merge into #{keep.number}").click()

    # The staff page goes to the ticket kept, which now holds both conversations.
    await expect(page).to_have_url(f"{page.url.split('/admin')[0]}/admin/tickets/{keep.number}")
    await expect(page.get_by_text("Still", exact=True)).to_be_visible()
    # Its audit trail says what happened, in words, not as a change "from — to".
    trail = page.get_by_role("region", name="Audit trail")
    await expect(trail).to_contain_text(
        f"Xavier Staff merged ticket #{duplicate.number} into this one"
    )
    await expect(trail).not_to_contain_text("from —")
    # The client's page followed on its own.
    await expect(client).to_have_url(
        f"{client.url.split('/client')[0]}/client/tickets/{keep.number}"
    )
    await expect(client.get_by_text("Paper stuck")).to_be_visible()
    await expect(client.get_by_text("Still", exact=True)).to_be_visible()
    # The duplicate stays, closed, saying where it went.
    old = await open_as(world.client_a, f"/client/tickets/{duplicate.number}")
    await expect(old.get_by_role("status").filter(has_text="merged into")).to_contain_text(
        f"#{keep.number}"
    )
    source = await Ticket.get(id=duplicate.id)
    assert (source.status, source.merged_into_id) == (TicketStatus.CLOSED, keep.id)
    staff_old = await open_as(world.staff_x, f"/admin/tickets/{duplicate.number}")
    await expect(staff_old.get_by_role("region", name="Audit trail")).to_contain_text(
        f"Xavier Staff merged this ticket into #{keep.number}"
    )


async def test_merging_across_clients_asks_for_confirmation(world: World, open_as: OpenAs) -> None:
    bobs = await _open(world, world.client_b, world.dept_x, "Bob's printer", "Bob's words")
    alices = await _open(world, world.client_a, world.dept_x, "Alice's printer", "Alice's words")
    page = await open_as(world.staff_x, f"/admin/tickets/{alices.number}")
    await page.get_by_role("button", name="Merge into…").click()
    await page.get_by_label("Find the ticket to keep").fill("Bob")
    await page.get_by_role("radio", name=f"#{bobs.number} Bob's printer").check()
    confirm = page.get_by_role("group", name="Confirm the merge")
    merge = confirm.get_by_role("button", name=f"Merge into #{bobs.number}")
    await expect(merge).to_be_disabled()
    await confirm.get_by_label("Merge anyway").check()
    await merge.click()
    await expect(page).to_have_url(f"{page.url.split('/admin')[0]}/admin/tickets/{bobs.number}")
    moved = await Message.get(body="Alice's words")
    assert (moved.ticket_id, moved.internal) == (bobs.id, True)
    bob = await open_as(world.client_b, f"/client/tickets/{bobs.number}")
    await expect(bob.get_by_text("Bob's words")).to_be_visible()
    await expect(bob.get_by_text("Alice's words")).to_have_count(0)


async def test_the_picker_leaves_out_tickets_already_merged(world: World, open_as: OpenAs) -> None:
    kept = await _open(world, world.client_a, world.dept_x, "Toner kept")
    gone = await _open(world, world.client_a, world.dept_x, "Toner gone")
    await merge.merge_tickets(actor=world.staff_x.actor, source=gone.number, target=kept.number)
    third = await _open(world, world.client_a, world.dept_x, "Toner third")
    page = await open_as(world.staff_x, f"/admin/tickets/{third.number}")
    await page.get_by_role("button", name="Merge into…").click()
    await page.get_by_label("Find the ticket to keep").fill("Toner")
    await expect(page.get_by_role("radio", name=f"#{kept.number} Toner kept")).to_be_visible()
    await expect(page.get_by_role("radio", name=f"#{gone.number} Toner gone")).to_have_count(0)


async def test_a_client_whose_ticket_went_to_another_clients_gets_no_reply_box(
    world: World, open_as: OpenAs
) -> None:
    alices = await _open(world, world.client_a, world.dept_x, "Alice's toner")
    bobs = await _open(world, world.client_b, world.dept_x, "Bob's toner")
    await merge.merge_tickets(
        actor=world.staff_x.actor,
        source=alices.number,
        target=bobs.number,
        different_clients=True,
    )
    page = await open_as(world.client_a, f"/client/tickets/{alices.number}")
    note = page.get_by_role("status").filter(has_text="merged into another conversation")
    await expect(note).to_be_visible()
    await expect(note.get_by_role("link", name="open a new ticket")).to_have_attribute(
        "href", "/client/tickets/new"
    )
    await expect(page.get_by_label("Your reply")).to_have_count(0)
