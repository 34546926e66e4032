"""The project's broadcaster: fan-out of pub/sub events to live GraphQL subscriptions.

``Hub`` keeps broadcaster's shape (``connect``/``disconnect``/``publish``/``subscribe``)
but, unlike ``broadcaster.Broadcast``, gives each subscriber a *bounded* queue and never
waits on a slow consumer: a subscriber that falls behind loses its backlog and gets one
``Resync("overflow")``. After Redis comes back from an outage every subscriber gets
``Resync("reconnected")``. Either way the subscriber must refetch the state it shows,
since pub/sub is at-most-once. Usage::

    async with hub.subscribe(f"ticket:{ticket_id}") as sub:
        async for item in sub:
            if isinstance(item, Resync):
                ...  # refetch the ticket
            else:
                ...  # apply item.message
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

from broadcaster import BroadcastBackend, Event

from app.infra.pubsub_backend import (
    PublishUnavailable,
    PubSubUnavailable,
    ResilientRedisBackend,
    ResyncSignal,
)

__all__ = [
    "Event",
    "Hub",
    "PubSubUnavailable",
    "PublishUnavailable",
    "ResilientRedisBackend",
    "Resync",
    "Subscription",
    "SubscriptionClosed",
]

logger = logging.getLogger(__name__)

ResyncReason = Literal["reconnected", "overflow"]


@dataclass(frozen=True, slots=True)
class Resync:
    """Events on ``channel`` may have been lost: refetch instead of trusting deltas."""

    channel: str
    reason: ResyncReason


class SubscriptionClosed(Exception):
    """The hub's listener failed; this subscription will receive nothing more."""


@dataclass(frozen=True, slots=True)
class _Closed:
    error: BaseException | None


