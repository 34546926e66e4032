"""Redis connections from the settings (the embedded private Redis when REDIS_URL is unset)."""

from __future__ import annotations

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.config import Settings

REDIS_AWAY = (RedisConnectionError, RedisTimeoutError)
"""What redis-py raises when Redis is away (down, restarting, unreachable, too slow)."""


def redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"unix://{settings.var_dir / 'redis.sock'}"


def redis_client(settings: Settings) -> Redis:
    return Redis.from_url(redis_url(settings))


def arq_settings(settings: Settings) -> RedisSettings:
    url = redis_url(settings)
    if url.startswith("unix://"):
        return RedisSettings(unix_socket_path=url[len("unix://") :])
    return RedisSettings.from_dsn(url)


async def arq_pool(settings: Settings) -> ArqRedis:
    return await create_pool(arq_settings(settings))


def lazy_arq_pool(settings: Settings) -> ArqRedis:
    """An arq pool that connects on first use (``create_pool`` pings Redis first and fails
    while it is away): the web server starts while Redis is down, and enqueueing raises
    ``REDIS_AWAY`` errors until it is back."""
    redis = arq_settings(settings)
    return ArqRedis(
        host=redis.host,
        port=redis.port,
        unix_socket_path=redis.unix_socket_path,
        socket_connect_timeout=redis.conn_timeout,
        db=redis.database,
        username=redis.username,
        password=redis.password,
        ssl=redis.ssl,
        encoding="utf8",
    )
