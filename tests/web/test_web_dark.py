"""Dark mode follows the system setting (prefers-color-scheme): a dark page with readable text,
status badges, internal notes, links and fields, in both schemes (WCAG AA, 4.5:1)."""

from __future__ import annotations

from typing import Literal

import pytest
from playwright.async_api import Page, expect

from app.config import get_settings
from app.services import messages, tickets
from tests.conftest import World
from tests.web.browser import OpenAs, screenshot

pytestmark = pytest.mark.browser

# The colour of an element's text and of what is behind it (the first ancestor with a
# background), each as [r, g, b], and their WCAG contrast ratio.
CONTRAST_JS = """
(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const behind = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const fg = rgb(getComputedStyle(el).color).slice(0, 3);
  const bg = behind(el);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return { fg, bg, ratio: (a + 0.05) / (b + 0.05), background: lum(bg) };
}
"""

BADGES = [
    *(
        f"status-{s}"
        for s in ("open", "answered", "customer_reply", "in_progress", "on_hold", "closed")
    ),
    *(f"priority-{p}" for p in ("low", "medium", "high", "urgent")),
    *(f"sla-{s}" for s in ("on_track", "at_risk", "breached", "met", "paused")),
    "rating-good",
    "rating-bad",
]


async def contrast(page: Page, selector: str) -> float:
    found = await page.locator(selector).first.evaluate(CONTRAST_JS)
    return float(found["ratio"])


async def readable(page: Page, selectors: list[str]) -> dict[str, float]:
    """The selectors whose text is below 4.5:1 against its background."""
    low = {}
    for selector in selectors:
        ratio = await contrast(page, selector)
        if ratio < 4.5:
            low[selector] = round(ratio, 2)
    return low


async def page_background(page: Page) -> float:
    """The relative luminance of the page's background (0 black, 1 white)."""
    found = await page.locator("main").evaluate(CONTRAST_JS)
    return float(found["background"])


async def a_ticket_with_a_note(world: World) -> int:
    settings = get_settings()
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer jams",
        body="Every second page.",
        settings=settings,
    )
    number = opened.ticket.number
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=number, body="Which tray?", settings=settings
    )
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=number, body="Probably tray 2.", settings=settings
    )
    return number


@pytest.mark.parametrize("scheme", ["dark", "light"])
async def test_text_is_readable_in_either_scheme(
    world: World, open_as: OpenAs, scheme: Literal["dark", "light"]
) -> None:
    number = await a_ticket_with_a_note(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}", color_scheme=scheme, width=1280)
    await expect(page.locator(".thread .message.note")).to_contain_text("Probably tray 2.")
    background = await page_background(page)
    if scheme == "dark":
        assert background < 0.05, "the page is dark"
    else:
        assert background > 0.8, "the page is light"

    await page.get_by_label("Reply to the client").fill("Tray 2, then.")
    assert (
        await readable(
            page,
            [
                "h1",
                ".ticket-head .meta",
                ".crumbs a",
                ".thread .message:not(.note) .body",
                ".thread .message.note .body",
                ".thread .message.note .note-tag",
                "#reply-body",
                "#ticket-priority",
                "button.primary",
                ".composer small.muted",
                ".audit li",
            ],
        )
        == {}
    )
    # Every badge the UI can show, whether or not this page has one now.
    await page.evaluate(
        """(classes) => {
            const box = document.createElement("p");
            box.id = "all-badges";
            for (const c of classes) {
                const b = document.createElement("span");
                b.className = `badge ${c}`;
                b.textContent = c;
                box.append(b);
            }
            document.querySelector(".thread").append(box);
        }""",
        BADGES,
    )
    assert await readable(page, [f"#all-badges .{c}" for c in BADGES]) == {}
    # The note stands apart from the page and from a reply.
    note = await page.locator(".thread .message.note").evaluate(CONTRAST_JS)
    reply = await page.locator(".thread .message:not(.note)").first.evaluate(CONTRAST_JS)
    assert note["bg"] != reply["bg"]


async def test_the_dark_list_and_reports(world: World, open_as: OpenAs) -> None:
    await a_ticket_with_a_note(world)
    page = await open_as(world.staff_x, "/admin/tickets", color_scheme="dark")
    await expect(page.locator("table.tickets tbody tr[data-number]")).to_have_count(1)
    assert await page_background(page) < 0.05
    assert (
        await readable(
            page,
            [
                "table.tickets th button.sort",
                "table.tickets a.subject",
                "table.tickets td[data-key='client']",
                "#filter-search",
                "#filter-status",
                ".views h2",
                "header.top a.brand",
            ],
        )
        == {}
    )
    # Links are lighter than the page, not the light theme's dark blue.
    link = await page.locator("table.tickets a.subject").evaluate(CONTRAST_JS)
    assert sum(link["fg"]) > sum(link["bg"]) + 300

    await page.goto("/admin/reports")
    await expect(page.locator(".report-section canvas").first).to_be_visible()
    assert await page_background(page) < 0.05
    assert await readable(page, ["table.report th", "table.report td", "h2"]) == {}


async def test_dark_screenshots(world: World, open_as: OpenAs) -> None:
    number = await a_ticket_with_a_note(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}", color_scheme="dark")
    await expect(page.locator(".thread .message.note")).to_be_visible()
    await screenshot(page, "dark-ticket")
    phone = await open_as(
        world.client_a, "/client/tickets", color_scheme="dark", width=390, height=844
    )
    await expect(phone.locator("table.tickets tbody tr[data-number]")).to_have_count(1)
    await screenshot(phone, "dark-phone-portal")
