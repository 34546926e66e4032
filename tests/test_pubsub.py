"""The pub/sub hub against a real redis-server that each test starts on a spare port."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from broadcaster._backends.memory import MemoryBackend
from redis.asyncio import Redis
from redis_server import RedisServer  # pytest puts tests/ on sys.path (no tests/__init__.py)

from app.infra.pubsub import (
    Event,
    Hub,
    PublishUnavailable,
    ResilientRedisBackend,
    Resync,
    Subscription,
    SubscriptionClosed,
)

TIMEOUT = 10.0  # upper bound for anything we wait for; normally milliseconds


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def make_hub(url: str, *, maxsize: int = 100) -> Hub:
    # Short backoff cap so reconnects in tests happen quickly.
    backend = ResilientRedisBackend(url, timeout=1.0, backoff_max=0.5, health_check_interval=1.0)
    return Hub(backend=backend, maxsize=maxsize)


@pytest.fixture
async def hub_a(redis_server: RedisServer) -> AsyncIterator[Hub]:
    async with make_hub(redis_server.url) as hub:
        yield hub


@pytest.fixture
async def hub_b(redis_server: RedisServer) -> AsyncIterator[Hub]:
    """A second hub on the same Redis: stands in for another app process."""
    async with make_hub(redis_server.url) as hub:
        yield hub


async def receive(sub: Subscription) -> Event | Resync:
    return await asyncio.wait_for(anext(sub), TIMEOUT)


async def wait_until(condition: Callable[[], bool | Awaitable[bool]]) -> None:
    """Poll ``condition`` (sync or async) until true; fail after TIMEOUT."""

    async def poll() -> None:
        while True:
            result = condition()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), TIMEOUT)


async def numsub(url: str, channel: str) -> int:
    """How many connections Redis itself has subscribed to ``channel``."""
    async with Redis.from_url(url) as client:
        [(_, count)] = await client.pubsub_numsub(channel)
        return int(count)


async def test_publish_reaches_subscribers_in_other_process(hub_a: Hub, hub_b: Hub) -> None:
    async with (
        hub_b.subscribe("ticket:1") as remote,
        hub_a.subscribe("ticket:1") as local,
        hub_b.subscribe("ticket:2") as other,
    ):
        # No waiting after subscribe(): returning means Redis acknowledged it.
        for n in range(3):
            await hub_a.publish("ticket:1", f"update {n}")
        await hub_b.publish("ticket:2", "elsewhere")

        for sub in (remote, local):
            assert [await receive(sub) for _ in range(3)] == [
                Event("ticket:1", f"update {n}") for n in range(3)
            ]
        assert await receive(other) == Event("ticket:2", "elsewhere")
        assert remote.qsize() == local.qsize() == 0  # nothing extra, e.g. ticket:2 events


async def test_subscribe_returns_once_redis_acknowledged(
    redis_server: RedisServer, hub_a: Hub, hub_b: Hub
) -> None:
    """Otherwise an event published right after subscribe() could be missed."""
    pause = 0.3

    async def enter(stack: AsyncExitStack) -> tuple[Subscription, float]:
        started = time.monotonic()
        sub = await stack.enter_async_context(hub_b.subscribe("ticket:5"))
        return sub, time.monotonic() - started

    async with Redis.from_url(redis_server.url) as admin, AsyncExitStack() as stack:
        # Redis holds every command (SUBSCRIBE included) until the pause ends.
        await admin.execute_command("CLIENT", "PAUSE", int(pause * 1000), "ALL")
        (first, waited_1), (second, waited_2) = await asyncio.gather(enter(stack), enter(stack))
        assert min(waited_1, waited_2) >= pause - 0.1
        await hub_a.publish("ticket:5", "right after")
        assert await receive(first) == Event("ticket:5", "right after")
        assert await receive(second) == Event("ticket:5", "right after")


async def test_redis_outage_resyncs_subscribers(
    redis_server: RedisServer, hub_a: Hub, hub_b: Hub
) -> None:
    async with hub_b.subscribe("ticket:7") as remote, hub_a.subscribe("ticket:7") as local:
        await hub_a.publish("ticket:7", "before")
        assert await receive(remote) == Event("ticket:7", "before")
        assert await receive(local) == Event("ticket:7", "before")

        await asyncio.to_thread(redis_server.stop)
        await wait_until(lambda: not hub_a.healthy and not hub_b.healthy)
        # The reader keeps retrying (with backoff) instead of dying like broadcaster's.
        backend = hub_b.backend
        assert isinstance(backend, ResilientRedisBackend)
        await wait_until(lambda: backend.failed_attempts >= 2)

        started = time.monotonic()
        with pytest.raises(PublishUnavailable):
            await hub_a.publish("ticket:7", "lost")
        assert time.monotonic() - started < 2.0

        # Subscribing during the outage neither hangs nor fails.
        async with hub_b.subscribe("ticket:8") as late:
            await asyncio.to_thread(redis_server.start)  # same port
            await wait_until(lambda: hub_a.healthy and hub_b.healthy)
            assert backend.reconnects == 1

            for sub, channel in ((remote, "ticket:7"), (local, "ticket:7"), (late, "ticket:8")):
                assert await receive(sub) == Resync(channel, "reconnected")

            # Resync means re-subscribed: later events arrive again, across processes.
            await hub_a.publish("ticket:7", "after")
            await hub_a.publish("ticket:8", "late")
            assert await receive(remote) == Event("ticket:7", "after")
            assert await receive(local) == Event("ticket:7", "after")
            assert await receive(late) == Event("ticket:8", "late")
        assert await numsub(redis_server.url, "ticket:7") == 2  # one per hub


async def test_a_publish_after_redis_came_back_ends_the_readers_wait(
    redis_server: RedisServer,
) -> None:
    """What is published after Redis comes back and before the reader subscribes again reaches
    nobody here; the subscribers learn it from the resync. A publish that goes through shows
    Redis is back: the reader stops waiting out its backoff (a minute here) and resyncs now."""
    backend = ResilientRedisBackend(
        redis_server.url, timeout=1.0, backoff_initial=60.0, backoff_max=60.0
    )
    async with Hub(backend=backend) as hub, hub.subscribe("ticket:3") as sub:
        await asyncio.to_thread(redis_server.stop)
        await wait_until(lambda: not hub.healthy)  # the reader waits 30-60 s to reconnect
        await asyncio.to_thread(redis_server.start)
        await hub.publish("ticket:3", "while the reader waited")  # reaches nobody
        assert await receive(sub) == Resync("ticket:3", "reconnected")
        await hub.publish("ticket:3", "after")
        assert await receive(sub) == Event("ticket:3", "after")


async def test_unresponsive_redis_is_detected_and_resynced(redis_server: RedisServer) -> None:
    """A hung Redis (connection open, no replies) is caught by the PING health check."""
    backend = ResilientRedisBackend(
        redis_server.url, timeout=0.3, backoff_max=0.2, health_check_interval=0.2
    )
    async with (
        Hub(backend=backend) as hub,
        hub.subscribe("ticket:6") as sub,
        Redis.from_url(redis_server.url) as admin,
    ):
        await admin.execute_command("CLIENT", "PAUSE", 2000, "ALL")
        started = time.monotonic()
        with pytest.raises(PublishUnavailable):
            await hub.publish("ticket:6", "during")  # held by Redis: times out
        assert time.monotonic() - started < 1.0
        await wait_until(lambda: not hub.healthy)

        # After the pause the re-subscription is acknowledged and the subscriber told.
        assert await receive(sub) == Resync("ticket:6", "reconnected")
        assert hub.healthy
        await hub.publish("ticket:6", "after")
        # The timed-out "during" may still have been delivered (at most once, not zero).
        item = await receive(sub)
        if item == Event("ticket:6", "during"):
            item = await receive(sub)
        assert item == Event("ticket:6", "after")


async def test_slow_subscriber_overflows_without_affecting_fast_one(
    redis_server: RedisServer,
) -> None:
    maxsize, total = 5, 50
    async with (
        make_hub(redis_server.url, maxsize=maxsize) as hub,
        hub.subscribe("queue") as fast,
        hub.subscribe("queue") as slow,
    ):
        for n in range(total):
            await hub.publish("queue", str(n))
            assert await receive(fast) == Event("queue", str(n))
            # The slow one's item was offered in the same fan-out step.
            assert slow.qsize() <= maxsize
        assert fast.qsize() == 0
        assert fast.overflows == 0
        assert slow.overflows > 0

        backlog = [await receive(slow) for _ in range(slow.qsize())]
        # The backlog was replaced by one Resync, followed only by newer events.
        assert backlog[0] == Resync("queue", "overflow")
        rest = backlog[1:]
        assert all(isinstance(item, Event) for item in rest)
        numbers = [int(item.message) for item in rest if isinstance(item, Event)]
        assert numbers == list(range(total - len(numbers), total))

        # Once caught up it gets events normally again.
        await hub.publish("queue", "next")
        assert await receive(slow) == Event("queue", "next")
        assert await receive(fast) == Event("queue", "next")


async def test_overflow_with_memory_backend() -> None:
    async with Hub("memory://", maxsize=2) as hub, hub.subscribe("c") as sub:
        for n in range(3):
            await hub.publish("c", str(n))
        await wait_until(lambda: sub.overflows == 1)
        assert await receive(sub) == Resync("c", "overflow")
        await hub.publish("c", "3")
        assert await receive(sub) == Event("c", "3")


async def test_unsubscribe_releases_channel(redis_server: RedisServer, hub_a: Hub) -> None:
    backend = hub_a.backend
    assert isinstance(backend, ResilientRedisBackend)
    async with hub_a.subscribe("ticket:3"), hub_a.subscribe("ticket:3"):
        assert hub_a.subscriber_count("ticket:3") == 2
        assert await numsub(redis_server.url, "ticket:3") == 1
        with pytest.raises(RuntimeError, match="boom"):
            async with hub_a.subscribe("ticket:4"):
                raise RuntimeError("boom")
        assert hub_a.channels == {"ticket:3"}
    assert hub_a.channels == frozenset()
    assert hub_a.subscriber_count("ticket:3") == 0
    assert backend.channels == frozenset()
    assert not backend._pending  # no per-channel acknowledgement bookkeeping left behind

    async def redis_has_no_subscribers() -> bool:
        return all([await numsub(redis_server.url, c) == 0 for c in ("ticket:3", "ticket:4")])

    # Redis itself drops the subscriptions once it has processed the UNSUBSCRIBEs.
    await wait_until(redis_has_no_subscribers)


async def test_disconnect_ends_subscriber_iteration(redis_server: RedisServer) -> None:
    hub = make_hub(redis_server.url)
    await hub.connect()
    async with hub.subscribe("ticket:9") as sub:
        consumer = asyncio.create_task(anext(sub, None))
        await hub.disconnect()
        assert await asyncio.wait_for(consumer, TIMEOUT) is None
    assert hub.channels == frozenset()
    with pytest.raises(PublishUnavailable):
        await hub.publish("ticket:9", "x")


class _FailingBackend(MemoryBackend):
    async def next_published(self) -> Event:
        event = await super().next_published()
        if event.message == "poison":
            raise ValueError("backend broke")
        return event


async def test_listener_failure_ends_subscriptions_instead_of_hanging() -> None:
    async with Hub(backend=_FailingBackend("memory://")) as hub:
        async with hub.subscribe("c") as sub:
            await hub.publish("c", "fine")
            assert await receive(sub) == Event("c", "fine")
            await hub.publish("c", "poison")
            with pytest.raises(SubscriptionClosed):
                await receive(sub)
            assert not hub.healthy
        with pytest.raises(RuntimeError, match="not running"):
            async with hub.subscribe("c"):
                pass
