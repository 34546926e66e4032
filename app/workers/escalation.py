"""The SLA escalation job: run by cron every minute, or enqueued by name with no arguments.

Safe with any number of workers: arq enqueues one run per tick (``unique``), and should two
runs overlap anyway each rule fires once per ticket and clock (``app.services.escalation``)."""

from __future__ import annotations

import logging
from typing import Any

from arq import func
from arq.cron import cron

from app.services.escalation import run_escalations
from app.workers.timeouts import JOB_TIMEOUT_SECONDS

log = logging.getLogger(__name__)


async def escalate_sla(ctx: dict[str, Any]) -> int:
    """Fire the escalation rules that are due; returns how many fired in this run."""
    fired = await run_escalations()
    if fired:
        log.info("SLA escalations: %s", ", ".join(f"#{f.number} rule {f.rule_id}" for f in fired))
    return len(fired)


FUNCTIONS: list[Any] = [
    func(escalate_sla, name="escalate_sla", max_tries=3, timeout=JOB_TIMEOUT_SECONDS)
]
CRON_JOBS: list[Any] = [
    cron(
        escalate_sla,
        name="cron:escalate_sla",
        second=23,  # every minute
        unique=True,
        timeout=JOB_TIMEOUT_SECONDS,
    )
]
