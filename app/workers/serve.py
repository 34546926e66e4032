"""Running the arq worker so that it outlives Redis going away.

arq's worker exits when its Redis connection breaks. ``serve_jobs`` starts a fresh worker once
Redis answers again, waiting with a growing backoff, saying so in one WARNING line; jobs that
were queued (or in flight) run once it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from arq.worker import Worker, get_kwargs
from redis.exceptions import RedisError

from app import events
from app.config import Settings
from app.workers.settings import worker_settings

log = logging.getLogger("app.worker")

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 5.0


async def serve_jobs(
    settings: Settings, *, owns_process: bool = True, stop: asyncio.Event | None = None
) -> None:
    """Run jobs until ``stop`` is set (or cancelled), reconnecting whenever Redis goes away."""
    config = worker_settings(settings, owns_process=owns_process)
    stop = stop or asyncio.Event()
    delay, away = BACKOFF_FIRST, False
    while not stop.is_set():
        worker = Worker(**{**get_kwargs(config), "handle_signals": False})  # type: ignore[arg-type]
        stopping = asyncio.ensure_future(stop.wait())
        try:
            task = asyncio.ensure_future(worker.main())
            worker.main_task = task
            if away:
                # main() connected and started: Redis is back.
                await asyncio.wait({task, stopping}, timeout=1.0, return_when="FIRST_COMPLETED")
            if away and not task.done() and not stop.is_set():
                log.info("Redis is back; the worker runs jobs again")
                away, delay = False, BACKOFF_FIRST
            await asyncio.wait({task, stopping}, return_when="FIRST_COMPLETED")
            if stop.is_set():
                await _finish_jobs_in_progress(worker, settings.stop_grace_seconds)
                return
            await task
            return
        except (RedisError, OSError) as exc:
            # Connection errors, and what they become inside a transaction (WatchError).
            if not away:
                log.warning("Redis is away (%s); the worker reconnects with backoff", exc)
            away = True
        finally:
            stopping.cancel()
            await _close(worker)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, BACKOFF_MAX)


async def _finish_jobs_in_progress(worker: Worker, grace: float) -> None:
    """Take no new job; give the running ones ``grace`` seconds. ``_close`` cancels the rest,
    and arq puts a cancelled job back in the queue ("cancelled, will be run again")."""
    worker.allow_pick_jobs = False
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        log.info("waiting for %d job(s) in progress", len(running))
        await asyncio.wait(running, timeout=grace)


async def _close(worker: Worker) -> None:
    """arq's ``close`` talks to Redis first; here the jobs stop and the start-up's resources
    are released even while Redis is away."""
    main = worker.main_task
    if main is not None and not main.done():
        main.cancel()
    tasks = [t for t in worker.tasks.values() if not t.done()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, *([main] if main else []), return_exceptions=True)
    if worker.on_shutdown is not None and "settings" in worker.ctx:
        with contextlib.suppress(Exception):
            await worker.on_shutdown(worker.ctx)
    if worker._pool is not None:
        with contextlib.suppress(Exception):
            await worker._pool.aclose()
        worker._pool = None


async def serve_metrics(settings: Settings, *, host: str, port: int, stop: asyncio.Event) -> None:
    """``helpdesk worker --metrics-port``: this process's ``/metrics`` (same token rule as the
    web server's) on a small HTTP server of its own, until ``stop``."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Route

    from app.infra.logs import uvicorn_log_config
    from app.infra.metrics import metrics_endpoint
    from app.infra.stopping import GracefulServer

    app = Starlette(
        routes=[Route("/metrics", metrics_endpoint(settings.metrics_token, events.record_backlog))]
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        access_log=False,
        log_config=uvicorn_log_config(settings.log_format),
    )
    await GracefulServer(config, stop, 1).serve()


async def worker_with_metrics(
    settings: Settings, *, host: str, port: int | None, stop: asyncio.Event
) -> None:
    """The worker, and its metrics server when ``port`` is given; either ending stops both."""
    if port is None:
        await serve_jobs(settings, stop=stop)
        return
    parts = [
        asyncio.create_task(serve_jobs(settings, stop=stop), name="worker"),
        asyncio.create_task(serve_metrics(settings, host=host, port=port, stop=stop)),
    ]
    await asyncio.wait(parts, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await asyncio.wait(parts)
    for part in parts:
        if not part.cancelled() and part.exception():
            raise part.exception()  # type: ignore[misc]
