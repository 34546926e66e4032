"""The auto-close job: run by cron every 10 minutes, or enqueued by name with no arguments."""

from __future__ import annotations

import logging
from typing import Any

from arq import func
from arq.cron import cron

from app.config import Settings
from app.services.auto_close import close_idle_tickets
from app.workers.timeouts import JOB_TIMEOUT_SECONDS

log = logging.getLogger(__name__)


async def auto_close_tickets(ctx: dict[str, Any]) -> int:
    """Close the tickets that are due; returns how many this run closed."""
    settings: Settings = ctx["settings"]
    closed = await close_idle_tickets(default_days=settings.auto_close_days)
    if closed:
        log.info("auto-closed %s: %s", len(closed), ", ".join(f"#{c.number}" for c in closed))
    return len(closed)


FUNCTIONS: list[Any] = [
    func(auto_close_tickets, name="auto_close_tickets", max_tries=3, timeout=JOB_TIMEOUT_SECONDS)
]
CRON_JOBS: list[Any] = [
    cron(
        auto_close_tickets,
        name="cron:auto_close_tickets",
        minute=set(range(0, 60, 10)),
        second=7,
        unique=True,  # several workers: arq enqueues one run per tick
        timeout=JOB_TIMEOUT_SECONDS,  # each ticket closes alone; the rest wait for the next run
    )
]
