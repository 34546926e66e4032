"""The housekeeping job: run by cron every hour, or enqueued by name with no arguments."""

from __future__ import annotations

from typing import Any

from arq import func
from arq.cron import cron

from app.config import Settings
from app.services.housekeeping import housekeeping
from app.workers.timeouts import JOB_TIMEOUT_SECONDS

# The same bound as every other job: arq holds *every* job of a worker that dies for the largest
# timeout of any of its functions + 10 s. A run cut short loses nothing; the next carries on.
TIMEOUT_SECONDS = JOB_TIMEOUT_SECONDS


async def run_housekeeping(ctx: dict[str, Any]) -> dict[str, int]:
    """Remove upload leftovers and orphans and empty old raw mail; returns what it removed."""
    settings: Settings = ctx["settings"]
    swept = await housekeeping(settings)
    return {
        "leftovers": swept.leftovers,
        "orphans": swept.orphans,
        "inbound_emptied": swept.inbound_emptied,
    }


FUNCTIONS: list[Any] = [
    func(run_housekeeping, name="housekeeping", max_tries=3, timeout=TIMEOUT_SECONDS)
]
CRON_JOBS: list[Any] = [
    cron(
        run_housekeeping,
        name="cron:housekeeping",
        minute=23,
        second=41,
        unique=True,  # several workers: arq enqueues one run per tick
        timeout=TIMEOUT_SECONDS,
    )
]
