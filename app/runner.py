"""``helpdesk run``: every part in one process tree for the embedded default.

A private Redis (unless REDIS_URL is set), migrations, demo data on first run, then the web
server and an arq worker in one event loop. Mail components register here too.

The private Redis is supervised: if it dies it is started again (its append-only file keeps the
queued jobs), the web server answering meanwhile (what needs Redis says ``Unavailable``; events
wait in the outbox) and the worker reconnecting (``app.workers.serve``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from app.config import Settings
from app.infra import db
from app.infra.embedded import PrivateRedis
from app.infra.logs import uvicorn_log_config
from app.infra.stopping import GracefulServer
from app.infra.websocket import LiveWebSocketProtocol
from app.seed import seed_demo

log = logging.getLogger("app.run")

# Extra long-running parts (mail sink, inbound SMTP): each an async callable run until stop.
EXTRA_COMPONENTS: list[Callable[[Settings], Coroutine[Any, Any, None]]] = []


async def run_all(
    settings: Settings, *, host: str, port: int, stop: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set (or a part ends): then the web server finishes its requests,
    the worker its jobs, the mail listeners and the private Redis stop, in that order."""
    stop = stop or asyncio.Event()
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

        server = GracefulServer(
            uvicorn.Config(
                create_app(settings, manage_db=False),
                host=host,
                port=port,
                log_level="info",
                log_config=uvicorn_log_config(settings.log_format),
                ws=LiveWebSocketProtocol,
                ws_per_message_deflate=False,  # as `helpdesk serve`: small JSON events
                proxy_headers=True,
                forwarded_allow_ips=settings.forwarded_allow_ips,
            ),
            stop,
            settings.stop_grace_seconds,
        )
        tune_gc_for_long_lived_sockets()
        # The web server and the worker watch `stop` and finish their work; the rest (mail
        # listeners, the Redis supervisor) are cancelled once those two are done.
        main = [
            asyncio.create_task(server.serve(), name="web"),
            asyncio.create_task(serve_jobs(settings, owns_process=False, stop=stop), name="worker"),
        ]
        others = [asyncio.create_task(c(settings), name=c.__name__) for c in _components()]
        if private_redis is not None:
            others.append(asyncio.create_task(private_redis.supervise(), name="redis"))
        stopping = asyncio.create_task(stop.wait(), name="stop")
        await asyncio.wait([*main, *others, stopping], return_when=asyncio.FIRST_COMPLETED)
        stop.set()  # a part that ended on its own stops the rest too
        await asyncio.wait([*main, stopping])
        for task in others:
            task.cancel()
        await asyncio.wait([*main, *others])
        for task in [*main, *others]:
            if not task.cancelled() and task.exception():
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
