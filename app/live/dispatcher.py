"""The per-process dispatcher: one subscription to the event channels, fan-out to subscribers.

For each ticket event it decides per subscriber, in memory, with the access policy and the
event's department, client and ``internal`` fields; only if someone here may see the event does
it load the ticket and message, once, with one set of DataLoaders shared by every subscriber
that renders it. Each subscriber has a bounded mailbox: one that falls behind is told to resync
(its socket is closed with the resync code) instead of growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Literal

from redis.asyncio import Redis

from app.auth import policy
from app.auth.actor import Actor
from app.events import TICKETS_CHANNEL
from app.events import TicketEvent as Signal
from app.infra.pubsub import Hub, Resync, Subscription, SubscriptionClosed
from app.live.connections import ConnectionRegistry, LiveConnection
from app.models import Message, Ticket
from app.schema.core.loaders import Loaders
from app.schema.core.renders import SharedRenders
from app.services import presence

log = logging.getLogger(__name__)

CHANNEL_QUEUE = 10_000  # events this process may fall behind by before everyone resyncs


@dataclass(frozen=True, slots=True)
class LoadedEvent:
    """An event with what changed, loaded once for every subscriber in this process."""

    signal: Signal
    ticket: Ticket
    message: Message | None
    loaders: Loaders
    renders: SharedRenders


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    entries: tuple[presence.PresenceEntry, ...]


class Gone:
    """The subscriber can no longer see the ticket (moved away, or deleted)."""


GONE = Gone()
Item = LoadedEvent | PresenceChanged | Gone
Kind = Literal["events", "presence"]


class Listener:
    """One GraphQL subscription's mailbox."""

    def __init__(
        self,
        connection: LiveConnection,
        *,
        kind: Kind,
        ticket: Ticket | None,
        maxsize: int,
    ) -> None:
        self.connection = connection
        self.kind = kind
        self.ticket_id = ticket.id if ticket else None
        # The ticket's department and client as of the latest event (presence checks use them).
        self.fields = (ticket.department_id, ticket.client_id) if ticket else (0, 0)
        self._queue: asyncio.Queue[Item] = asyncio.Queue(maxsize)

    @property
    def actor(self) -> Actor:
        return self.connection.actor

    def offer(self, item: Item) -> None:
        if self.connection.closing:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            log.info("subscriber of user %s fell behind; resyncing", self.actor.user_id)
            self.connection.resync()

    def __aiter__(self) -> Listener:
        return self

    async def __anext__(self) -> Item:
        return await self._queue.get()


class Dispatcher:
    def __init__(
        self, hub: Hub, registry: ConnectionRegistry, redis: Redis, *, queue_size: int
    ) -> None:
        self._hub = hub
        self._registry = registry
        self._redis = redis
        self._queue_size = queue_size
        self._every_ticket: set[Listener] = set()
        self._by_ticket: dict[int, set[Listener]] = {}
        self._stack = contextlib.AsyncExitStack()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        subscribe = self._stack.enter_async_context
        tickets = await subscribe(self._hub.subscribe(TICKETS_CHANNEL, maxsize=CHANNEL_QUEUE))
        changes = await subscribe(self._hub.subscribe(presence.CHANNEL, maxsize=CHANNEL_QUEUE))
        self._tasks = [
            asyncio.create_task(self._run(tickets, self._ticket_event), name="live-tickets"),
            asyncio.create_task(self._run(changes, self._presence_change), name="live-presence"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._stack.aclose()

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

    @property
    def listener_count(self) -> int:
        """Subscriptions registered here (live: they get every event published from now on)."""
        return len(self._every_ticket) + sum(len(g) for g in self._by_ticket.values())

    @contextlib.contextmanager
    def listen(
        self, connection: LiveConnection, *, kind: Kind = "events", ticket: Ticket | None = None
    ) -> Iterator[Listener]:
        """Register a subscriber: every ticket it may see, or one ticket's events or presence."""
        listener = Listener(connection, kind=kind, ticket=ticket, maxsize=self._queue_size)
        group = (
            self._every_ticket if ticket is None else self._by_ticket.setdefault(ticket.id, set())
        )
        group.add(listener)
        try:
            yield listener
        finally:
            group.discard(listener)
            if ticket is not None and not group and self._by_ticket.get(ticket.id) is group:
                del self._by_ticket[ticket.id]

    async def _run(self, sub: Subscription, handle: Callable[[str], Awaitable[None]]) -> None:
        try:
            async for item in sub:
                if isinstance(item, Resync):
                    # Redis came back, or this process fell behind: anything may have been missed.
                    self._registry.resync_all()
                    continue
                await self._registry.drain()
                try:
                    await handle(item.message)
                except Exception:
                    log.exception("could not dispatch %r", item.message[:200])
        except SubscriptionClosed:
            # The hub's listener failed: nothing reaches this process now. Sockets reconnect
            # (to a healthy process, behind a proxy) instead of waiting forever.
            log.exception("live updates stopped in this process")
            self._registry.resync_all()
            raise

    async def _ticket_event(self, raw: str) -> None:
        try:
            signal = Signal.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed ticket event %r", raw[:200])
            return
        watching = self._by_ticket.get(signal.ticket_id, set())
        targets: list[Listener] = []
        for listener in chain(list(self._every_ticket), list(watching)):
            if listener.connection.closing:
                continue
            actor = listener.actor
            if listener.ticket_id is not None:
                listener.fields = (signal.department, signal.client)
                if not policy.can_view_ticket_fields(actor, signal.department, signal.client):
                    listener.offer(GONE)
                    continue
            elif not policy.can_view_ticket_fields(actor, signal.department, signal.client):
                continue
            if listener.kind == "events" and policy.can_view_message_fields(
                actor, signal.department, signal.client, signal.internal
            ):
                targets.append(listener)
        if not targets:
            return
        try:
            loaded = await self._load(signal)
        except Exception:
            log.exception("could not load ticket event %s; its subscribers resync", signal.key)
            for listener in targets:
                listener.connection.resync()
            return
        for listener in targets:
            if loaded is None:
                if listener.ticket_id is not None:
                    listener.offer(GONE)
            elif policy.can_view_ticket(listener.actor, loaded.ticket):
                listener.offer(loaded)
            # else: it moved on since this event; the event for that move says so

    async def _load(self, signal: Signal) -> LoadedEvent | None:
        ticket = await Ticket.get_or_none(id=signal.ticket_id)
        if ticket is None:
            return None
        message = await Message.get_or_none(id=signal.message) if signal.message else None
        loaders = Loaders()
        if message is not None:
            loaders.messages.prime(message.id, message)
        return LoadedEvent(
            signal=signal,
            ticket=ticket,
            message=message,
            loaders=loaders,
            renders=SharedRenders(),
        )

    async def _presence_change(self, raw: str) -> None:
        ticket_id = int(raw)
        listeners = [
            listener
            for listener in self._by_ticket.get(ticket_id, ())
            if listener.kind == "presence" and not listener.connection.closing
        ]
        if not listeners:
            return
        entries = PresenceChanged(
            tuple(await presence.list_presence(redis=self._redis, ticket_id=ticket_id))
        )
        for listener in listeners:
            if policy.can_view_ticket_fields(listener.actor, *listener.fields):
                listener.offer(entries)
            else:
                listener.offer(GONE)
