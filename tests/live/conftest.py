"""Fixtures for the live-update tests, and for the tests that run ``helpdesk`` processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from arq.connections import create_pool
from processes import HelpdeskProcess, ServerProcess, process_env
from redis_server import RedisServer, free_port
from wsclient import wait_live

from app import events
from app.config import Settings
from app.infra.pubsub import Hub
from app.infra.redis import arq_settings
from app.live.dispatcher import Dispatcher
from app.schema.core.renders import SharedRenders
from app.workers.queue import ArqJobQueue


@pytest.fixture
async def live(live_server: str, world: object) -> AsyncIterator[str]:
    """The live server's base URL, with no subscription left over from an earlier test."""
    await wait_live(live_server, subscriptions=0, connections=0)
    yield live_server


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    """A Redis of this test's own: no other test run's events or flushes reach it."""
    server = RedisServer(tmp_path / "redis")
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


@pytest.fixture
async def publishing(private_redis: RedisServer, settings: Settings) -> AsyncIterator[None]:
    """The test process's outbox relay sends to the private Redis, as every process of a
    deployment sends to its one Redis: events of services the test calls itself go there, and
    so does any row it relays for the processes it started (they share the database)."""
    saved = events.sinks.publisher, events.sinks.jobs
    pool = await create_pool(
        arq_settings(settings.model_copy(update={"redis_url": private_redis.url}))
    )
    async with Hub(private_redis.url) as hub:
        events.configure(publisher=hub, jobs=ArqJobQueue(pool))
        try:
            yield
        finally:
            await events.flushed()
            events.configure(publisher=saved[0], jobs=saved[1])
            await pool.aclose()


@pytest.fixture
async def start(
    settings: Settings, tmp_path: Path, private_redis: RedisServer, publishing: None
) -> AsyncIterator[Callable[..., HelpdeskProcess]]:
    """Start ``helpdesk`` processes on the test's database and the private Redis; all are
    stopped afterwards."""
    started: list[HelpdeskProcess] = []

    def starter(kind: str, *args: str, **env: str) -> HelpdeskProcess:
        log = tmp_path / f"{kind}-{len(started)}.log"
        environment = process_env(settings, REDIS_URL=private_redis.url, **env)
        if kind == "serve":
            process: HelpdeskProcess = ServerProcess(free_port(), environment, log)
        else:
            process = HelpdeskProcess([kind, *args], environment, log)
        process.start()
        started.append(process)
        return process

    yield starter
    for process in started:
        await asyncio.to_thread(process.stop)


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> list[SharedRenders]:
    """The shared renders of every event the server loads, to count how they were sent."""
    seen: list[SharedRenders] = []
    load = Dispatcher._load

    async def recording(self: Dispatcher, signal: Any) -> Any:
        loaded = await load(self, signal)
        if loaded is not None:
            seen.append(loaded.renders)
        return loaded

    monkeypatch.setattr(Dispatcher, "_load", recording)
    return seen
