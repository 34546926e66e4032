"""The authenticated WebSocket connections of this process, and closing them when they must go.

A socket is closed with

* ``RESYNC_CLOSE_CODE`` (4205) when events may have been lost (Redis came back after an outage,
  the subscriber fell behind, an event could not be loaded) or the user's access changed: the
  client reconnects, which authenticates afresh, and refetches what it shows;
* ``REVOKED_CLOSE_CODE`` (4401) when its session or token was revoked, expired, or the user was
  deactivated: the client must sign in again.

Session signals (``app.events``) make this immediate; a periodic check of every open
socket's token covers a signal lost while Redis was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field

from app.auth import policy
from app.auth.actor import Actor, actor_for
from app.events import SESSIONS_CHANNEL, SessionSignal
from app.infra.clock import now
from app.infra.pubsub import Event, Hub, Resync, Subscription
from app.models import AuthToken

log = logging.getLogger(__name__)

RESYNC_CLOSE_CODE = 4205
RESYNC_CLOSE_REASON = "Resync: reconnect and refetch"
REVOKED_CLOSE_CODE = 4401
REVOKED_CLOSE_REASON = "Session revoked"


@dataclass(eq=False)
class LiveConnection:
    """One authenticated socket. ``actor`` is fixed for its lifetime: any change of access
    closes the socket so that the reconnect picks up the new one."""

    actor: Actor
    closer: Callable[[int, str], Awaitable[None]]  # stops its operations, then closes the socket
    presence: set[int] = field(default_factory=set)  # ticket ids to clear on disconnect
    closing: bool = False
    close_code: int | None = None
    _closer: asyncio.Task[None] | None = field(default=None, repr=False)
    # What the policy decides by (``policy.viewer_key``), once: the actor never changes.
    viewer: Hashable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.viewer = policy.viewer_key(self.actor)

    def close_soon(self, code: int, reason: str) -> None:
        """Stop delivering now and close the socket in the background (a slow client must not
        hold up the caller)."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        self._closer = asyncio.create_task(self._close(code, reason), name="live-close")

    def resync(self) -> None:
        self.close_soon(RESYNC_CLOSE_CODE, RESYNC_CLOSE_REASON)

    def revoke(self) -> None:
        self.close_soon(REVOKED_CLOSE_CODE, REVOKED_CLOSE_REASON)

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # already gone: nothing to tell it
            await self.closer(code, reason)


class ConnectionRegistry:
    def __init__(self, hub: Hub, *, check_seconds: float) -> None:
        self._hub = hub
        self._check_seconds = check_seconds
        self._by_user: dict[int, set[LiveConnection]] = {}
        self._signals: Subscription | None = None
        self._stack = contextlib.AsyncExitStack()
        self._tasks: list[asyncio.Task[None]] = []

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_user.values())

    def __iter__(self) -> Iterator[LiveConnection]:
        for group in list(self._by_user.values()):
            yield from list(group)

    def add(self, connection: LiveConnection) -> None:
        self._by_user.setdefault(connection.actor.user_id, set()).add(connection)

    def discard(self, connection: LiveConnection) -> None:
        group = self._by_user.get(connection.actor.user_id)
        if group is not None:
            group.discard(connection)
            if not group:
                del self._by_user[connection.actor.user_id]

    async def start(self) -> None:
        self._signals = await self._stack.enter_async_context(self._hub.subscribe(SESSIONS_CHANNEL))
        self._tasks = [
            asyncio.create_task(self._watch(self._signals), name="live-session-signals"),
            asyncio.create_task(self._check_periodically(), name="live-session-check"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._stack.aclose()
        self._signals = None

    def resync_all(self) -> None:
        """Events may have been lost for everyone here (Redis outage): every socket resyncs."""
        for connection in self:
            connection.resync()

    async def drain(self) -> None:
        """Apply the session signals that already arrived.

        The dispatcher calls this before each ticket event: Redis delivers in publish order,
        so a signal published before an event is applied before that event is delivered.
        """
        signals = self._signals
        while signals is not None and signals.qsize():
            try:
                item = await anext(signals)  # an item is queued: returns without suspending
            except (StopAsyncIteration, Exception):
                return
            await self._apply(item)

    async def _watch(self, signals: Subscription) -> None:
        async for item in signals:
            await self._apply(item)

    async def _apply(self, item: Event | Resync) -> None:
        if isinstance(item, Resync):
            try:
                await self.check_sessions()  # signals may have been lost
            except Exception:
                log.exception("checking open sessions failed")
            return
        try:
            signal = SessionSignal.from_json(item.message)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed session signal %r", item.message[:200])
            return
        for connection in list(self._by_user.get(signal.user, ())):
            if signal.reason == "access":
                connection.resync()
            elif signal.revokes(connection.actor.token_id):
                connection.revoke()

    async def _check_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._check_seconds)
            try:
                await self.check_sessions()
            except Exception:
                log.exception("checking open sessions failed")

    async def check_sessions(self) -> None:
        """Close sockets whose token is no longer valid or whose user's access changed."""
        open_ = [c for c in self if not c.closing]
        if not open_:
            return
        token_ids = {c.actor.token_id for c in open_ if c.actor.token_id is not None}
        tokens = {
            t.id: t
            for t in await AuthToken.filter(id__in=list(token_ids), revoked_at=None).select_related(
                "user"
            )
        }
        stamp = now()
        fresh: dict[int, Actor] = {}
        for connection in open_:
            token = tokens.get(connection.actor.token_id or 0)
            if (
                token is None
                or not token.user.active
                or (token.expires_at is not None and token.expires_at <= stamp)
            ):
                connection.revoke()
                continue
            if token.user.id not in fresh:
                fresh[token.user.id] = await actor_for(token.user)
            current = fresh[token.user.id]
            if current.access != connection.actor.access:
                connection.resync()
