"""``helpdesk run``: every part in one process tree for the embedded default.

A private Redis (unless REDIS_URL is set), migrations, demo data on first run, then the web
server and an arq worker in one event loop. Mail components register here too.

The private Redis is supervised: if it dies it is started again (its append-only file keeps the
queued jobs), the web server answering meanwhile (what needs Redis says ``Unavailable``; events
wait in the outbox) and the worker reconnecting (``app.workers.serve``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from app.config import Settings
from app.infra import db
from app.infra.embedded import PrivateRedis
from app.seed import seed_demo

log = logging.getLogger("app.run")

# Extra long-running parts (mail sink, inbound SMTP): each an async callable run until stop.
EXTRA_COMPONENTS: list[Callable[[Settings], Coroutine[Any, Any, None]]] = []


async def run_all(settings: Settings, *, host: str, port: int) -> None:
    private_redis = None
    if not settings.redis_url:
        private_redis = PrivateRedis(settings)
        private_redis.start()
        await private_redis.wait_ready()
    try:
        await db.migrate(settings)
        await db.connect(settings)  # for the web server and the worker alike
        logins = await seed_demo(settings)
        _print_banner(settings, host, port, logins)
        from app.live.runtime import tune_gc_for_long_lived_sockets
        from app.main import create_app
        from app.workers.serve import serve_jobs

        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, manage_db=False),
                host=host,
                port=port,
                log_level="info",
                ws="websockets-sansio",
                ws_per_message_deflate=False,  # as `helpdesk serve`: small JSON events
            )
        )
        tune_gc_for_long_lived_sockets()
        tasks = [
            asyncio.create_task(server.serve(), name="web"),
            asyncio.create_task(serve_jobs(settings, owns_process=False), name="worker"),
            *(asyncio.create_task(c(settings), name=c.__name__) for c in _components()),
        ]
        if private_redis is not None:
            tasks.append(asyncio.create_task(private_redis.supervise(), name="redis"))
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception():
                raise task.exception()  # type: ignore[misc]
    finally:
        await db.disconnect()
        if private_redis is not None:
            private_redis.stop()


def _components() -> list[Callable[[Settings], Coroutine[Any, Any, None]]]:
    from app.mail.components import INBOUND_COMPONENTS, OUTBOUND_COMPONENTS

    return [*EXTRA_COMPONENTS, *OUTBOUND_COMPONENTS, *INBOUND_COMPONENTS]


def _print_banner(settings: Settings, host: str, port: int, logins: list) -> None:
    base = f"http://{host}:{port}"
    lines = [
        "",
        "Helpdesk is running.",
        f"  Staff dashboard  {base}/admin/tickets",
        f"  Client portal    {base}/client/tickets",
        f"  GraphiQL         {base}/graphql",
        *([] if settings.smtp_url else [f"  Dev mailbox      {base}/dev/mailbox (admins)"]),
        f"  Data             {settings.var_dir}",
    ]
    if logins:
        lines.append("  Demo logins (first run):")
        lines += [f"    {x.role:<26} {x.email:<22} {x.password}" for x in logins]
    print("\n".join(lines) + "\n", flush=True)
