"""The Reports page: staff and admins pick dates, a department and a period, and read each
report as a chart and a table (the figures of a known history), with a CSV link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from app.infra.clock import clock
from tests.conftest import World
from tests.reports.seed import NOW, a_month, history
from tests.web.browser import SCREENSHOTS, OpenAs

pytestmark = pytest.mark.browser

# The README's picture is refreshed only with UPDATE_SCREENSHOTS=1, like the others.
SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "reports.png"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else SCREENSHOTS / "reports.png"
)


@pytest.fixture
async def seeded(world: World):
    clock.freeze(NOW)
    await history(world)
    yield world
    clock.unfreeze()


async def pick_span(page: Page) -> None:
    await page.get_by_label("From").fill("2026-03-02")
    await page.get_by_label("To (inclusive)").fill("2026-03-04")


def section(page: Page, title: str):
    return page.get_by_role("region", name=title)


async def rows_of(page: Page, title: str) -> list[list[str]]:
    table = section(page, title).locator("table.report tbody tr")
    return [
        [cell.strip() for cell in await row.locator("th, td").all_inner_texts()]
        for row in await table.all()
    ]


async def test_staff_read_their_departments_figures(seeded: World, open_as: OpenAs) -> None:
    page = await open_as(seeded.staff_x, "/admin/tickets")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    await pick_span(page)
    volume = section(page, "Tickets opened and closed")
    await expect(volume.locator("tbody tr").first).to_contain_text("2026-03-02")
    await expect(volume.locator("tbody tr")).to_have_count(3)
    assert await rows_of(page, "Tickets opened and closed") == [
        ["2026-03-02", "2", "0"],
        ["2026-03-03", "1", "1"],
        ["2026-03-04", "0", "1"],
    ]
    assert await rows_of(page, "First response and resolution times") == [
        ["Support", "20 min", "52 min", "3", "18.0 h", "22.8 h", "2"],
        ["Unassigned (staff)", "20 min", "20 min", "1", "12.0 h", "12.0 h", "1"],
        ["Xavier Staff (staff)", "35 min", "55 min", "2", "24.0 h", "24.0 h", "1"],
    ]
    # Billing is not theirs: not offered, and its tickets are in no figure.
    options = await page.get_by_label("Department").locator("option").all_inner_texts()
    assert options == ["All my departments", "Support"]
    assert await page.locator(".report-section canvas").count() == 6
    csv = section(page, "Tickets opened and closed").get_by_role("link", name="Download CSV")
    assert "/reports/ticket_volume.csv?" in (await csv.get_attribute("href") or "")


async def test_admin_picks_a_department_and_a_period(seeded: World, open_as: OpenAs) -> None:
    page = await open_as(seeded.admin, "/admin/reports")
    await pick_span(page)
    sla = section(page, "SLA compliance per target")
    await expect(sla.locator("tbody tr").first).to_contain_text("33.3%")
    assert await rows_of(page, "SLA compliance per target") == [
        ["First response", "1", "2", "0", "33.3%"],
        ["Resolution", "0", "1", "1", "0%"],
    ]
    assert (await rows_of(page, "Backlog by status (end of each period)"))[0] == [
        "2026-03-02", "1", "2", "0", "0", "0",
    ]  # fmt: skip
    # Customer satisfaction: the current ratings of each day (t3's replaced Good left out).
    assert await rows_of(page, "Customer satisfaction (ratings given)") == [
        ["2026-03-02", "0", "0", "\u2013"],  # an en dash: no ratings
        ["2026-03-03", "1", "0", "100%"],
        ["2026-03-04", "1", "1", "50%"],
    ]
    await page.get_by_label("Period", exact=True).select_option(label="Week")
    await expect(section(page, "Tickets opened and closed").locator("tbody tr")).to_have_count(1)
    assert await rows_of(page, "Tickets opened and closed") == [["2026-03-02", "4", "2"]]
    await page.get_by_label("Department").select_option(label="Billing")
    await expect(section(page, "Tickets opened and closed").locator("tbody tr")).to_contain_text(
        "1"
    )
    assert await rows_of(page, "Tickets opened and closed") == [["2026-03-02", "1", "0"]]


async def test_screenshot_of_a_month(world: World, open_as: OpenAs) -> None:
    """docs/reports.png, the README's picture: a month of tickets, per day, every department."""
    clock.freeze(NOW.replace(day=31))
    try:
        await a_month(world, clock.now())
        page = await open_as(world.admin, "/admin/reports", width=1400, height=1000)
        await page.get_by_label("From").fill("2026-03-01")
        await page.get_by_label("To (inclusive)").fill("2026-03-30")
        rows = section(page, "Tickets opened and closed").locator("tbody tr")
        await expect(rows).to_have_count(30)
        assert await page.locator(".report-section canvas").count() == 6
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT), full_page=True)
    finally:
        clock.unfreeze()


async def test_dates_the_wrong_way_round_are_said_once(seeded: World, open_as: OpenAs) -> None:
    page = await open_as(seeded.staff_x, "/admin/reports")
    await page.get_by_label("From").fill("2026-03-04")
    await page.get_by_label("To (inclusive)").fill("2026-03-01")
    alert = page.get_by_role("alert")
    await expect(alert).to_have_text("The end must be after the start.")
    assert await page.locator(".report-section").count() == 0
    await page.get_by_label("To (inclusive)").fill("2026-03-04")
    await expect(page.locator(".report-section canvas")).to_have_count(6)
    await expect(alert).to_have_count(0)
