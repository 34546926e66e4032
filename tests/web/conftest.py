"""Browser fixtures: Debian's Chromium driven by Python Playwright against the live server.

The UI must be built first (``make web``; ``make test`` does it). Without web/dist the browser
tests are skipped with a message saying so; the route and API tests run either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from app.auth.credentials import SESSION_COOKIE
from tests.conftest import Person
from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_FOUND,
    NOT_BUILT,
    TIMEOUT_MS,
    WEB_INDEX,
    OpenAs,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if WEB_INDEX.is_file():
        return
    skip = pytest.mark.skip(reason=NOT_BUILT)
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_FOUND:
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def open_as(browser: Browser, live_server: str) -> AsyncIterator[OpenAs]:
    """``await open_as(person, "/admin/tickets")``: a page in its own browser context signed
    in as ``person`` (their session token in the HttpOnly cookie, as ``login`` sets it), or
    signed out with ``None``; ``before(page)`` runs before the page loads; ``color_scheme``
    is the system setting the page sees (``prefers-color-scheme``, light by default)."""
    contexts: list[BrowserContext] = []

    async def open_page(
        person: Person | None,
        path: str,
        *,
        width: int = 1280,
        height: int = 860,
        before: Callable[[Page], Awaitable[None]] | None = None,
        locale: str | None = None,
        timezone_id: str | None = None,
        color_scheme: Literal["light", "dark"] = "light",
    ) -> Page:
        context = await browser.new_context(
            base_url=live_server,
            viewport={"width": width, "height": height},
            reduced_motion="reduce",
            # The browser's language and zone (Chromium's own when None).
            locale=locale,
            timezone_id=timezone_id,
            color_scheme=color_scheme,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        if person is not None:
            await context.add_cookies(
                [
                    {
                        "name": SESSION_COOKIE,
                        "value": person.token,
                        "url": live_server,
                        "httpOnly": True,
                        "sameSite": "Lax",
                    }
                ]
            )
        page = await context.new_page()
        if before is not None:
            await before(page)
        await page.goto(path)
        return page

    yield open_page
    for context in contexts:
        await context.close()
