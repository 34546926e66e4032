"""A message too long to format (over 20,000 characters, shown as written) wraps on the staff
and the client ticket page, on a desk and on a phone: a 26,000-character line does not make
the page scroll sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs
from tests.web.test_web_phone import PHONE, overflow

pytestmark = pytest.mark.browser

# Words and one unbroken run, all on one line: both have to wrap.
LINE = "All of March is missing from the invoices, again. " * 400 + "x" * 6_000


@pytest.mark.parametrize("size", [{}, PHONE], ids=["desk", "phone"])
async def test_a_very_long_line_wraps_on_both_ticket_pages(
    world: World, open_as: OpenAs, size: dict[str, int]
) -> None:
    assert len(LINE) == 26_000 and "\n" not in LINE
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Invoices missing",
        body=LINE,
        settings=get_settings(),
    )
    number = opened.ticket.number
    for person, path in (
        (world.staff_x, f"/admin/tickets/{number}"),
        (world.client_a, f"/client/tickets/{number}"),
    ):
        page = await open_as(person, path, **size)
        body = page.locator(".thread .message .body").first
        await expect(body.locator("pre")).to_contain_text("x" * 100)
        assert await overflow(page) == 0, path
        # The text itself wraps (not scrolled inside its own box).
        wide = await body.locator("pre").evaluate("e => e.scrollWidth - e.clientWidth")
        assert wide == 0, path
