"""Collision detection in the browser: who else is viewing or replying to a ticket."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_second_staff_member_shows_up_in_presence(world: World, open_as: OpenAs) -> None:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Laptop will not boot",
        body="It beeps three times.",
        settings=get_settings(),
    )
    path = f"/admin/tickets/{opened.ticket.number}"
    xavier = await open_as(world.staff_x, path)
    await expect(xavier.locator(".presence")).to_contain_text("Nobody else has this ticket open")

    ada = await open_as(world.admin, path)
    ada_on_xavier = xavier.locator(f'.presence [data-user-id="{world.admin.id}"]')
    await expect(ada_on_xavier).to_have_text("Ada Admin is viewing")
    await expect(ada.locator(f'.presence [data-user-id="{world.staff_x.id}"]')).to_have_text(
        "Xavier Staff is viewing"
    )
    # Nobody is shown as present to themselves.
    await expect(xavier.locator(f'.presence [data-user-id="{world.staff_x.id}"]')).to_have_count(0)

    # Writing a reply shows as replying; an empty box is back to viewing.
    await ada.get_by_label("Reply to the client").fill("I think it is the RAM")
    await expect(ada_on_xavier).to_have_text("Ada Admin is replying…")
    await ada.get_by_label("Reply to the client").fill("")
    await expect(ada_on_xavier).to_have_text("Ada Admin is viewing")

    # Leaving the ticket clears the presence at once (not after the heartbeat lapses).
    await (
        ada.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Tickets").click()
    )
    await expect(ada.get_by_role("heading", name="Tickets")).to_be_visible()
    await expect(ada_on_xavier).to_have_count(0, timeout=3000)
    await expect(xavier.locator(".presence")).to_contain_text("Nobody else has this ticket open")
