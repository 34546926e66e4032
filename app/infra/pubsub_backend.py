"""A Redis pub/sub backend for broadcaster that survives Redis going away.

broadcaster 0.3.1's ``RedisBackend`` runs its reader as a bare task: when the connection
drops, the task dies and every subscriber waits forever. This backend keeps one reader
task alive for the lifetime of the backend, reconnects with capped exponential backoff,
re-subscribes every wanted channel and then emits a :class:`ResyncSignal` per channel,
because pub/sub is at-most-once and whatever was published during the outage is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from broadcaster import BroadcastBackend, Event
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Errors that mean "Redis is unreachable or the connection broke".
_CONNECTION_ERRORS = (RedisError, OSError, TimeoutError)
# A pending confirmation is either a future (a subscribe() call waiting for Redis to
# acknowledge) or this marker (a channel re-subscribed after a reconnect: resync on ack).
_RESYNC: Literal["resync"] = "resync"
# Seconds a reconnect waits at least, even once a publish showed that Redis is back.
_WAKE_FLOOR = 0.1


class PubSubUnavailable(Exception):
    """Redis could not be reached for a pub/sub operation."""


class PublishUnavailable(PubSubUnavailable):
    """publish() failed: Redis is down or did not answer in time.

    The message was not confirmed. After a timeout Redis may still deliver it later.
    """


class ResyncSignal(Event):
    """What ``next_published()`` returns for a channel after a reconnect.

    It is an ``Event`` so the ``BroadcastBackend`` contract holds; its message is
    always empty. Consumers must refetch state: events during the outage were lost.
    """

    def __init__(self, channel: str) -> None:
        super().__init__(channel=channel, message="")

    def __repr__(self) -> str:
        return f"ResyncSignal(channel={self.channel!r})"


def redact_url(url: str) -> str:
    """The URL without its password, for log and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


class _StrictPubSub(PubSub):
    """A PubSub that never reconnects behind our back.

    redis-py quietly reconnects (and re-subscribes) a dropped pub/sub connection the
    next time it is used; messages from the gap are lost without anyone knowing. Here a
    dropped connection is an error, so the backend's reader notices and resyncs.
    """

    def _ensure_alive(self) -> None:
        if self.connection is not None and not self.connection.is_connected:
            raise RedisConnectionError("pub/sub connection was lost")

    async def connect(self) -> None:
        self._ensure_alive()
        await super().connect()

    # Same signature as redis-py's method it overrides.
    async def parse_response(self, block: bool = True, timeout: float = 0) -> Any:  # noqa: ASYNC109
        self._ensure_alive()
        return await super().parse_response(block=block, timeout=timeout)


