"""Housekeeping: what a crashed process or old mail leaves behind, removed by a periodic job.

- Upload leftovers: partial uploads (``tmp/``) and holds (``pins/``) older than
  ``LEFTOVER_AGE``; a live upload finishes within seconds, and a pin is dropped as soon as its
  message is committed or refused.
- Orphaned contents: stored files no attachment row references, last written more than
  ``UPLOAD_ORPHAN_HOURS`` ago. The store's own protocol (pins looked at, then rows, before
  and after moving the file aside) keeps an upload in flight safe even past the grace period.
- Raw inbound mail older than ``INBOUND_MAIL_RETENTION_DAYS`` once done with (processed,
  ignored, or rejected by an admin): its bytes are emptied, the row stays (sender, subject,
  status, ticket, and the dedupe key that stops a redelivery being posted twice). Mail that is
  waiting, held, failed or refused-but-re-runnable is never touched.
- Reply drafts nobody touched for ``DRAFT_RETENTION_DAYS`` (default 30; 0 keeps them).

The orphan sweep walks the store one first-level shard (``00``…``ff``) at a time and stops
after ``SWEEP_BUDGET_SECONDS``, well inside the job's timeout; the next run goes on from the
shard after the last one done (kept in ``<HELPDESK_VAR>/housekeeping-shard``), so a store of
any size is covered in turn instead of the job being killed at its timeout every hour.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tortoise.expressions import Q

from app.config import Settings
from app.infra.clock import now
from app.infra.storage import LocalFileStore, local_store
from app.models import Attachment, InboundMail, InboundStatus
from app.services.drafts import purge_old_drafts

log = logging.getLogger(__name__)

LEFTOVER_AGE = timedelta(hours=1)
BATCH = 500
SWEEP_BUDGET_SECONDS = 25.0
"""Time one run spends on orphans (the job's timeout is 40 s)."""
SHARDS = [f"{i:02x}" for i in range(256)]


@dataclass(frozen=True)
class Swept:
    leftovers: int = 0
    orphans: int = 0
    inbound_emptied: int = 0
    drafts_purged: int = 0


async def _referenced(sha256: str) -> bool:
    return await Attachment.filter(sha256=sha256).exists()


def _cursor_file(settings: Settings) -> Path:
    return settings.var_dir / "housekeeping-shard"


def _next_shard(settings: Settings) -> int:
    try:
        return int(_cursor_file(settings).read_text()) % len(SHARDS)
    except (OSError, ValueError):
        return 0


async def sweep_uploads(
    settings: Settings, budget_seconds: float = SWEEP_BUDGET_SECONDS
) -> tuple[int, int]:
    """(leftover temporary files removed, orphaned contents removed). At least one shard is
    swept per run, more while ``budget_seconds`` of real time last."""
    store = local_store(settings)
    moment = now()
    leftovers = 0
    for path in list(store.leftovers((moment - LEFTOVER_AGE).timestamp())):
        path.unlink(missing_ok=True)
        leftovers += 1
    cutoff = (moment - timedelta(hours=settings.upload_orphan_hours)).timestamp()
    deadline = time.monotonic() + budget_seconds
    first = _next_shard(settings)
    orphans = done = 0
    while done < len(SHARDS):
        orphans += await _sweep_shard(store, SHARDS[(first + done) % len(SHARDS)], cutoff)
        done += 1
        if time.monotonic() >= deadline:
            break
    if settings.var_dir.is_dir():
        _cursor_file(settings).write_text(str((first + done) % len(SHARDS)))
    return leftovers, orphans


async def _sweep_shard(store: LocalFileStore, shard: str, cutoff: float) -> int:
    orphans = 0
    old = list(store.contents(cutoff, shard))
    for start in range(0, len(old), BATCH):
        batch = old[start : start + BATCH]
        # One query per batch finds the candidates; each is then removed by the store's own
        # protocol, which looks at its pins and rows again.
        used = set(
            await Attachment.filter(sha256__in=batch).distinct().values_list("sha256", flat=True)
        )
        for sha256 in batch:
            if sha256 not in used and await store.remove_unused(sha256, referenced=_referenced):
                orphans += 1
    return orphans


async def empty_old_inbound_mail(settings: Settings) -> int:
    """How many raw inbound messages were emptied (none when retention is off)."""
    days = settings.inbound_mail_retention_days
    if days <= 0:
        return 0
    done = Q(status__in=(InboundStatus.PROCESSED, InboundStatus.IGNORED)) | Q(
        status=InboundStatus.REFUSED, rejected=True
    )
    return await InboundMail.filter(
        done, received_at__lt=now() - timedelta(days=days), size__gt=0
    ).update(raw_bytes=b"", size=0)


async def housekeeping(settings: Settings) -> Swept:
    leftovers, orphans = await sweep_uploads(settings)
    emptied = await empty_old_inbound_mail(settings)
    purged = await purge_old_drafts(settings)
    swept = Swept(
        leftovers=leftovers, orphans=orphans, inbound_emptied=emptied, drafts_purged=purged
    )
    if leftovers or orphans or emptied or purged:
        log.info(
            "housekeeping: %s temporary upload files, %s orphaned files, %s raw mails emptied, "
            "%s old drafts removed",
            leftovers,
            orphans,
            emptied,
            purged,
        )
    return swept
