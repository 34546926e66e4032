"""Fixtures for attachment tests: an uploader bound to the live server, and the file store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.config import Settings
from tests.attachments.helpers import Store, Uploader


@pytest.fixture
async def up(live_server: str, clean_db: None) -> AsyncIterator[Uploader]:
    async with httpx.AsyncClient(timeout=60) as http:
        yield Uploader(live_server, http)


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store(settings.var_dir / "files")
