"""A generation in Redis for what tokens resolve to: each process may keep the actor a
token resolved to (``app.auth.credentials``) for as long as this generation stays what it was when
the actor was read from the database.

Every write that changes what a token resolves to (a token revoked, a user's role,
departments, name, email, password or active flag) bumps it (sets a new random value) right
after its transaction commits, before the request that made it answers, so the next request to
any process reads the new generation and goes back to the database. The session signal written
in the same transaction bumps it again when the outbox relay sends it, so a bump lost to a Redis
hiccup is made up as soon as Redis takes the signal. A process that cannot read the generation
serves no cached actor.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from redis.asyncio import Redis
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

log = logging.getLogger("app.auth")

GENERATION_KEY = "helpdesk:actors:generation"
TIMEOUT = 1.0
"""Seconds a bump may wait for Redis after a commit before it gives up (and logs)."""


class _Config:
    redis: Redis | None = None


_config = _Config()
_pending: set[asyncio.Task[bool]] = set()


def configure(redis: Redis | None) -> None:
    """The Redis this process reads and bumps the generation in (None: no actor cache here)."""
    _config.redis = redis


def configured() -> Redis | None:
    return _config.redis


def _fresh() -> str:
    return secrets.token_hex(8)


async def current() -> bytes | None:
    """The generation now; None when there is no Redis to ask or it did not answer (the caller
    must then read the database). Generations are random, compared only for equality: a Redis
    that lost the key (restarted empty) starts a new one that matches no cached actor."""
    redis = _config.redis
    if redis is None:
        return None
    try:
        value = await redis.get(GENERATION_KEY)
        if value is None:
            await redis.set(GENERATION_KEY, _fresh(), nx=True)
            value = await redis.get(GENERATION_KEY)
    except Exception as exc:  # Redis away: serve nothing from memory
        log.debug("actor generation unreadable: %s", exc)
        return None
    return value.encode() if isinstance(value, str) else value


async def bump(redis: Redis | None = None) -> bool:
    """Invalidate every process's cached actors; whether Redis took it."""
    redis = redis or _config.redis
    if redis is None:
        return False
    try:
        async with asyncio.timeout(TIMEOUT):
            await redis.set(GENERATION_KEY, _fresh())
    except Exception as exc:
        log.warning(
            "could not invalidate cached actors (%s: %s); the session signal will",
            type(exc).__name__,
            exc,
        )
        return False
    return True


def bump_after_commit(connection: BaseDBAsyncClient) -> None:
    """Bump once ``connection``'s transaction commits (the commit waits for it, so the request
    that changed access answers only after every process will see the change). Without a
    transaction (the write is already in) it bumps at once, in the background. Tortoise has no
    commit hook: ``commit`` is wrapped."""
    if not isinstance(connection, TransactionalDBClient) or connection._finalized:
        task = asyncio.get_running_loop().create_task(bump())
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    if getattr(connection, "_actors_hooked", False):
        return
    commit = connection.commit

    async def commit_then_bump() -> None:
        await commit()
        await bump()

    setattr(connection, "commit", commit_then_bump)  # noqa: B010  (an instance attribute)
    setattr(connection, "_actors_hooked", True)  # noqa: B010