class Subscription:
    """One subscriber's bounded mailbox. Iterate it to get ``Event`` / ``Resync`` items.

    Iteration ends when the hub disconnects and raises ``SubscriptionClosed`` if the
    hub's listener failed.
    """

    def __init__(self, channel: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.channel = channel
        self.maxsize = maxsize
        self.overflows = 0  # how many times the backlog was dropped
        self._queue: asyncio.Queue[Event | Resync | _Closed] = asyncio.Queue(maxsize)

    def qsize(self) -> int:
        """Items waiting to be read (never more than ``maxsize``)."""
        return self._queue.qsize()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event | Resync:
        item = await self._queue.get()
        if isinstance(item, _Closed):
            self._queue.put_nowait(item)  # keep later reads ending too; a slot was just freed
            if item.error is not None:
                raise SubscriptionClosed(str(item.error)) from item.error
            raise StopAsyncIteration
        return item

    def _offer(self, item: Event | Resync) -> None:
        """Enqueue without waiting; on overflow replace the backlog with one Resync."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self._drain()
            self.overflows += 1
            self._queue.put_nowait(Resync(self.channel, "overflow"))

    def _close(self, error: BaseException | None = None) -> None:
        self._drain()
        self._queue.put_nowait(_Closed(error))

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()


@dataclass(eq=False)
class _Channel:
    subscribers: set[Subscription] = field(default_factory=set)
    # Set once the backend subscription is acknowledged (or given up on), so later
    # subscribers to the same channel also return only when it is live.
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class Hub:
    """Pub/sub hub over a broadcaster backend with bounded per-subscriber queues.

    ``Hub("redis://host:6379/0")`` (also ``rediss://``, ``unix://``) uses
    :class:`ResilientRedisBackend`;
    ``Hub("memory://")`` is in-process only (tests, single-process dev). Any other
    ``BroadcastBackend`` can be passed as ``backend=``.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        backend: BroadcastBackend | None = None,
        maxsize: int = 100,
    ) -> None:
        if backend is None:
            if url is None:
                raise ValueError("Hub needs a url or a backend")
            backend = _backend_for(url)
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._backend = backend
        self._channels: dict[str, _Channel] = {}
        self._listener: asyncio.Task[None] | None = None
        self._connected = False

    @property
    def backend(self) -> BroadcastBackend:
        return self._backend

    @property
    def healthy(self) -> bool:
        """Connected, listening, and (for Redis) the pub/sub connection is up."""
        return (
            self._connected
            and self._listener is not None
            and not self._listener.done()
            and bool(getattr(self._backend, "healthy", True))
        )

    @property
    def channels(self) -> frozenset[str]:
        """Channels that currently have at least one subscriber."""
        return frozenset(self._channels)

    def subscriber_count(self, channel: str) -> int:
        record = self._channels.get(channel)
        return len(record.subscribers) if record else 0

    async def connect(self, *, wait: bool = True) -> None:
        """Connect the backend. ``wait=False`` (a Redis backend only): start even while Redis
        is away; the backend connects when it comes, and subscribers get a ``Resync`` then."""
        if not wait and isinstance(self._backend, ResilientRedisBackend):
            await self._backend.connect(wait=False)
        else:
            await self._backend.connect()
        self._connected = True
        self._listener = asyncio.create_task(self._listen(), name="pubsub-hub-listener")

    async def disconnect(self) -> None:
        """Stop listening and end every subscriber's iteration."""
        self._connected = False
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        for record in self._channels.values():
            for sub in record.subscribers:
                sub._close()
        await self._backend.disconnect()

    async def __aenter__(self) -> Hub:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def publish(self, channel: str, message: str) -> None:
        """Publish to every subscriber in every process sharing the backend.

        Raises ``PublishUnavailable`` (bounded in time) if the message cannot be handed
        to Redis; callers publishing after a DB commit should log it and move on.
        """
        if not self._connected:
            raise PublishUnavailable("the pub/sub hub is not connected")
        await self._backend.publish(channel, message)

    @asynccontextmanager
    async def subscribe(
        self, channel: str, *, maxsize: int | None = None
    ) -> AsyncIterator[Subscription]:
        """Subscribe for the duration of the block; on return the subscription is live.

        If the backend is down, this returns anyway and a ``Resync("reconnected")``
        arrives once the subscription is live.
        """
        if not self._connected or self._listener is None or self._listener.done():
            raise RuntimeError("the pub/sub hub is not running (not connected, or it failed)")
        sub = Subscription(channel, self.maxsize if maxsize is None else maxsize)
        record = self._channels.get(channel)
        first = record is None
        if record is None:
            record = self._channels[channel] = _Channel()
        record.subscribers.add(sub)
        subscribing: asyncio.Task[None] | None = None
        try:
            if first:
                # Shielded: if this subscriber is cancelled, the SUBSCRIBE still completes
                # for the others waiting on `ready`.
                subscribing = asyncio.ensure_future(self._backend.subscribe(channel))
                subscribing.add_done_callback(partial(_subscribed, record))
                await asyncio.shield(subscribing)
            else:
                await record.ready.wait()
            yield sub
        finally:
            record.subscribers.discard(sub)
            if not record.subscribers and self._channels.get(channel) is record:
                del self._channels[channel]
                if subscribing is not None:
                    # Keep SUBSCRIBE before UNSUBSCRIBE even if we were cancelled early.
                    await asyncio.wait([subscribing])
                if self._connected:
                    try:
                        await self._backend.unsubscribe(channel)
                    except Exception:
                        logger.exception("unsubscribing from %r failed", channel)

    async def _listen(self) -> None:
        try:
            while True:
                event = await self._backend.next_published()
                record = self._channels.get(event.channel)
                if record is None:
                    continue
                item: Event | Resync = (
                    Resync(event.channel, "reconnected")
                    if isinstance(event, ResyncSignal)
                    else event
                )
                for sub in list(record.subscribers):
                    sub._offer(item)
        except Exception as exc:
            # Never leave subscribers waiting on a dead listener.
            logger.exception("pub/sub hub listener failed")
            for record in self._channels.values():
                for sub in record.subscribers:
                    sub._close(exc)


def _subscribed(record: _Channel, task: asyncio.Task[None]) -> None:
    record.ready.set()
    if not task.cancelled():
        task.exception()  # retrieved here too, in case the subscriber was cancelled


def _backend_for(url: str) -> BroadcastBackend:
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return ResilientRedisBackend(url)
    if scheme == "memory":
        # broadcaster's own in-process backend: one process only.
        from broadcaster._backends.memory import MemoryBackend

        return MemoryBackend(url)
    raise ValueError(
        f"unsupported pub/sub url scheme {scheme!r} (use redis://, rediss://, unix:// or memory://)"
    )
