"""Keyboard shortcuts: j / k / Enter / o in the ticket lists, r / n / a on a ticket, ? for the
list of them; never while typing in a field or with a modifier held."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from app.config import get_settings
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def three_tickets(world: World) -> list[int]:
    """Numbers newest first, as the list shows them."""
    numbers = []
    for subject in ("Printer jams", "Scanner is slow", "Fax smells"):
        opened = await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject=subject,
            body="Help.",
            settings=get_settings(),
        )
        numbers.append(opened.ticket.number)
    return numbers[::-1]


def row(page: Page, number: int) -> Locator:
    return page.locator(f'table.tickets tbody tr[data-number="{number}"]')


async def blur(page: Page) -> None:
    await page.evaluate("document.activeElement && document.activeElement.blur()")


async def test_j_and_k_move_through_the_list_and_enter_or_o_opens(
    world: World, open_as: OpenAs
) -> None:
    first, second, third = await three_tickets(world)
    page = await open_as(world.staff_x, "/admin/tickets")
    await expect(row(page, third)).to_be_visible()
    current = page.locator("table.tickets tbody tr[data-current]")
    await expect(current).to_have_count(0)

    await page.keyboard.press("j")
    await expect(current).to_have_attribute("data-number", str(first))
    await expect(row(page, first).get_by_role("link", name="Fax smells")).to_be_focused()
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await page.keyboard.press("j")  # stays on the last
    await expect(current).to_have_attribute("data-number", str(third))
    await page.keyboard.press("k")
    await expect(current).to_have_attribute("data-number", str(second))
    await expect(row(page, second).get_by_role("link", name="Scanner is slow")).to_be_focused()
    await page.keyboard.press("o")
    await expect(page).to_have_url(f"/admin/tickets/{second}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Scanner is slow")

    await page.go_back()
    await expect(row(page, first)).to_be_visible()
    await page.keyboard.press("j")
    await expect(current).to_have_attribute("data-number", str(first))
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"/admin/tickets/{first}")

    # The client's list too.
    client = await open_as(world.client_a, "/client/tickets")
    await expect(row(client, third)).to_be_visible()
    await client.keyboard.press("k")  # from nothing chosen, k starts at the bottom
    await expect(client.locator("tr[data-current]")).to_have_attribute("data-number", str(third))
    await client.keyboard.press("Enter")
    await expect(client).to_have_url(f"/client/tickets/{third}")


async def test_no_shortcut_while_typing_or_with_a_modifier(world: World, open_as: OpenAs) -> None:
    await three_tickets(world)
    page = await open_as(world.staff_x, "/admin/tickets")
    await expect(page.locator("table.tickets tbody tr[data-number]")).to_have_count(3)
    search = page.get_by_label("Search")
    await search.click()
    await page.keyboard.type("jko?")
    await expect(search).to_have_value("jko?")
    await expect(page.locator("tr[data-current]")).to_have_count(0)
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await search.fill("")
    await blur(page)
    for chord in ("Alt+j", "Control+j", "Meta+j", "Shift+J"):
        await page.keyboard.press(chord)
    await expect(page.locator("tr[data-current]")).to_have_count(0)
    await expect(page).to_have_url("/admin/tickets")


async def test_r_n_and_a_on_a_ticket(world: World, open_as: OpenAs) -> None:
    number = (await three_tickets(world))[0]
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Fax smells")
    switch = page.get_by_role("switch", name="Internal note instead of a reply")

    await page.keyboard.press("r")
    reply = page.get_by_label("Reply to the client")
    await expect(reply).to_be_focused()
    await expect(reply).to_have_value("")  # the key itself is not typed
    # In the box, letters are text: n is typed, not a note.
    await page.keyboard.type("no")
    await expect(reply).to_have_value("no")
    await expect(switch).not_to_be_checked()
    await reply.fill("")
    await blur(page)

    await page.keyboard.press("n")
    await expect(switch).to_be_checked()
    note = page.get_by_label("Internal note (staff only)")
    await expect(note).to_be_focused()
    await expect(note).to_have_value("")
    await blur(page)
    await page.keyboard.press("r")
    await expect(switch).not_to_be_checked()
    await expect(page.get_by_label("Reply to the client")).to_be_focused()
    await blur(page)

    await page.keyboard.press("a")
    assignee = page.get_by_label("Assigned to")
    await expect(assignee).to_be_focused()
    # On a select, r is the select's (it picks an option by letter), not the reply box.
    await page.keyboard.press("r")
    await expect(assignee).to_be_focused()

    # The client's page: r goes to the reply box.
    client = await open_as(world.client_a, f"/client/tickets/{number}")
    await expect(client.get_by_role("heading", level=1)).to_contain_text("Fax smells")
    await client.keyboard.press("r")
    await expect(client.get_by_label("Your reply")).to_be_focused()


async def test_question_mark_lists_the_shortcuts(world: World, open_as: OpenAs) -> None:
    number = (await three_tickets(world))[0]
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Fax smells")
    merge = page.get_by_role("button", name="Merge into")
    await merge.focus()
    await page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    for key, what in (
        ("j", "next ticket"),
        ("k", "previous ticket"),
        ("o", "open the chosen ticket"),
        ("r", "write a reply"),
        ("n", "internal note"),
        ("a", "assign"),
    ):
        await expect(
            dialog.get_by_role("row", name=re.compile(rf"\b{key}\b.*{what}"))
        ).to_be_visible()
    # While it is open, keys are not shortcuts (r does not reach the reply box).
    await page.keyboard.press("r")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(merge).to_be_focused()  # back where it was
    # In a field (here a select) ? is not a shortcut.
    await page.get_by_label("Priority").focus()
    await page.keyboard.press("?")
    await expect(dialog).to_be_hidden()

    # The Close button closes it too; it works for clients and signed-out pages as well.
    client = await open_as(world.client_a, "/client/tickets")
    await expect(client.get_by_role("heading", level=1)).to_be_visible()
    await expect(client.get_by_role("link", name="Fax smells")).to_be_visible()  # loaded
    await blur(client)
    await client.keyboard.press("?")
    listed = client.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(listed).to_be_visible()
    await expect(listed.get_by_role("row", name=re.compile(r"write a reply"))).to_be_visible()
    # A client is not offered what only staff have (notes, assigning, the staff list's search).
    for staff_only in ("internal note", "assign", "Search the ticket list"):
        await expect(listed.get_by_role("row", name=re.compile(staff_only))).to_have_count(0)
    await listed.get_by_role("button", name="Close").click()
    await expect(client.get_by_role("dialog")).to_be_hidden()
