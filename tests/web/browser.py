"""Driving Debian's Chromium with Python Playwright: launch options, signed-in pages, and the
screenshots the README shows."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
WEB_INDEX = ROOT / "web" / "dist" / "index.html"
# Test runs write to tests/artifacts/ (ignored by git); `UPDATE_SCREENSHOTS=1 make test`
# refreshes the README's pictures in docs/screenshots/.
SCREENSHOTS = ROOT / (
    "docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else "tests/artifacts/screenshots"
)
NOT_BUILT = (
    "web/dist is missing: build the UI with `make web` (make test does) to run the browser tests"
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FOUND = Path(CHROMIUM).exists()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

TIMEOUT_MS = 10_000  # the longest any UI condition may take; normally milliseconds
expect.set_options(timeout=TIMEOUT_MS)

OpenAs = Callable[..., Awaitable[Page]]
"""``await open_as(person, "/admin/tickets")``: see the ``open_as`` fixture."""


async def screenshot(page: Page, name: str) -> None:
    """Saves NAME.png under SCREENSHOTS (docs/screenshots/ is what the README shows)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


async def until(check: Callable[[], bool | Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until ``check()`` is true, at most ``within`` seconds (then TimeoutError)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"still not true after {within}s")
        await asyncio.sleep(0.03)
