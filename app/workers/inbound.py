"""Inbound mail jobs: process one stored message, and a sweep that queues any message left
RECEIVED (its enqueue failed, or a worker died) so nothing stays unprocessed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from arq import Retry, cron, func

from app.infra.clock import now
from app.mail.inbound.intake import PROCESS_JOB, enqueue
from app.mail.inbound.process import MAX_ATTEMPTS, process_inbound
from app.models import InboundMail, InboundStatus
from app.workers.timeouts import JOB_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

RETRY_DELAYS = (5, 30, 120, 600)
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500


async def process_inbound_mail(ctx: dict[str, Any], inbound_id: int) -> str:
    try:
        mail = await process_inbound(inbound_id, settings=ctx["settings"], redis=ctx.get("redis"))
    except Exception as exc:
        tries = int(ctx.get("job_try") or 1)
        delay = RETRY_DELAYS[min(tries, len(RETRY_DELAYS)) - 1]
        log.exception("inbound mail %s: try %s failed; again in %ss", inbound_id, tries, delay)
        raise Retry(defer=delay) from exc
    return mail.status.value if mail is not None else "missing"


async def sweep_received_mail(ctx: dict[str, Any]) -> int:
    """Queue every message still RECEIVED a minute after it arrived (a no-op for those whose
    job is still waiting: the job id is the same)."""
    cutoff = now() - SWEEP_AFTER
    ids = await (
        InboundMail.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("id")
        .limit(SWEEP_BATCH)
        .values_list("id", flat=True)
    )
    for inbound_id in ids:
        await enqueue(ctx["redis"], int(inbound_id))  # type: ignore[call-overload]
    return len(ids)


FUNCTIONS: list[Any] = [
    func(
        process_inbound_mail,
        name=PROCESS_JOB,
        keep_result=0,
        max_tries=MAX_ATTEMPTS + 2,
        timeout=JOB_TIMEOUT_SECONDS,
    )
]
CRON_JOBS: list[Any] = [
    cron(
        sweep_received_mail,
        second={0},
        run_at_startup=True,
        unique=True,
        timeout=JOB_TIMEOUT_SECONDS,
    )
]
