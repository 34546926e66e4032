"""arq WorkerSettings: every job and cron the worker runs."""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.typing import StartupShutdown

from app import events
from app.config import Settings
from app.infra import db
from app.infra.pubsub import Hub
from app.infra.redis import arq_settings, redis_url
from app.workers import auto_close, inbound, notify


async def startup(ctx: dict[str, Any], settings: Settings) -> None:
    await db.connect(settings)
    hub = Hub(redis_url(settings))
    await hub.connect()
    ctx["hub"] = hub
    ctx["settings"] = settings
    from app.workers.queue import ArqJobQueue

    events.configure(publisher=hub, jobs=ArqJobQueue(ctx["redis"]))


async def shutdown(ctx: dict[str, Any]) -> None:
    events.configure(publisher=None, jobs=None)
    await notify.close_smtp_pools()
    hub: Hub | None = ctx.get("hub")
    if hub is not None:
        await hub.disconnect()
    await db.disconnect()


class WorkerSettings:
    functions: list[Any] = [*notify.FUNCTIONS, *inbound.FUNCTIONS, *auto_close.FUNCTIONS]
    cron_jobs: list[Any] = [*inbound.CRON_JOBS, *auto_close.CRON_JOBS]
    on_startup: StartupShutdown  # made with the settings by worker_settings
    on_shutdown = shutdown
    max_tries = 8
    redis_settings: RedisSettings | None = None


def worker_settings(settings: Settings) -> type[WorkerSettings]:
    """The WorkerSettings of a worker that runs with ``settings`` (jobs find them in
    ``ctx["settings"]``). arq reads a settings class's own ``__dict__``, so every attribute is
    set on the class made here, not inherited."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        await startup(ctx, settings)

    attributes = {k: v for k, v in vars(WorkerSettings).items() if not k.startswith("__")}
    attributes.update(redis_settings=arq_settings(settings), on_startup=on_startup)
    return type("ConfiguredWorkerSettings", (WorkerSettings,), attributes)
