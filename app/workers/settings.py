"""arq WorkerSettings: every job and cron the worker runs."""

from __future__ import annotations

import dataclasses
from typing import Any

from arq.connections import RedisSettings
from arq.typing import StartupShutdown

from app import events
from app.config import Settings
from app.infra import actor_generation, db
from app.infra.pubsub import Hub
from app.infra.redis import arq_settings, redis_url
from app.workers import account_mail, auto_close, escalation, housekeeping, inbound, notify
from app.workers.timeouts import JOB_TIMEOUT_SECONDS


async def startup(ctx: dict[str, Any], settings: Settings, *, owns_process: bool = True) -> None:
    """``owns_process``: this worker is the process (``helpdesk worker``), so it connects the
    database and runs the outbox relay; under ``helpdesk run`` the web server does both."""
    if owns_process:
        await db.connect(settings)
    ctx["settings"] = settings
    if not owns_process:
        return
    hub = Hub(redis_url(settings))
    await hub.connect()
    ctx["hub"] = hub
    from app.workers.queue import ArqJobQueue

    events.configure(publisher=hub, jobs=ArqJobQueue(ctx["redis"]))
    actor_generation.configure(ctx["redis"])  # the relay bumps it for session signals
    events.current_relay().start()


async def shutdown(ctx: dict[str, Any], *, owns_process: bool = True) -> None:
    await notify.sends_finished()  # mails on their way, also of jobs cancelled, are recorded
    await notify.close_smtp_pools()
    if not owns_process:
        return
    await events.current_relay().stop()
    events.configure(publisher=None, jobs=None)
    actor_generation.configure(None)
    hub: Hub | None = ctx.get("hub")
    if hub is not None:
        await hub.disconnect()
    await db.disconnect()


class WorkerSettings:
    functions: list[Any] = [
        *notify.FUNCTIONS,
        *account_mail.FUNCTIONS,
        *inbound.FUNCTIONS,
        *auto_close.FUNCTIONS,
        *escalation.FUNCTIONS,
        *housekeeping.FUNCTIONS,
    ]
    cron_jobs: list[Any] = [
        *inbound.CRON_JOBS,
        *auto_close.CRON_JOBS,
        *escalation.CRON_JOBS,
        *housekeeping.CRON_JOBS,
    ]
    on_startup: StartupShutdown  # made with the settings by worker_settings
    on_shutdown: StartupShutdown
    max_tries = 8
    # Sized to the jobs: arq holds a job for its timeout + 10 s, so a killed worker's jobs run
    # again within a minute (arq's default is 300 s).
    job_timeout = JOB_TIMEOUT_SECONDS
    redis_settings: RedisSettings | None = None


def worker_settings(settings: Settings, *, owns_process: bool = True) -> type[WorkerSettings]:
    """The WorkerSettings of a worker that runs with ``settings`` (jobs find them in
    ``ctx["settings"]``). arq reads a settings class's own ``__dict__``, so every attribute is
    set on the class made here, not inherited."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        await startup(ctx, settings, owns_process=owns_process)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await shutdown(ctx, owns_process=owns_process)

    # No connection retries inside arq (each one logs a warning): ``serve_jobs`` waits for Redis
    # with its own backoff and says so once.
    redis = dataclasses.replace(arq_settings(settings), conn_retries=0)
    attributes = {k: v for k, v in vars(WorkerSettings).items() if not k.startswith("__")}
    attributes.update(redis_settings=redis, on_startup=on_startup, on_shutdown=on_shutdown)
    return type("ConfiguredWorkerSettings", (WorkerSettings,), attributes)
