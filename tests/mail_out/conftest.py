"""Fixtures for outbound mail: the SMTP server, settings pointing at it, an event recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from arq import ArqRedis, create_pool
from mailout_support import EventRecorder, SmtpServer

from app import events
from app.config import Settings
from app.infra.redis import arq_settings
from app.workers.queue import ArqJobQueue


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The session settings with SMTP pointed at this test's server (nothing global changes)."""
    return settings.model_copy(update={"smtp_url": smtp.url})


@pytest.fixture
def job_ctx(mail_settings: Settings) -> dict[str, Any]:
    """What the arq worker hands a job, for calling job functions directly."""
    return {"settings": mail_settings, "job_try": 1}


@pytest.fixture
def recorder() -> Iterator[EventRecorder]:
    saved = (events.sinks.publisher, events.sinks.jobs)
    rec = EventRecorder()
    events.configure(publisher=rec, jobs=rec)
    yield rec
    events.configure(publisher=saved[0], jobs=saved[1])


@pytest.fixture
async def arq_pool(settings: Settings, redis: Any) -> AsyncIterator[ArqRedis]:
    """Services enqueue jobs on real Redis, as the web server does."""
    pool = await create_pool(arq_settings(settings))
    saved = (events.sinks.publisher, events.sinks.jobs)
    events.configure(publisher=None, jobs=ArqJobQueue(pool))
    yield pool
    events.configure(publisher=saved[0], jobs=saved[1])
    await pool.aclose()
