"""``helpdesk mail-in``: one raw message on standard input, for an MTA's pipe or alias.

Exit codes follow sysexits(3), which MTAs understand: 0 when the message is stored (and
queued), 75 (EX_TEMPFAIL) when the database or Redis cannot be reached or the configuration
cannot be read, so the MTA keeps the message and tries again; 66 (EX_NOINPUT) on empty input.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace

from arq.connections import create_pool

EX_OK = 0
EX_NOINPUT = 66
EX_TEMPFAIL = 75
TIMEOUT_SECONDS = 120


def _strip_mbox_from_line(raw: bytes) -> bytes:
    """Some delivery agents put an mbox "From sender date" line before the headers."""
    if raw.startswith(b"From "):
        _, _, rest = raw.partition(b"\n")
        return rest
    return raw


async def _ingest(raw: bytes) -> str:
    from app.config import get_settings
    from app.infra import db
    from app.infra.redis import arq_settings
    from app.mail.inbound.intake import TemporaryFailure, accept

    settings = get_settings()
    await db.connect(settings)
    pool = None
    try:
        redis_error: Exception | None = None
        try:
            # One quick try: the MTA retries a temporary failure on its own schedule.
            pool = await create_pool(replace(arq_settings(settings), conn_retries=0))
        except Exception as exc:
            redis_error = exc  # store the message all the same: the MTA's retry finds it
        stored = await accept(raw, transport="pipe", pool=pool, settings=settings)
        if redis_error is not None:
            raise TemporaryFailure(f"stored as #{stored.id}, but Redis is unavailable")
        seen = "" if stored.created else " (seen before)"
        return f"inbound mail #{stored.id}: {stored.status.value}{seen}"
    finally:
        if pool is not None:
            await pool.aclose()
        await db.disconnect()


def mail_in() -> int:
    raw = _strip_mbox_from_line(sys.stdin.buffer.read())
    if not raw.strip():
        print("helpdesk mail-in: no message on standard input", file=sys.stderr)
        return EX_NOINPUT
    try:
        summary = asyncio.run(asyncio.wait_for(_ingest(raw), TIMEOUT_SECONDS))
    except Exception as exc:  # any failure: the MTA keeps the message and retries
        print(f"helpdesk mail-in: temporary failure: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    print(summary, file=sys.stderr)
    return EX_OK
