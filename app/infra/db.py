"""Database set-up: the Tortoise config, migrations, and the connection lifecycle."""

from __future__ import annotations

import zlib
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api import migrate as run_migrations

from app.config import Settings

MODELS = ["app.models"]
MIGRATIONS = "app.models.migrations"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": settings.db_url},
        "apps": {
            "models": {
                "models": MODELS,
                "default_connection": "default",
                "migrations": MIGRATIONS,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(settings: Settings) -> None:
    """Apply every committed migration (creating the SQLite file's folder if needed)."""
    if not settings.database_url:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    await run_migrations(config=tortoise_config(settings))
    await Tortoise.close_connections()


async def connect(settings: Settings) -> None:
    """Initialise Tortoise as the process-wide default: the ASGI lifespan runs in its own task,
    so a context bound to that task alone would not reach request handlers or jobs."""
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()


async def pending_migrations() -> list[str]:
    """The committed migrations this database has not applied (``[]`` when current), read
    through the connection already open."""
    from tortoise import connections
    from tortoise.migrations.executor import MigrationExecutor

    apps = {"models": {"models": MODELS, "default_connection": "default", "migrations": MIGRATIONS}}
    steps = await MigrationExecutor(connections.get("default"), apps).plan()
    return [step.migration.name for step in steps if not step.backward]


async def ping() -> None:
    from tortoise import connections

    await connections.get("default").execute_query("SELECT 1")


async def serialize(connection: BaseDBAsyncClient, key: str, *, table: str) -> None:
    """Make a check-then-write (a cap's count, then the insert) serial across processes: in
    the transaction ``connection``, wait until no other transaction holds ``key``, and hold it
    until this one ends. PostgreSQL: a transaction-scoped advisory lock on ``key``. SQLite: the
    database's write lock taken now with a no-op write to ``table`` (Tortoise's ``BEGIN`` is
    deferred), so no other process can count between this transaction's count and its
    insert (within one process SQLite transactions already run one at a time)."""
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_query(f'UPDATE "{table}" SET "id" = "id" WHERE 0')
        return
    lock_id = zlib.crc32(key.encode())  # a stable 32-bit number for the key
    await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [lock_id])
