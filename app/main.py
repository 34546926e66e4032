"""The ASGI application: GraphQL over HTTP and WebSocket, downloads, health, and the web UI."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app import events
from app.api import build_schema
from app.auth.credentials import forget_cached_actors
from app.config import Settings
from app.csrf import UploadGuard
from app.graphql_view import HelpdeskGraphQL
from app.infra import actor_generation, db, metrics
from app.infra.logs import open_request
from app.infra.pubsub import Hub
from app.infra.redis import lazy_arq_pool, redis_client, redis_url
from app.live.runtime import LiveUpdates
from app.routes import all_routes
from app.security_headers import SecurityHeaders
from app.services.directory_cache import DirectoryCache
from app.workers.queue import ArqJobQueue

log = logging.getLogger("app")

READY_TIMEOUT = 2.0  # seconds each /readyz check may take


@dataclass
class AppState:
    settings: Settings
    redis: Redis
    hub: Hub
    jobs: ArqJobQueue | None
    live: LiveUpdates
    # Departments and users kept in this app for read requests (app.services.directory_cache).
    directory: DirectoryCache = field(default_factory=DirectoryCache)


class RequestIdMiddleware:
    """Gives every request an id, echoed in ``X-Request-ID`` and used in error logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        open_request(request_id)
        if scope["type"] == "websocket":
            # No HTTP response to mark; a socket's many sends skip the wrapper.
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


class HelpdeskApp(Starlette):
    """Starlette with the security headers outside its server-error middleware.

    ``add_middleware`` places a middleware inside Starlette's ``ServerErrorMiddleware``, so the
    plain "Internal Server Error" page of an unhandled exception went out without the pages'
    Content-Security-Policy and framing refusal. Wrapping the whole stack puts every answer,
    that one included, under them.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(
    settings: Settings,
    *,
    extra_routes: list[BaseRoute] | None = None,
    manage_db: bool = True,
) -> Starlette:
    """The app; ``manage_db=False`` when the caller (the tests) owns the database connection."""
    redis, hub = redis_client(settings), Hub(redis_url(settings))
    state = AppState(
        settings=settings, redis=redis, hub=hub, jobs=None, live=LiveUpdates(settings, hub, redis)
    )
    graphql = HelpdeskGraphQL(build_schema(settings), app_state=state)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await db.connect(settings)
        # Redis may be away at start: the hub connects when it comes, the pool on first use,
        # and what needs Redis answers Unavailable meanwhile.
        await state.hub.connect(wait=False)
        pool = lazy_arq_pool(settings)
        state.jobs = ArqJobQueue(pool)
        events.configure(publisher=state.hub, jobs=state.jobs)
        actor_generation.configure(state.redis)
        forget_cached_actors()
        relay = events.current_relay()
        relay.start()
        await state.live.start()
        try:
            yield
        finally:
            await state.live.stop()
            await relay.stop()
            events.configure(publisher=None, jobs=None)
            actor_generation.configure(None)
            forget_cached_actors()
            await state.hub.disconnect()
            await pool.aclose()
            await state.redis.aclose()
            if manage_db:
                await db.disconnect()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "pubsub": state.hub.healthy, "live": state.live.status()})

    migrations_current = False  # once current, stays so for this process's code

    async def ready(request: Request) -> JSONResponse:
        """For load balancers: can this process serve (database, Redis, schema up to date)?"""
        nonlocal migrations_current
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await db.ping()
            checks["database"] = "ok"
        except Exception:
            checks["database"] = "unreachable"
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await state.redis.ping()
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unreachable"
        if migrations_current:
            checks["migrations"] = "ok"
        elif checks["database"] != "ok":
            checks["migrations"] = "unknown"
        else:
            try:
                async with asyncio.timeout(READY_TIMEOUT):
                    pending = await db.pending_migrations()
                migrations_current = not pending
                checks["migrations"] = f"{len(pending)} pending" if pending else "ok"
            except Exception:
                checks["migrations"] = "unknown"
        failed = [name for name, result in checks.items() if result != "ok"]
        return JSONResponse(
            {"ready": not failed, "checks": checks, "failed": failed},
            status_code=503 if failed else 200,
        )

    async def refresh_metrics() -> None:
        """The gauges read at scrape time: this process's sockets, the outbox's backlog."""
        status = state.live.status()
        metrics.WEBSOCKETS_OPEN.set(float(status["connections"]))  # type: ignore[arg-type]
        metrics.SUBSCRIPTIONS_OPEN.set(float(status["subscriptions"]))  # type: ignore[arg-type]
        await events.record_backlog()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", health),
        Route("/readyz", ready),
        Route("/metrics", metrics.metrics_endpoint(settings.metrics_token, refresh_metrics)),
        *(extra_routes or []),
        *all_routes(),
    ]
    app = HelpdeskApp(routes=routes, lifespan=lifespan)
    app.state.helpdesk = state
    app.add_middleware(UploadGuard, settings=settings)
    app.add_middleware(RequestIdMiddleware)
    return app
