"""Counting the work of one request, the product against the bare stack, in this process.

Function calls (as ``cProfile`` counts them: Python functions and the C functions they call),
SQL statements (Tortoise's statement log) and Redis commands (the server's
``total_commands_processed``) per request of each document, for the product (``create_app``, the
real app with its lifespan) and for the bare stack (``bench/bare_server.py``'s app, answering
from the product's own answers), both driven by the same minimal ASGI call (no HTTP client, no
socket, no uvicorn: what uvicorn adds is the same on both sides). Counts do not depend on the
machine's load, so their ratio can be read beside req/s on a busy machine. The two apps run one
after the other: both set up Tortoise, which is global.
"""

from __future__ import annotations

import cProfile
import json
import pstats
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sql_count import StatementLog

Asgi = Callable[..., Awaitable[None]]

# Where a function's calls are counted, by the first of these its file's path contains.
AREAS = (
    ("/app/auth/", "app.auth"),
    ("/app/schema/", "app.schema"),
    ("/app/resolvers/", "app.resolvers"),
    ("/app/services/", "app.services"),
    ("/app/models/", "app.models"),
    ("/app/infra/", "app.infra"),
    ("/app/", "app (other)"),
    ("/bench/", "bare app"),
    ("/strawberry/", "strawberry"),
    ("/graphql/", "graphql-core"),
    ("/tortoise/", "tortoise"),
    ("/pypika", "pypika"),
    ("/aiosqlite/", "aiosqlite"),
    ("/asyncpg/", "asyncpg"),
    ("/redis/", "redis-py"),
    ("/starlette/", "starlette"),
    ("/asyncio/", "asyncio"),
    ("/pydantic", "pydantic"),
)


def area(filename: str) -> str:
    if filename == "~":
        return "builtins (C)"
    for needle, name in AREAS:
        if needle in filename:
            return name
    return "other (stdlib, ...)"


@dataclass
class Counted:
    calls: float = 0
    statements: float = 0
    redis: float = 0
    by_area: Counter[str] = field(default_factory=Counter)


async def post(app: Asgi, body: bytes, authorization: str) -> tuple[int, bytes]:
    """One POST /graphql through ``app`` as an ASGI server would send it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", authorization.encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def redis_commands(client: Any) -> int:
    info = await client.info("stats")
    return int(info["total_commands_processed"])


async def measure(
    app: Asgi, body: bytes, authorization: str, requests: int, log: StatementLog, redis_url: str
) -> Counted:
    """The mean work of one request over ``requests`` requests, after three to warm."""
    for _ in range(3):
        status, answer = await post(app, body, authorization)
        if status != 200 or b'"errors"' in answer:
            raise RuntimeError(f"request failed: {answer[:500]!r}")
    from redis.asyncio import Redis

    counter = Redis.from_url(redis_url)
    try:
        await counter.ping()  # connected (and its hand-shake done) before the first reading
        log.statements = []
        before = await redis_commands(counter)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            await post(app, body, authorization)
        profile.disable()
        # The INFO of the second reading is counted when it is processed: one of ours.
        redis = await redis_commands(counter) - before - 1
    finally:
        await counter.aclose()
    stats = pstats.Stats(profile)
    by_area: Counter[str] = Counter()
    for (filename, _line, _name), (_cc, ncalls, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[area(filename)] += ncalls
    counted = Counted(
        calls=stats.total_calls / requests,  # type: ignore[attr-defined]
        statements=len(log.statements) / requests,
        redis=redis / requests,
        by_area=Counter({k: v / requests for k, v in by_area.items()}),
    )
    log.statements = []
    return counted


async def count_work(
    documents: list[Any],
    seeded: Any,
    database_url: str,
    redis_url: str,
    requests: int,
    bare_data_of: Callable[[dict[str, Any], Any], dict[str, Any]],
) -> dict[str, dict[str, Counted]]:
    """Per document key, the product's and the bare stack's mean work per request;
    ``bare_data_of`` makes the bare app's data from the product's answers."""
    import logging

    import bare_server
    from ceiling_documents import DOCUMENTS
    from sql_count import counting_app

    def auth(document: Any) -> str:
        token = seeded.admin_token if document.token == "admin" else seeded.client_token
        return f"Bearer {token}"

    found: dict[str, dict[str, Counted]] = {d.key: {} for d in documents}
    answers: dict[str, Any] = {}
    async with counting_app() as client:
        app = client.http._transport.app  # type: ignore[attr-defined]
        for document in DOCUMENTS:
            if document.key != "reply":
                _status, answer = await post(
                    app, json.dumps(document.payload(seeded)).encode(), auth(document)
                )
                answers[document.key] = json.loads(answer)["data"]
        for document in documents:
            body = json.dumps(document.payload(seeded)).encode()
            found[document.key]["product"] = await measure(
                app, body, auth(document), requests, client.log, redis_url
            )

    bare_server.DATA = bare_server.load(bare_data_of(answers, seeded))
    # Tortoise keeps prepared insert columns per (connection, table), not per model: the
    # product's Message model and the bare app's MessageRow share the table.
    from tortoise.backends.base import executor

    executor.EXECUTOR_CACHE.clear()
    bare = bare_server.create_app(database_url)
    log = StatementLog()
    logger = logging.getLogger("tortoise.db_client")
    previous = (logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(log)
    try:
        async with bare.router.lifespan_context(bare):
            for document in documents:
                body = json.dumps(document.payload(seeded)).encode()
                found[document.key]["bare"] = await measure(
                    bare, body, auth(document), requests, log, redis_url
                )
    finally:
        logger.removeHandler(log)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
    return found


def report(found: dict[str, dict[str, Counted]], requests: int, top: int = 8) -> list[str]:
    lines = [
        f"work per request, in this process (mean of {requests} requests after 3 to warm; "
        "load-independent), product / bare (ratio bare/product):"
    ]
    for key, sides in found.items():
        mine, bare = sides["product"], sides["bare"]
        lines.append(
            f"  {key:<6} calls {mine.calls:9,.0f} / {bare.calls:8,.0f} "
            f"({bare.calls / mine.calls:4.2f})   SQL statements {mine.statements:4.1f} / "
            f"{bare.statements:4.1f}   Redis commands {mine.redis:4.1f} / {bare.redis:4.1f}"
        )
        extra = Counter(mine.by_area)
        extra.subtract(bare.by_area)
        lines.append(
            "         the product's extra calls by area: "
            + ", ".join(f"{name} {n:+,.0f}" for name, n in extra.most_common(top) if n > 0)
        )
    return lines
