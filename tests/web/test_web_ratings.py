"""In the browser: the client rates a closed ticket on the portal and staff see it (the list's
Rating column, live, and the ticket page); the one-click link of the real closing mail records
the score without signing in, takes a comment, and a second click changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq import Worker
from playwright.async_api import expect

from app.config import Settings
from app.models import RatingScore, TicketRating
from app.services import tickets
from tests.conftest import World
from tests.core.helpers import open_as as open_ticket_as
from tests.mail_out.mailout_support import SmtpServer, mail_worker
from tests.ratings.ratings_support import closing_mail, rating_links
from tests.web.browser import OpenAs, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]


@pytest.fixture
async def mailer(settings: Settings, smtp: SmtpServer, world: World) -> AsyncIterator[Worker]:
    async with mail_worker(settings, smtp) as runner:
        yield runner


async def test_the_client_rates_on_the_portal_and_staff_see_it_live(
    world: World, open_as: OpenAs
) -> None:
    ticket = await open_ticket_as(world.client_a, world.dept_x, subject="Printer jammed")
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)

    staff_list = await open_as(world.staff_x, "/admin/tickets?status=all")
    row = staff_list.locator(f"tr[data-number='{ticket.number}']")
    await expect(row.locator("td[data-label='Rating']")).to_have_text("—")

    portal = await open_as(world.client_a, f"/client/tickets/{ticket.number}")
    await expect(portal.get_by_role("heading", name="How did we do?")).to_be_visible()
    send = portal.get_by_role("button", name="Send my rating")
    await expect(send).to_be_disabled()  # a score first
    await portal.get_by_label("Good").check()
    await portal.get_by_label("Comment (optional)").fill("Fixed in minutes")
    await send.click()
    await expect(portal.locator("#rating-given")).to_contain_text("You rated this ticket")
    await expect(portal.locator("#rating-given")).to_contain_text("Good")
    await expect(portal.locator("#rating-given")).to_contain_text("Fixed in minutes")
    await screenshot(portal, "rating-portal")

    # The staff list follows the RATED event without a reload.
    await expect(row.locator("td[data-label='Rating']")).to_contain_text("Good")
    await screenshot(staff_list, "rating-staff-list")

    staff_page = await open_as(world.staff_x, f"/admin/tickets/{ticket.number}")
    fact = staff_page.get_by_label("Customer satisfaction")
    await expect(fact).to_contain_text("Good")
    await expect(fact).to_contain_text("Fixed in minutes")

    # Changing it from the portal: the latest wins.
    await portal.get_by_role("button", name="Change my rating").click()
    await portal.get_by_label("Bad").check()
    await portal.get_by_role("button", name="Send my rating").click()
    await expect(portal.locator("#rating-given")).to_contain_text("Bad")
    await expect(fact).to_contain_text("Bad")  # live on the staff page too
    current = await TicketRating.get(ticket_id=ticket.id, current=True)
    assert current.score is RatingScore.BAD

    # Other clients see no such ticket, and an open ticket offers no rating.
    other = await open_as(world.client_b, f"/client/tickets/{ticket.number}")
    await expect(other.get_by_role("heading", name="Ticket not found")).to_be_visible()
    still_open = await open_ticket_as(world.client_a, world.dept_x, subject="Still open")
    open_page = await open_as(world.client_a, f"/client/tickets/{still_open.number}")
    await expect(open_page.get_by_role("heading", name="Still open")).to_be_visible()
    await expect(open_page.get_by_role("heading", name="How did we do?")).to_have_count(0)


async def test_the_mailed_link_rates_without_signing_in_once(
    world: World, open_as: OpenAs, smtp: SmtpServer, mailer: Worker
) -> None:
    ticket = await open_ticket_as(world.client_a, world.dept_x, subject="Lost my invoice")
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    links = rating_links(await closing_mail(smtp, "alice@example.com"))

    page = await open_as(None, links["Good"])
    done = page.locator("#rate-done")
    await expect(done).to_contain_text("Thank you! You rated it")
    await expect(done).to_contain_text("Good")
    await page.get_by_label("Anything to add? (optional)").fill("Very patient staff")
    await page.get_by_role("button", name="Send comment").click()
    await expect(done).to_contain_text("Very patient staff")
    await expect(done).to_contain_text("Thank you!")
    await expect(page.get_by_role("button", name="Send comment")).to_have_count(0)
    await screenshot(page, "rating-link")

    again = await open_as(None, links["Bad"])
    await expect(again.locator("#rate-done")).to_contain_text("You already rated it")
    await expect(again.locator("#rate-done")).to_contain_text("Good")
    await expect(again.get_by_text("A link rates once")).to_be_visible()
    rows = await TicketRating.filter(ticket_id=ticket.id)
    assert [(r.score, r.comment) for r in rows] == [(RatingScore.GOOD, "Very patient staff")]
