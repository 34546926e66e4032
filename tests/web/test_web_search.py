"""The search box of the staff list in the browser: finds by client and message text, ranks,
and shows where it matched as text (markup in a message is never rendered)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.models import Role, User
from app.services import messages, tickets
from tests.conftest import World, make_person
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_search_box_finds_and_highlights(world: World, open_as: OpenAs) -> None:
    carol = await make_person("Carol Client", "carol@example.com", Role.CLIENT)
    invoice = await tickets.open_ticket(
        actor=carol.actor,
        department_id=world.dept_x.id,
        subject="Invoice missing",
        body="Nothing arrived for March.",
        settings=get_settings(),
    )
    printer = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer",
        body='The tray says <img src=x onerror="window.pwned=1"> and stops.',
        settings=get_settings(),
    )
    await messages.add_internal_note(
        actor=world.staff_x.actor,
        number=printer.ticket.number,
        body="Vendor case zanzibar",
        settings=get_settings(),
    )
    page = await open_as(world.staff_x, "/admin/tickets")
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(2)
    search = page.get_by_label("Search")

    await search.fill("carol")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-number", str(invoice.ticket.number))
    await expect(rows.first.locator(".highlight mark")).to_have_text("Carol")

    await search.fill(f"#{printer.ticket.number}")
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator(".highlight")).to_contain_text("Number")

    await search.fill("tray")
    await expect(rows).to_have_count(1)
    snippet = rows.first.locator(".highlight")
    await expect(snippet.locator("mark")).to_have_text("tray")
    await expect(snippet).to_contain_text("tray says")
    assert await snippet.locator("img").count() == 0
    assert await page.evaluate("window.pwned") is None

    await search.fill("zanzibar")
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator(".highlight")).to_contain_text("Internal note")
    await expect(page).to_have_url(re.compile(r"[?&]q=zanzibar"))


async def test_client_search_finds_own_tickets_never_notes(world: World, open_as: OpenAs) -> None:
    mine = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer",
        body="The tray is stuck.",
        settings=get_settings(),
    )
    await tickets.open_ticket(
        actor=world.client_b.actor,
        department_id=world.dept_x.id,
        subject="Other printer",
        body="The tray is stuck here too.",
        settings=get_settings(),
    )
    await messages.add_internal_note(
        actor=world.staff_x.actor,
        number=mine.ticket.number,
        body="Vendor case zanzibar",
        settings=get_settings(),
    )
    page = await open_as(world.client_a, "/client/tickets")
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(1)
    search = page.get_by_label("Search", exact=True)
    await search.fill("tray")
    await expect(rows.first.locator(".highlight mark")).to_have_text("tray")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-number", str(mine.ticket.number))
    await search.fill("zanzibar")
    await expect(page.get_by_text("No tickets match.")).to_be_visible()
    await expect(rows).to_have_count(0)
    await expect(page.locator(".highlight")).to_have_count(0)


async def test_a_refused_search_shows_the_error_not_loading_rows(
    world: World, open_as: OpenAs
) -> None:
    printer = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer",
        body="The tray is stuck.",
        settings=get_settings(),
    )
    await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Scanner",
        body="Blank pages.",
        settings=get_settings(),
    )
    page = await open_as(world.staff_x, "/admin/tickets")
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(2)
    search = page.get_by_label("Search")
    # A tab pasted into the box is a space: "printer" in the subject, "tray" in a message.
    await search.fill("printer\ttray")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-number", str(printer.ticket.number))
    await expect(page).to_have_url(re.compile(r"[?&]q=printer\+tray"))
    # A search the server refuses: the error, and the last results with their count.
    await search.fill("printer \ue000")
    await expect(page.get_by_role("alert")).to_contain_text("cannot be searched for")
    await expect(rows).to_have_count(1)
    await expect(page.locator("tr.skeleton")).to_have_count(0)
    await expect(page.get_by_text("1 ticket", exact=True)).to_be_visible()
    # Opened with it: the error and an empty list, not grey rows.
    page = await open_as(world.staff_x, "/admin/tickets?q=%EE%80%80")
    await expect(page.get_by_role("alert")).to_contain_text("cannot be searched for")
    await expect(page.locator("tr.skeleton")).to_have_count(0)
    await expect(page.get_by_text("No tickets match.")).to_be_visible()


@pytest.mark.parametrize(
    ("language", "hint"),
    [
        ("en", "Add a word to search for: -word only leaves tickets out."),
        ("de", "Geben Sie auch ein Suchwort ein: -Wort schließt Tickets nur aus."),
    ],
)
async def test_a_search_that_only_leaves_words_out_says_so(
    world: World, open_as: OpenAs, language: str, hint: str
) -> None:
    """A search for "-pineapple" alone finds nothing; the empty list says why, in the staff
    list and in My Tickets, and a search with a word to look for keeps the plain empty state."""
    await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer",
        body="The tray is stuck.",
        settings=get_settings(),
    )
    await User.filter(id__in=[world.admin.id, world.client_a.id]).update(language=language)
    for person, path in [(world.admin, "/admin/tickets"), (world.client_a, "/client/tickets")]:
        page = await open_as(person, path)
        rows = page.locator("table.tickets tbody tr")
        await expect(rows).to_have_count(1)
        search = page.locator('input[type="search"]')
        await search.fill("-pineapple")
        await expect(page.locator("p.empty")).to_contain_text(hint)
        await expect(rows).to_have_count(0)
        await search.fill("zanzibar -pineapple")
        await expect(page.locator("p.empty")).to_be_visible()
        await expect(page.locator("p.empty")).not_to_contain_text(hint)
