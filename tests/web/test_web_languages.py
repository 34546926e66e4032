"""Languages in the browser: a German user sees the portal and the dashboard in German with
dates in their own time zone (not the browser's); before signing in the browser's language
counts; the language switch on the account page turns the whole UI."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.models import User
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs, screenshot

pytestmark = pytest.mark.browser


async def _ticket_at(world: World, frozen_clock, moment: datetime) -> int:
    frozen_clock.freeze(moment)
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Drucker kaputt",
        body="Der Drucker druckt nicht.",
        settings=get_settings(),
    )
    frozen_clock.unfreeze()
    return opened.ticket.number


async def test_a_german_client_sees_the_portal_in_german_in_their_zone(
    world: World, open_as: OpenAs, frozen_clock
) -> None:
    number = await _ticket_at(world, frozen_clock, datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    await User.filter(id=world.client_a.id).update(language="de", time_zone="Asia/Tokyo")
    # The browser says English and Los Angeles: the profile wins.
    page = await open_as(
        world.client_a, "/client/tickets", locale="en-US", timezone_id="America/Los_Angeles"
    )
    await expect(page.get_by_role("heading", name="Meine Tickets")).to_be_visible()
    await expect(page.get_by_role("link", name="Ticket eröffnen").first).to_be_visible()
    await expect(page.get_by_role("columnheader", name="Betreff")).to_be_visible()
    row = page.locator(f"tr[data-number='{number}']")
    await expect(row.get_by_text("Offen")).to_be_visible()
    # 09:30 UTC is 18:30 in Tokyo, written the German way.
    await expect(row.locator("time")).to_have_attribute("title", "02.03.2026, 18:30")
    assert await page.evaluate("document.documentElement.lang") == "de"

    await row.get_by_role("link", name=f"#{number}").click()
    await expect(page.get_by_text("Status:")).to_be_visible()
    await expect(page.get_by_text("eröffnet")).to_be_visible()
    await expect(page.locator("p.meta time").first).to_have_attribute("title", "02.03.2026, 18:30")
    await expect(page.get_by_role("button", name="Ticket schließen")).to_be_visible()
    await screenshot(page, "ticket-german")


async def test_a_german_staff_member_sees_the_dashboard_in_german(
    world: World, open_as: OpenAs, frozen_clock
) -> None:
    number = await _ticket_at(world, frozen_clock, datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    await User.filter(id=world.staff_x.id).update(language="de", time_zone="Europe/Berlin")
    page = await open_as(world.staff_x, "/admin/tickets", timezone_id="UTC")
    nav = page.get_by_role("navigation", name="Hauptmenü")
    await expect(nav.get_by_role("link", name="Kunden")).to_be_visible()
    await expect(nav.get_by_role("link", name="Textbausteine")).to_be_visible()
    await expect(page.get_by_role("columnheader", name="Letzte Änderung")).to_be_visible()
    row = page.locator(f"tr[data-number='{number}']")
    # 23:30 UTC on 2 March is 00:30 on 3 March in Berlin: the date moves too.
    await expect(row.locator("time")).to_have_attribute("title", "03.03.2026, 00:30")
    await expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    await expect(page).to_have_title("Tickets · Helpdesk")
    # An English colleague on the same list: English, in the browser's zone.
    english = await open_as(world.admin, "/admin/tickets", locale="en-US", timezone_id="UTC")
    await expect(english.get_by_role("columnheader", name="Last update")).to_be_visible()
    await expect(english.locator(f"tr[data-number='{number}'] time")).to_have_attribute(
        "title", re.compile(r"^Mar 2, 2026, 11:30\sPM$")
    )


async def test_before_signing_in_the_browsers_language_counts(open_as: OpenAs, world) -> None:
    page = await open_as(None, "/login", locale="de-DE")
    await expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    await expect(page.get_by_label("Passwort")).to_be_visible()
    await expect(page.get_by_role("link", name="Passwort vergessen?")).to_be_visible()
    english = await open_as(None, "/login", locale="fr-FR")  # not shipped: English
    await expect(english.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_switching_the_language_on_the_account_page(world: World, open_as: OpenAs) -> None:
    page = await open_as(world.client_b, "/account", locale="en-US", timezone_id="UTC")
    form = page.get_by_role("form", name="Language and time zone")
    await form.get_by_label("Language").select_option("de")
    await form.get_by_label("Time zone").select_option("Europe/Vienna")
    await form.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("heading", name="Konto")).to_be_visible()
    await expect(page.get_by_role("link", name="Meine Tickets")).to_be_visible()
    stored = await User.get(id=world.client_b.id)
    assert (stored.language, stored.time_zone) == ("de", "Europe/Vienna")
    # It stays after a reload (it is the profile's, not the browser's).
    await page.reload()
    await expect(page.get_by_role("heading", name="Konto")).to_be_visible()
    form = page.get_by_role("form", name="Sprache und Zeitzone")
    await expect(form.get_by_label("Zeitzone")).to_have_value("Europe/Vienna")


async def test_a_german_user_meets_errors_notices_and_reports_in_german(
    world: World, open_as: OpenAs, live_server: str
) -> None:
    """What the API says (a typed error's message, report labels) and what the UI writes itself
    (the composer's notice, with its plural) are German for a German user, in an English
    browser."""
    from app.infra.clock import clock
    from app.services import messages
    from tests.reports.seed import NOW, history
    from tests.web.test_web_no_lost_updates import live_subscriptions, open_ticket

    await User.filter(id=world.staff_x.id).update(language="de", time_zone="Europe/Berlin")
    number = await open_ticket(world, "Scanner ist langsam")
    page = await open_as(world.staff_x, f"/admin/tickets/{number}", locale="en-US")
    await live_subscriptions(live_server, 2)
    await page.locator("#reply-body").fill("Haben Sie schon")
    for body in ("Noch etwas.", "Und noch etwas."):
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=number, body=body, settings=get_settings()
        )
    await expect(page.locator(".composer p.arrived")).to_contain_text(
        "2 Nachrichten von Alice Client sind eingegangen, während Sie geschrieben haben; "
        "lesen Sie sie oben, bevor Sie senden."
    )

    # An error the API answers: its message in German (the code is unchanged; see the API test).
    await page.goto("/account")
    form = page.get_by_role("form", name="Passwort ändern")
    await form.get_by_label("Aktuelles Passwort").fill("not-my-password")
    await form.get_by_label("Neues Passwort", exact=True).fill("a-better-password")
    await form.get_by_label("Neues Passwort wiederholen").fill("a-better-password")
    await form.get_by_role("button", name="Passwort ändern").click()
    await expect(form.get_by_text("Das aktuelle Passwort ist falsch.")).to_be_visible()
    await expect(page.get_by_text("The current password is wrong.")).to_have_count(0)

    # Reports: column and row labels from the API, and the page's own words.
    clock.freeze(NOW)
    try:
        await history(world)
        await page.goto("/admin/reports")
        await page.get_by_label("Von").fill("2026-03-02")
        await page.get_by_label("Bis (einschließlich)").fill("2026-03-04")
        volume = page.get_by_role("region", name="Eröffnete und geschlossene Tickets")
        await expect(volume.locator("thead")).to_contain_text("Eröffnet")
        await expect(volume.locator("thead")).to_contain_text("Geschlossen")
        times = page.get_by_role("region", name="Zeiten bis zur ersten Antwort und zur Lösung")
        await expect(times.locator("thead")).to_contain_text("Erste Antwort Median")
        await expect(times.locator("tbody")).to_contain_text("Nicht zugewiesen (Mitarbeitende)")
        hours = page.get_by_role("region", name=re.compile("Stoßzeiten|Busiest"))
        await expect(hours.locator("tbody")).to_contain_text("Montag")
        await expect(hours).to_contain_text("Zeiten in UTC.")
        for english in ("Opened", "Unassigned", "Monday", "(staff)"):
            await expect(page.locator("main").get_by_text(english, exact=False)).to_have_count(0)
    finally:
        clock.unfreeze()