class ResilientRedisBackend(BroadcastBackend):
    """broadcaster backend over redis.asyncio pub/sub that reconnects and resyncs.

    ``timeout`` bounds every single Redis operation (connect, publish, sending a
    (un)subscribe, waiting for its acknowledgement). The reader sends a PING after
    ``health_check_interval`` seconds of silence and treats a second silent interval as
    a dead connection, so half-open TCP connections are detected too.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 2.0,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        health_check_interval: float = 5.0,
        queue_maxsize: int = 10_000,
    ) -> None:
        # BroadcastBackend.__init__ only raises NotImplementedError: not called.
        self._url = url
        self._timeout = timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._health_check_interval = health_check_interval
        self._queue_maxsize = queue_maxsize
        options: dict[str, Any] = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            # No hidden retries/reconnects: failures must surface to us.
            "retry": Retry(NoBackoff(), 0),
        }
        if urlsplit(url).scheme != "unix":  # unix-socket connections reject this option
            options["socket_keepalive"] = True
        self._publisher = Redis.from_url(url, **options)
        self._subscriber = Redis.from_url(url, **options)
        self._channels: set[str] = set()  # channels that should be subscribed
        self._pubsub: _StrictPubSub | None = None  # None while disconnected
        self._lock = asyncio.Lock()  # serialises commands sent on the pub/sub connection
        self._pending: dict[str, deque[asyncio.Future[None] | Literal["resync"]]] = {}
        self._queue: asyncio.Queue[Event] = asyncio.Queue(queue_maxsize)
        self._reader: asyncio.Task[None] | None = None
        self._healthy = False
        # Set by a publish that went through while the reader waits to reconnect: Redis is
        # back, and whatever is published before the reader subscribes again reaches nobody
        # here, so it stops waiting out its backoff.
        self._redis_back = asyncio.Event()
        self.reconnects = 0  # successful reconnects after a loss
        self.failed_attempts = 0  # reconnect attempts that failed

    @property
    def healthy(self) -> bool:
        """True while the pub/sub connection is up and the reader task is running."""
        return self._healthy and self._reader is not None and not self._reader.done()

    @property
    def channels(self) -> frozenset[str]:
        """Channels this backend keeps subscribed (across reconnects)."""
        return frozenset(self._channels)

    async def connect(self, *, wait: bool = True) -> None:
        """Connect once, failing fast with :class:`PubSubUnavailable` if Redis is down; with
        ``wait=False`` a Redis that is down is not an error: the reader connects when it
        comes (with backoff), and channels subscribed meanwhile get a ResyncSignal then."""
        self._queue = asyncio.Queue(self._queue_maxsize)
        try:
            await self._open(resync=False)
        except _CONNECTION_ERRORS as exc:
            await self._teardown()
            if wait:
                raise PubSubUnavailable(
                    f"cannot connect to {redact_url(self._url)}: {exc}"
                ) from exc
            logger.warning("Redis pub/sub is away (%s); connecting when it comes", _describe(exc))
        self._reader = asyncio.create_task(self._run(), name="pubsub-redis-reader")

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._teardown()
        await self._publisher.aclose()
        await self._subscriber.aclose()

    async def subscribe(self, channel: str) -> None:
        """Subscribe and wait (bounded) until Redis acknowledges it.

        While disconnected this returns at once: the reconnect subscribes the channel and
        then emits a ResyncSignal for it, so the caller learns when it is live.
        """
        self._channels.add(channel)
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        async with self._lock:
            pubsub = self._pubsub
            if pubsub is None or not self._healthy:
                return
            self._pending.setdefault(channel, deque()).append(ack)
            if not await self._send(pubsub.subscribe(channel)):
                return
        try:
            await asyncio.wait_for(asyncio.shield(ack), self._timeout)
        except TimeoutError:
            logger.warning("Redis did not acknowledge SUBSCRIBE %s in time", channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        async with self._lock:
            if self._pubsub is not None and self._healthy:
                await self._send(self._pubsub.unsubscribe(channel))

    async def publish(self, channel: str, message: Any) -> None:
        try:
            await asyncio.wait_for(self._publisher.publish(channel, message), self._timeout)
        except _CONNECTION_ERRORS as exc:
            raise PublishUnavailable(
                f"cannot publish to {channel!r} on {redact_url(self._url)}: {_describe(exc)}"
            ) from exc
        if self._pubsub is None:
            self._redis_back.set()

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _send(self, command: Any) -> bool:
        """Send a command on the pub/sub connection. A failure breaks the connection, which
        the reader then notices; callers need not handle it."""
        try:
            await asyncio.wait_for(command, self._timeout)
        except _CONNECTION_ERRORS as exc:
            logger.debug("pub/sub command failed: %r", exc)
            if self._pubsub is not None and self._pubsub.connection is not None:
                await self._pubsub.connection.disconnect(nowait=True)
            return False
        return True

    async def _open(self, *, resync: bool) -> None:
        pubsub = _StrictPubSub(self._subscriber.connection_pool)
        try:
            await asyncio.wait_for(pubsub.connect(), self._timeout)
        except BaseException:
            await pubsub.aclose()
            raise
        async with self._lock:
            self._pubsub = pubsub
            channels = sorted(self._channels)
            if channels:
                if resync:
                    for channel in channels:
                        self._pending.setdefault(channel, deque()).append(_RESYNC)
                await asyncio.wait_for(pubsub.subscribe(*channels), self._timeout)
            self._healthy = True

    async def _teardown(self) -> None:
        async with self._lock:
            self._healthy = False
            pubsub, self._pubsub = self._pubsub, None
            for pending in self._pending.values():
                for waiter in pending:
                    # The reconnect re-subscribes and resyncs; release the waiters now.
                    if isinstance(waiter, asyncio.Future) and not waiter.done():
                        waiter.set_result(None)
            self._pending.clear()
        if pubsub is not None:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await asyncio.wait_for(pubsub.aclose(), self._timeout)

    def _backoff(self, attempt: int) -> float:
        delay = min(self._backoff_max, self._backoff_initial * 2**attempt)
        return delay * random.uniform(0.5, 1.0)

    async def _run(self) -> None:
        """Read until the connection breaks, then reconnect forever (until cancelled)."""
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            if self._pubsub is None:
                try:
                    await self._open(resync=True)
                except Exception as exc:
                    self.failed_attempts += 1
                    logger.warning("Redis pub/sub reconnect failed (%s); retrying", _describe(exc))
                    await self._teardown()
                    await self._pause(self._backoff(attempt))
                    attempt += 1
                    continue
                self.reconnects += 1
                logger.info(
                    "Redis pub/sub reconnected; resyncing %d channel(s)", len(self._channels)
                )
            pubsub = self._pubsub
            assert pubsub is not None
            started = loop.time()
            try:
                await self._read(pubsub)
            except _CONNECTION_ERRORS as exc:
                logger.warning("Redis pub/sub connection lost: %s", _describe(exc))
            except Exception:
                logger.exception("Redis pub/sub reader failed; reconnecting")
            await self._teardown()
            if loop.time() - started >= self._backoff_max:
                attempt = 0  # the connection was stable: start the backoff afresh
            await self._pause(self._backoff(attempt))
            attempt += 1

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` before the next reconnect, or less once a publish goes through (but
        at least ``_WAKE_FLOOR``, so that a Redis that takes publishes and refuses the
        subscription is not asked in a tight loop)."""
        self._redis_back.clear()
        floor = min(seconds, _WAKE_FLOOR)
        await asyncio.sleep(floor)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._redis_back.wait(), seconds - floor)

    async def _read(self, pubsub: _StrictPubSub) -> None:
        ping_outstanding = False
        while True:
            message = await pubsub.get_message(timeout=self._health_check_interval)
            if message is None:
                if ping_outstanding:
                    raise RedisConnectionError("Redis did not answer PING")
                async with self._lock:
                    if not await self._send(pubsub.ping()):
                        raise RedisConnectionError("could not send PING")
                ping_outstanding = True
                continue
            ping_outstanding = False
            kind = message["type"]
            if kind == "message":
                await self._queue.put(Event(_text(message["channel"]), _text(message["data"])))
            elif kind == "subscribe":
                channel = _text(message["channel"])
                pending = self._pending.get(channel)
                waiter = pending.popleft() if pending else None
                if not pending:
                    self._pending.pop(channel, None)  # don't keep one deque per channel ever seen
                if waiter == _RESYNC:
                    await self._queue.put(ResyncSignal(channel))
                elif isinstance(waiter, asyncio.Future) and not waiter.done():
                    waiter.set_result(None)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
