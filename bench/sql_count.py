"""Counting the SQL statements one GraphQL request makes, through the real app in this process.

Tortoise logs every statement it sends on ``tortoise.db_client`` at DEBUG; a handler on that
logger counts them (and keeps their text) while one request runs through the app over an
in-process ASGI transport. The environment (DATABASE_URL, REDIS_URL, HELPDESK_VAR) must point
at the seeded database before this is used.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

NOT_STATEMENTS = ("Created connection pool", "Closed connection pool")


class StatementLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if not text.startswith(NOT_STATEMENTS):
            self.statements.append(text)


class CountingClient:
    """An HTTP client on the in-process app that returns each response with its statements."""

    def __init__(self, http: httpx.AsyncClient, log: StatementLog) -> None:
        self.http, self.log = http, log

    async def post(
        self, payload: dict[str, Any], headers: dict[str, str]
    ) -> tuple[dict[str, Any], list[str]]:
        self.log.statements = []
        response = await self.http.post("/graphql", json=payload, headers=headers)
        statements = self.log.statements
        self.log.statements = []
        return response.json(), statements


@asynccontextmanager
async def counting_app() -> AsyncIterator[CountingClient]:
    """The real app (``create_app``) with its lifespan, and a counting client on it."""
    from app.config import get_settings
    from app.infra import db
    from app.main import create_app

    get_settings.cache_clear()
    settings = get_settings()
    app = create_app(settings, manage_db=False)
    await db.connect(settings)
    log = StatementLog()
    logger = logging.getLogger("tortoise.db_client")
    previous = (logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(log)
    try:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as http,
        ):
            yield CountingClient(http, log)
    finally:
        logger.removeHandler(log)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
        await db.disconnect()
