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
from app.services import canned, messages, tags, tickets
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
    return int(
        await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    )


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
CLIENT_PAGES = [
    "/client/tickets",
    "/client/tickets/{number}",
    "/client/tickets/new",
    "/account",
]


@pytest.mark.parametrize("who", ["admin", "staff_x", "client_a"])
async def test_no_page_scrolls_sideways_on_a_phone(
    world: World, open_as: OpenAs, who: str
) -> None:
    number = await a_world_to_look_at(world)
    person: Person = getattr(world, who)
    pages = {"admin": ADMIN_PAGES, "staff_x": STAFF_PAGES, "client_a": CLIENT_PAGES}[who]
    page = await open_as(person, "/account", **PHONE)
    wide = {}
    for path in pages:
        url = path.format(number=number, client=world.client_a.id)
        await visit(page, url)
        wide[url] = await overflow(page)
        import os
        if os.environ.get("PHONE_SHOTS"):
            await page.screenshot(path=f"/tmp/phone/{who}{url.replace('/', '_')}.png", full_page=True)
    print(wide)
    assert {url: px for url, px in wide.items() if px > 0} == {}
