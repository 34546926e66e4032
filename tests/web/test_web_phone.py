"""On a phone (390 px wide): no page scrolls sideways, for admins, staff and clients; the ticket
list's filters fold behind one button so the first ticket is above the fold; the admin menu
folds behind a menu button."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from playwright.async_api import Page, expect

from app.config import get_settings
from app.mail.inbound.process import process_inbound
from app.mail.inbound.store import store_message
from app.services import canned, ccs, messages, tags, tickets
from tests.conftest import Person, World
from tests.web.browser import OpenAs, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

LONG_SUBJECT = "The invoice PDF for March cannot be downloaded from the portal at all"
LONG_WORD = "https://example.com/" + "a-very-long-path-segment/" * 6 + "invoice.pdf"


async def a_world_to_look_at(world: World) -> int:
    """A ticket with a long subject, a reply with a long unbroken link, a note, a tag and a
    held inbound mail with a long sender and subject: what makes narrow pages overflow."""
    settings = get_settings()
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject=LONG_SUBJECT,
        body=f"It fails here: {LONG_WORD}",
        settings=settings,
    )
    number = opened.ticket.number
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=number, body="Looking into it.", settings=settings
    )
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=number, body="Billing bug again?", settings=settings
    )
    # An unbreakable address, copied (CC) on the ticket: in the CC panel, the thread's author
    # label and the audit trail.
    await ccs.set_ticket_ccs(
        actor=world.client_a.actor,
        settings=settings,
        number=number,
        addresses=["accounts.payable.department@northwindindustriesinternational.co.uk"],
    )
    tag = await tags.create_tag(actor=world.admin.actor, name="billing-portal", color="#1f5fbf")
    await tags.change_ticket_tags(actor=world.staff_x.actor, number=number, add=[tag.id])
    await canned.create_canned(
        actor=world.admin.actor, title="Greeting", body="Hello {{client_name}},\n\nthanks."
    )
    mail = EmailMessage()
    mail["From"] = "Bartholomew Longname-Somebody <bartholomew.longname-somebody@example.com>"
    mail["To"] = "support@helpdesk.test"
    mail["Subject"] = f"Re: [Ticket #{number}] {LONG_SUBJECT}"
    mail["Message-ID"] = "<phone-1@example.com>"
    mail.set_content("Any news?")
    stored = await store_message(bytes(mail), transport="smtp", settings=settings)
    await process_inbound(stored.id, notify=False, settings=settings)
    return number


async def overflow(page: Page) -> int:
    """How far the page scrolls sideways (0 when it does not)."""
    return int(await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


async def visit(page: Page, path: str) -> None:
    await page.goto(path)
    await expect(page.get_by_role("heading", level=1).first).to_be_visible()
    # The page's data is in (no skeleton rows, nothing loading).
    await expect(page.locator("tr.skeleton, p.loading")).to_have_count(0)


ADMIN_PAGES = [
    "/admin/tickets",
    "/admin/tickets/{number}",
    "/admin/tickets/new",
    "/admin/clients",
    "/admin/clients/{client}",
    "/admin/canned",
    "/admin/reports",
    "/admin/departments",
    "/admin/staff",
    "/admin/client-accounts",
    "/admin/tags",
    "/admin/sla",
    "/admin/settings",
    "/admin/inbound-mail",
    "/dev/mailbox",
    "/account",
]
STAFF_PAGES = [
    "/admin/tickets",
    "/admin/tickets/{number}",
    "/admin/clients",
    "/admin/canned",
    "/admin/reports",
    "/account",
]
SIGNED_OUT_PAGES = ["/login", "/forgot-password", "/signup"]
CLIENT_PAGES = [
    "/client/tickets",
    "/client/tickets/{number}",
    "/client/tickets/new",
    "/account",
]


@pytest.mark.parametrize("who", ["admin", "staff_x", "client_a", None])
async def test_no_page_scrolls_sideways_on_a_phone(
    world: World, open_as: OpenAs, who: str | None
) -> None:
    """Every page of each role, with long subjects, addresses and links in it."""
    number = await a_world_to_look_at(world)
    person: Person | None = getattr(world, who) if who else None
    pages = {"admin": ADMIN_PAGES, "staff_x": STAFF_PAGES, "client_a": CLIENT_PAGES}.get(
        who or "", SIGNED_OUT_PAGES
    )
    page = await open_as(person, "/login" if person is None else "/account", **PHONE)
    wide = {}
    for path in pages:
        url = path.format(number=number, client=world.client_a.id)
        await visit(page, url)
        wide[url] = await overflow(page)
    assert {url: px for url, px in wide.items() if px > 0} == {}
    assert len(wide) == len(pages)


async def test_the_ticket_list_on_a_phone(world: World, open_as: OpenAs) -> None:
    """The filters fold behind one button, so the first ticket is above the fold; each row is a
    card no wider than the screen, subject in full."""
    number = await a_world_to_look_at(world)
    page = await open_as(world.staff_x, "/admin/tickets", **PHONE)
    first = page.locator("table.tickets tbody tr[data-number]").first
    await expect(first).to_be_visible()
    box = await first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], "the first ticket is below the fold"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    subject = page.get_by_role("link", name=LONG_SUBJECT, exact=True)
    subject_box = await subject.bounding_box()
    assert subject_box is not None and subject_box["x"] + subject_box["width"] <= PHONE["width"]
    assert await subject.evaluate("a => a.scrollWidth <= a.clientWidth"), "cut off"

    # The search stays; the other filters are behind "Filters".
    await expect(page.get_by_label("Search")).to_be_visible()
    button = page.get_by_role("button", name="Filters")
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(page.get_by_label("Status")).to_be_hidden()
    await button.click()
    await expect(button).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_label("Status")).to_be_visible()
    await page.get_by_label("Status").select_option("all")
    await expect(button).to_have_text("Filters (1)")
    await expect(page.locator(f'tr[data-number="{number}"]')).to_be_visible()
    assert await overflow(page) == 0
    await button.click()
    await expect(page.get_by_label("Status")).to_be_hidden()
    await screenshot(page, "phone-tickets")

    # On a wide screen there is no button: the filters are simply there.
    wide = await open_as(world.staff_x, "/admin/tickets")
    await expect(wide.get_by_label("Status")).to_be_visible()
    await expect(wide.get_by_role("button", name="Filters")).to_be_hidden()


async def test_the_menu_folds_behind_a_button_on_a_phone(world: World, open_as: OpenAs) -> None:
    await a_world_to_look_at(world)
    page = await open_as(world.admin, "/admin/tickets", **PHONE)
    header = page.locator("header.top")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await expect(nav).to_be_hidden()
    header_box = await header.bounding_box()
    assert header_box is not None and header_box["height"] < 70, "one line, not four"

    await menu.click()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    await expect(nav.get_by_role("link", name="Inbound mail")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await screenshot(page, "phone-menu")
    await nav.get_by_role("link", name="Inbound mail").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Inbound mail")
    # Moving on folds the menu again.
    await expect(nav).to_be_hidden()
    await expect(menu).to_have_attribute("aria-expanded", "false")
    # The log is cards: every mail within the screen, nothing cut off.
    row = page.locator("table.log tbody tr").first
    await expect(row).to_contain_text("bartholomew.longname-somebody@example.com")
    for cell in await row.locator("td").all():
        if await cell.is_visible():
            box = await cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert await overflow(page) == 0

    # A wide window shows the whole menu and no button.
    wide = await open_as(world.admin, "/admin/tickets")
    await expect(wide.get_by_role("button", name="Menu")).to_be_hidden()
    await expect(
        wide.get_by_role("navigation", name="Main").get_by_role("link", name="Inbound mail")
    ).to_be_visible()
