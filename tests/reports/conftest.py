"""The report tests' known history, with the clock at its "now"."""

from __future__ import annotations

import pytest

from app.infra.clock import clock
from tests.reports.seed import NOW, history


@pytest.fixture
async def seeded(world):
    clock.freeze(NOW)
    await history(world)
    yield world
    clock.unfreeze()
