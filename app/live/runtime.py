"""``LiveUpdates``: the live-update machinery of one server process, started with the app."""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from app.auth.actor import Actor
from app.config import Settings
from app.infra.pubsub import Hub
from app.live.connections import ConnectionRegistry, LiveConnection
from app.live.dispatcher import Dispatcher
from app.services import presence

log = logging.getLogger(__name__)


def tune_gc_for_long_lived_sockets() -> None:
    """Call once in a server process, after start-up imports.

    Each open socket keeps a few hundred objects alive, and Python's full (generation 2)
    collections walk all of them: with 1,000 sockets every few seconds a pause of ~300 ms held
    up every delivery (bench/bench_subscriptions.py). Start-up objects are frozen out of the
    collector's walk, and a larger first-generation threshold lets the short-lived objects of
    each event die by reference counting before they are promoted, which makes full
    collections rare.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


class LiveUpdates:
    def __init__(self, settings: Settings, hub: Hub, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis
        self.registry = ConnectionRegistry(hub, check_seconds=settings.live_session_check_seconds)
        self.dispatcher = Dispatcher(hub, self.registry, redis, queue_size=settings.live_queue_size)

    async def start(self) -> None:
        await self.registry.start()
        await self.dispatcher.start()

    async def stop(self) -> None:
        await self.dispatcher.stop()
        await self.registry.stop()

    def status(self) -> dict[str, object]:
        """For /healthz: is the dispatcher running, and how many sockets and subscriptions."""
        return {
            "running": self.dispatcher.running,
            "connections": len(self.registry),
            "subscriptions": self.dispatcher.listener_count,
        }

    def connect(
        self, actor: Actor, closer: Callable[[int, str], Awaitable[None]]
    ) -> LiveConnection:
        connection = LiveConnection(actor=actor, closer=closer)
        self.registry.add(connection)
        return connection

    async def disconnect(self, connection: LiveConnection) -> None:
        """Forget the socket and clear the presences it held."""
        self.registry.discard(connection)
        for ticket_id in list(connection.presence):
            await self.leave(connection, ticket_id)

    async def leave(self, connection: LiveConnection, ticket_id: int) -> None:
        connection.presence.discard(ticket_id)
        try:
            await presence.leave(
                redis=self.redis, ticket_id=ticket_id, user_id=connection.actor.user_id
            )
        except Exception:  # Redis away: the entry lapses by itself
            log.warning("could not clear presence on ticket %s", ticket_id, exc_info=True)
