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
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Literal

from redis.asyncio import Redis

from app.auth import policy
from app.auth.actor import Actor
from app.events import TICKETS_CHANNEL
from app.events import TicketEvent as Signal
from app.infra.pubsub import Hub, Resync, Subscription, SubscriptionClosed
from app.infra.websocket import text_frame
from app.live.connections import ConnectionRegistry, LiveConnection
from app.live.prepared import PreparedSender
from app.models import Message, Ticket
from app.schema.core.loaders import Loaders
from app.schema.core.renders import Render, SharedRenders
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


class Left:
    """A ticket the list subscriber saw moved to a department they do not see: their list and
    saved views' counts lost it (nothing of the ticket is told: they may no longer read it)."""


LEFT = Left()
Item = LoadedEvent | PresenceChanged | Gone | Left
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
        # Set by the subscription when the dispatcher may send it shared renders itself.
        self.sender: PreparedSender | None = None
        self.gone = False  # no longer registered: nothing more is taken from the mailbox
        self._waiting = False
        self._queue: asyncio.Queue[Item] = asyncio.Queue(maxsize)

    @property
    def actor(self) -> Actor:
        return self.connection.actor

    @property
    def idle(self) -> bool:
        """Its subscription has sent everything it was given and waits for the next item: a
        frame written to its socket now arrives after everything before it."""
        return self._waiting and self._queue.empty()

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
        self._waiting = True
        try:
            return await self._queue.get()
        finally:
            self._waiting = False


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
            listener.gone = True
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
        # The policy's answers depend on the viewer's key alone (policy.viewer_key): decided
        # once per distinct key, not once per socket.
        may_see: dict[Hashable, tuple[bool, bool]] = {}
        saw: dict[Hashable, bool] = {}
        for listener in chain(list(self._every_ticket), list(watching)):
            connection = listener.connection
            if connection.closing:
                continue
            decision = may_see.get(connection.viewer)
            if decision is None:
                actor = connection.actor
                key = connection.viewer
                decision = may_see[key] = (
                    policy.can_view_ticket_fields(actor, signal.department, signal.client),
                    policy.can_view_message_fields(
                        actor, signal.department, signal.client, signal.internal
                    ),
                )
            ticket_visible, event_visible = decision
            if listener.ticket_id is not None:
                listener.fields = (signal.department, signal.client)
                if not ticket_visible:
                    listener.offer(GONE)
                    continue
            elif not ticket_visible:
                if listener.kind == "events" and signal.previous_department is not None:
                    before = saw.get(connection.viewer)
                    if before is None:
                        before = saw[connection.viewer] = policy.can_view_ticket_fields(
                            connection.actor, signal.previous_department, signal.client
                        )
                    if before:
                        listener.offer(LEFT)
                continue
            if listener.kind == "events" and event_visible:
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
        if loaded is None:
            for listener in targets:
                if listener.ticket_id is not None:
                    listener.offer(GONE)
            return
        await self._deliver(loaded, targets)

    async def _deliver(self, loaded: LoadedEvent, targets: list[Listener]) -> None:
        """Queue the event for each subscriber that may see it now, or write it to the socket.

        Subscribers that render it identically (the same document, variables, viewer class and
        visible message) form a group. For a group of idle subscribers with a frame writer, the
        first executes the event through its own subscription (the full pipeline); the
        dispatcher waits for that execution and writes its text, serialised once and framed
        once per operation id, to the other sockets of the group itself: no task switch, ASGI
        call or framing per socket. Anyone not idle, without a writer, in a group whose
        execution may not be shared or had errors, or whose socket would make the write wait,
        gets the event in their mailbox as before (and the prepared text from there).
        """
        visible: dict[Hashable, tuple[bool, Message | None]] = {}
        groups: dict[Hashable, list[Listener]] = {}
        for listener in targets:
            decision = visible.get(listener.connection.viewer)
            if decision is None:
                actor = listener.actor
                key = listener.connection.viewer
                decision = visible[key] = (
                    may_receive(actor, loaded),
                    visible_message(actor, loaded),
                )
            if not decision[0]:
                # It moved on since this event (the event for that move says so), or it is a
                # note the viewer may not see.
                continue
            sender = listener.sender
            if sender is None or sender.writer is None or not listener.idle:
                listener.offer(loaded)
                continue
            message = decision[1]
            render = sender.render_key(message.id if message is not None else None)
            groups.setdefault(render, []).append(listener)
        if not groups:
            return
        renders = loaded.renders
        waiting: list[tuple[Render, Listener, list[Listener]]] = []
        for render_key, group in groups.items():
            if len(group) == 1:
                group[0].offer(loaded)
                continue
            render = renders.results.get(render_key)
            if render is None:
                render = renders.results[render_key] = Render(claimed=False)
            group[0].offer(loaded)  # executes it (or finds it executed), then sends as before
            waiting.append((render, group[0], group[1:]))
        for render, first, rest in waiting:
            await _executed(render, first)
            payload = render.payload_json() if render.done.is_set() else None
            if payload is None:  # not shareable, errors, or not executed in time
                for listener in rest:
                    listener.offer(loaded)
                continue
            payload_bytes = payload.encode()
            framed: dict[str, tuple[bytes, bytes]] = {}  # operation id prefix -> text, frame
            written = 0
            for listener in rest:
                sender = listener.sender
                assert sender is not None and sender.writer is not None
                if listener.connection.closing or listener.gone or sender.completed:
                    continue  # nothing more goes to it, as in the full pipeline
                if not listener.idle:  # (cannot happen: only this task fills mailboxes)
                    listener.offer(loaded)
                    continue
                prefix = sender.prefix
                text = framed.get(prefix)
                if text is None:
                    data = b"".join((prefix.encode(), payload_bytes, b"}"))
                    text = framed[prefix] = (data, text_frame(data))
                if sender.writer.write_text(*text):
                    written += 1
                else:  # the socket applies back-pressure: its mailbox waits for it
                    listener.offer(loaded)
            renders.direct_writes += written
            renders.prepared_sends += written

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


# How long the dispatcher waits for a group's first subscriber to execute an event before it
# gives the rest of the group the event through their mailboxes instead.
EXECUTION_WAIT = 2.0


async def _executed(render: Render, first: Listener) -> None:
    """Until ``render`` is done, or nobody will execute it: its first subscriber left before
    taking the event (the render is then abandoned), or ``EXECUTION_WAIT`` passed."""
    deadline = asyncio.get_running_loop().time() + EXECUTION_WAIT
    while not render.done.is_set():
        if render.pending and (first.gone or first.connection.closing):
            render.abandon()
            return
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(render.done.wait(), min(left, 0.05))


def visible_message(actor: Actor, loaded: LoadedEvent) -> Message | None:
    """The event's message as ``actor`` may see it (None: none, or not theirs to see)."""
    message = loaded.message
    if message is not None and not policy.can_view_message(actor, loaded.ticket, message):
        return None
    return message


def may_receive(actor: Actor, loaded: LoadedEvent) -> bool:
    """Whether ``actor`` gets this event at all, by the ticket as loaded."""
    ticket = loaded.ticket
    return policy.can_view_message_fields(
        actor, ticket.department_id, ticket.client_id, loaded.signal.internal
    )
