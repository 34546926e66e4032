"""Live updates survive a dropped socket (what was missed is fetched again) and a revoked
session ends live pages at the sign-in page."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, WebSocketRoute, expect

from app.config import get_settings
from app.services import messages, tickets
from tests.conftest import World
from tests.web.browser import OpenAs, until

pytestmark = pytest.mark.browser

RESYNC_CLOSE_CODE = 4205  # what the server closes a socket with when events may be lost


class SocketGate:
    """Sits between the page and the server's WebSocket: can cut the live connection (as the
    server does when it asks for a resync) and refuse reconnects until opened again."""

    def __init__(self) -> None:
        self.open = True
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        self.subscribed = 0

    async def install(self, page: Page) -> None:
        await page.route_web_socket(re.compile(r"/graphql$"), self.handle)

    async def handle(self, page_side: WebSocketRoute) -> None:
        if not self.open:
            await page_side.close(code=RESYNC_CLOSE_CODE, reason="test: not yet")
            return
        server_side = page_side.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str) and '"type":"subscribe"' in message.replace(" ", ""):
                self.subscribed += 1
            server_side.send(message)

        page_side.on_message(to_server)
        server_side.on_message(page_side.send)
        self.live.append((page_side, server_side))

    async def cut(self) -> None:
        self.open = False
        for page_side, server_side in self.live:
            await server_side.close()
            await page_side.close(code=RESYNC_CLOSE_CODE, reason="Resync: reconnect and refetch")
        self.live.clear()


async def test_a_dropped_socket_refetches_what_it_missed(world: World, open_as: OpenAs) -> None:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Wifi keeps dropping",
        body="Every ten minutes.",
        settings=get_settings(),
    )
    number = opened.ticket.number
    gate = SocketGate()
    page = await open_as(world.client_a, f"/client/tickets/{number}", before=gate.install)
    thread = page.locator(".thread .message")
    await expect(thread).to_have_count(1)
    await until(lambda: gate.subscribed > 0)

    await gate.cut()
    # Staff answer while the page is disconnected: the event cannot reach it.
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=number,
        body="Try the 5 GHz network.",
        settings=get_settings(),
    )
    await expect(page.locator(".ticket-status")).to_contain_text("Open")
    assert await thread.count() == 1

    gate.open = True
    # The reconnect refetches: the missed reply and the new status appear without a reload.
    await expect(thread).to_have_count(2)
    await expect(thread.last).to_contain_text("Try the 5 GHz network.")
    await expect(page.locator(".ticket-status")).to_contain_text("Answered")


async def test_signing_out_elsewhere_ends_live_pages(world: World, open_as: OpenAs) -> None:
    page = await open_as(world.staff_x, "/admin/tickets")
    await expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    other = await open_as(world.staff_x, "/admin/tickets")
    await other.get_by_role("button", name="Sign out").click()
    await expect(other).to_have_url("/login")
    # The same session's socket in the first page is closed as revoked: it goes to sign in.
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Ftickets$"))
