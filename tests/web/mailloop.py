"""The embedded mail loop for tests: the dev SMTP sink, the inbound SMTP listener and an arq
worker running the real notification and inbound jobs, all on this machine."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from arq import Worker, create_pool

from app.config import Settings
from app.infra.redis import arq_settings
from app.mail.listeners import start_smtp_listener
from app.mail.sink import get_raw, list_messages, mailbox_dir, start_sink
from app.workers import account_mail, inbound, notify
from tests.conftest import free_port
from tests.web.browser import until


@dataclass
class MailLoop:
    settings: Settings
    sink_port: int
    inbound_port: int


def embedded_mail(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> MailLoop:
    """Switch the running server to the embedded default for this test: SMTP_URL unset, mail
    to a sink on a free port, answers to an inbound listener on another."""
    loop = MailLoop(settings=settings, sink_port=free_port(), inbound_port=free_port())
    monkeypatch.setattr(settings, "smtp_url", None)
    monkeypatch.setattr(settings, "sink_port", loop.sink_port)
    monkeypatch.setattr(settings, "smtp_listen_port", loop.inbound_port)
    monkeypatch.setattr(settings, "smtp_listen_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_listen_lmtp", False)
    shutil.rmtree(mailbox_dir(settings), ignore_errors=True)
    return loop


@asynccontextmanager
async def running_mail_loop(loop: MailLoop, *, worker: bool = True) -> AsyncIterator[None]:
    """The sink and the inbound listener (storing and queueing mail), and with ``worker`` an
    arq worker that sends notifications and processes inbound mail as they are queued."""
    settings = loop.settings
    pool = await create_pool(arq_settings(settings))
    sink = await start_sink(mailbox_dir(settings), port=loop.sink_port)
    listener = await start_smtp_listener(settings, pool, host="127.0.0.1", port=loop.inbound_port)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings

    runner: Worker | None = None
    task: asyncio.Task[Any] | None = None
    if worker:
        runner = Worker(
            functions=[*notify.FUNCTIONS, *account_mail.FUNCTIONS, *inbound.FUNCTIONS],
            redis_settings=arq_settings(settings),
            burst=False,
            poll_delay=0.05,
            handle_signals=False,
            on_startup=startup,
            max_jobs=4,
        )
        task = asyncio.create_task(runner.main())
    try:
        yield
    finally:
        if runner is not None and task is not None:
            # Let jobs under way finish (closing cancels them), then stop polling.
            jobs = runner.tasks.values()
            await until(lambda: all(job.done() for job in jobs))
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await runner.close()
        listener.close()
        await listener.wait_closed()
        sink.close()
        await sink.wait_closed()
        await pool.aclose()


async def wait_for_mail(settings: Settings, to: str, containing: bytes) -> str:
    """The id of the newest caught message to ``to`` that contains ``containing``."""
    found: list[str] = []

    def caught() -> bool:
        for entry in list_messages(mailbox_dir(settings)):
            if to in entry.to and containing in (get_raw(mailbox_dir(settings), entry.id) or b""):
                found.append(entry.id)
                return True
        return False

    await until(caught)
    return found[0]
