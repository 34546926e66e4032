"""Fixtures for the live-update tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from wsclient import wait_live


@pytest.fixture
async def live(live_server: str, world: object) -> AsyncIterator[str]:
    """The live server's base URL, with no subscription left over from an earlier test."""
    await wait_live(live_server, subscriptions=0, connections=0)
    yield live_server
