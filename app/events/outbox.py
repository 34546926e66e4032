"""The transactional outbox: events are rows written with the change they describe; a relay in
every server and worker process sends them on.

Services call ``emit`` (ticket events) or ``emit_session_change`` inside their transaction and
nothing else: the rows commit or roll back with the change, so a reply that was saved always has
its event, and an event never describes a change that was not saved. After the commit the
process sends what is waiting at once (as Zulip's ``send_event_on_commit``); a background loop
picks up whatever is left (Redis was away, the process that wrote it died) every ``POLL``
seconds.

Sending a row: publish it on its channel (live updates) and, for ticket events, enqueue the
notification job with the row's id as the job id; then mark it sent. A relay takes a batch of
rows in id order inside a transaction that holds them while they are published and marks them
sent as it commits (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so relays of other processes skip
them; SQLite writes one transaction at a time); a relay that dies meanwhile leaves them waiting.
While Redis is down rows wait, and go out in order when it returns. Delivery is at least once: a
row may go out twice if a relay dies between sending and its commit; subscribers refetch what an
event names and notifications dedupe per event and recipient, so a repeat costs nothing visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.events.signals import (
    SESSIONS_CHANNEL,
    TICKETS_CHANNEL,
    SessionReason,
    SessionSignal,
    TicketEvent,
)
from app.infra import actor_generation
from app.models import OutboxEvent

log = logging.getLogger("app.events.outbox")

BATCH = 100
GRACE_MS = 3_000
"""A new row is left to the process that wrote it (which sends it right after its commit) for
this long before other processes' background loops take it: fewer writers contend for the
database (SQLite has one writer at a time), and events mostly go out in the order they were
written."""
POLL = 1.0
"""Seconds between the background loop's looks for rows left waiting."""
AWAY_POLL = 2.0
"""Seconds between tries while Redis is away."""
STOP_WAIT = 10.0
"""On stop, how long a batch being sent may take to finish."""
KEEP_SENT = timedelta(hours=1)
PURGE_EVERY = 300.0
RESEND_AFTER = timedelta(seconds=30)
"""A notification job not finished this long after it was enqueued is enqueued again (a no-op
while arq still holds it): Redis killed before saving it to disk loses queued jobs."""
RESEND_EVERY = 15.0


class Publisher(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...


class JobQueue(Protocol):
    async def enqueue_event(self, event: TicketEvent) -> None: ...


class _Sinks:
    publisher: Publisher | None = None
    jobs: JobQueue | None = None


sinks = _Sinks()


def configure(*, publisher: Publisher | None, jobs: JobQueue | None) -> None:
    """Where this process's relay sends rows (none: rows wait for another process)."""
    sinks.publisher = publisher
    sinks.jobs = jobs


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _now_ms() -> int:
    return int(time.time() * 1000)


async def emit(connection: BaseDBAsyncClient, *events: TicketEvent) -> None:
    """Write ``events`` to the outbox in the caller's transaction (``connection``); they are
    published and their notifications enqueued once it commits."""
    if not events:
        return
    stamp, grace = _utcnow(), _now_ms() + GRACE_MS
    await OutboxEvent.bulk_create(
        [
            OutboxEvent(
                channel=TICKETS_CHANNEL,
                payload=e.to_json(),
                notify=True,
                created_at=stamp,
                hold_until_ms=grace,
            )
            for e in events
        ],
        using_db=connection,
    )
    _send_after_commit(connection)


async def emit_session_change(
    connection: BaseDBAsyncClient,
    *,
    user_id: int,
    reason: SessionReason,
    token_id: int | None = None,
    keep_token_id: int | None = None,
) -> None:
    """Write a session signal in the caller's transaction. ``keep_token_id``: with ``revoked``
    and no ``token_id``, the one token that stays valid. (A signal lost anyway is covered by
    each process's periodic session check.)"""
    signal = SessionSignal(user=user_id, reason=reason, token=token_id, keep=keep_token_id)
    await OutboxEvent.create(
        channel=SESSIONS_CHANNEL,
        payload=signal.to_json(),
        created_at=_utcnow(),
        hold_until_ms=_now_ms() + GRACE_MS,
        using_db=connection,
    )
    _send_after_commit(connection)
    # Every process's cached actors go stale as the transaction commits.
    actor_generation.bump_after_commit(connection)


def _send_after_commit(connection: BaseDBAsyncClient) -> None:
    """Have the relay send once ``connection``'s transaction commits (at once without one).
    Tortoise has no commit hook, so the transaction's own ``commit`` is wrapped, once."""
    if not isinstance(connection, TransactionalDBClient) or connection._finalized:
        current_relay().committed()
        return
    if getattr(connection, "_outbox_hooked", False):
        return
    commit = connection.commit

    async def commit_then_send() -> None:
        await commit()
        current_relay().committed()

    setattr(connection, "commit", commit_then_send)  # noqa: B010  (an instance attribute)
    setattr(connection, "_outbox_hooked", True)  # noqa: B010


class RedisAway(Exception):
    """Publishing or enqueueing failed: the row waits for the next try."""


class Relay:
    """This process's relay (one per event loop): sends waiting rows, one flush at a time."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inline: asyncio.Task[None] | None = None  # sending after commits
        self._again = False
        self.away = False
        self._last_purge = 0.0
        self._last_resend = time.monotonic()

    # -- after a commit ---------------------------------------------------------------------

    def committed(self) -> None:
        """A transaction with events committed: send them now, without making the caller
        wait for Redis (while Redis is away the background loop tries on its own)."""
        if self.away or (sinks.publisher is None and sinks.jobs is None):
            self._wake.set()
            return
        if self._inline is not None and not self._inline.done():
            self._again = True  # the running send goes round once more
            return
        # A fresh context: this runs inside the transaction's commit, whose connection is
        # still the current one in the caller's context.
        self._inline = asyncio.get_running_loop().create_task(
            self._send_committed(), context=contextvars.Context()
        )

    async def _send_committed(self) -> None:
        while True:
            self._again = False
            try:
                await self.flush(fresh=True)
            except Exception:
                log.exception("could not send the outbox after a commit; the relay loop will")
                return
            if not self._again:
                return

    async def flushed(self) -> None:
        """Wait for the sends started by commits so far (tests, benchmarks)."""
        while self._inline is not None and not self._inline.done():
            await asyncio.gather(self._inline, return_exceptions=True)

    # -- the background loop ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the background loop runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop between batches: a batch being sent is finished and marked sent (bounded by
        ``STOP_WAIT``; past that it is cancelled and its transaction rolls back, leaving every
        row of it for another process), never marked in part."""
        task, self._task = self._task, None
        if task is not None:
            held = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_WAIT):
                    await self._lock.acquire()
                    held = True
            try:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            finally:
                if held:
                    self._lock.release()
        await self.flushed()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), AWAY_POLL if self.away else POLL)
            self._wake.clear()
            try:
                await self.flush()
                await self._resend_unhandled()
                await self._purge()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the outbox relay failed; trying again")

    # -- sending ----------------------------------------------------------------------------

    async def flush(self, *, fresh: bool = False) -> int:
        """Send waiting rows (in id order); returns how many were sent. ``fresh``: right after
        a commit, rows still in their writer's grace too."""
        if sinks.publisher is None and sinks.jobs is None:
            return 0
        sent = 0
        async with self._lock:
            while True:
                # One transaction per batch: the rows stay locked (PostgreSQL: other relays skip
                # them) while they are published, and are marked sent when it commits; a relay
                # that dies meanwhile leaves them waiting. One commit for the whole batch.
                async with in_transaction() as connection:
                    rows = await _waiting(connection, BATCH, fresh=fresh)
                    done: list[int] = []
                    try:
                        for row in rows:
                            await _send(row)
                            done.append(row.id)
                    except RedisAway as exc:
                        if not self.away:
                            log.warning("Redis is away (%s); events wait in the outbox", exc)
                        self.away = True
                    if done:
                        await (
                            OutboxEvent.filter(id__in=done)
                            .using_db(connection)
                            .update(sent_at=_utcnow())
                        )
                sent += len(done)
                if len(done) < len(rows):
                    return sent  # Redis is away
                if rows and self.away:
                    log.info("Redis is back; events left in the outbox are going out")
                    self.away = False
                if len(rows) < BATCH:
                    return sent

    async def _resend_unhandled(self) -> None:
        """Enqueue again the notification jobs sent a while ago and not finished yet."""
        if self.away or sinks.jobs is None or time.monotonic() - self._last_resend < RESEND_EVERY:
            return
        self._last_resend = time.monotonic()
        rows = await OutboxEvent.filter(
            notify=True, handled_at=None, sent_at__lt=_utcnow() - RESEND_AFTER
        ).order_by("id")
        for row in rows:
            try:
                event = replace(TicketEvent.from_json(row.payload), event_id=row.id)
                await sinks.jobs.enqueue_event(event)
            except (ValueError, TypeError, KeyError):
                await OutboxEvent.filter(id=row.id).update(handled_at=_utcnow())
            except Exception as exc:
                log.warning("could not enqueue unfinished notifications again: %s", exc)
                return

    async def _purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = time.monotonic()
        await OutboxEvent.filter(
            Q(notify=False) | Q(handled_at__not_isnull=True), sent_at__lt=_utcnow() - KEEP_SENT
        ).delete()


async def _waiting(connection: BaseDBAsyncClient, limit: int, *, fresh: bool) -> list[OutboxEvent]:
    """Up to ``limit`` unsent rows, oldest first, locked for this transaction (PostgreSQL skips
    rows another relay holds; SQLite writes one transaction at a time). Unless ``fresh``, rows
    still left to their writer are not taken."""
    query = OutboxEvent.filter(sent_at=None)
    if not fresh:
        query = query.filter(Q(hold_until_ms=None) | Q(hold_until_ms__lt=_now_ms()))
    return await (
        query.order_by("id").limit(limit).select_for_update(skip_locked=True).using_db(connection)
    )


async def _send(row: OutboxEvent) -> None:
    payload = row.payload
    event: TicketEvent | None = None
    if row.channel == TICKETS_CHANNEL:
        try:
            event = replace(TicketEvent.from_json(payload), event_id=row.id)
        except (ValueError, TypeError, KeyError):
            log.error("dropping a malformed outbox row %s: %r", row.id, payload[:200])
            return
        payload = event.to_json()
    try:
        if sinks.publisher is not None:
            await sinks.publisher.publish(row.channel, payload)
        if event is not None and row.notify and sinks.jobs is not None:
            await sinks.jobs.enqueue_event(event)
        # Again with the signal: makes up for a bump after the commit that Redis missed.
        if (
            row.channel == SESSIONS_CHANNEL
            and actor_generation.configured() is not None
            and not await actor_generation.bump()
        ):
            raise RuntimeError("the actor generation was not bumped")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise RedisAway(f"{type(exc).__name__}: {exc}") from exc


_RELAYS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay] = weakref.WeakKeyDictionary()


def current_relay() -> Relay:
    """This event loop's relay."""
    loop = asyncio.get_running_loop()
    relay = _RELAYS.get(loop)
    if relay is None:
        relay = _RELAYS[loop] = Relay()
    return relay


async def handled(event: TicketEvent) -> None:
    """The notification job finished with ``event``: the relay stops enqueueing it again."""
    if event.event_id is not None:
        await OutboxEvent.filter(id=event.event_id, handled_at=None).update(handled_at=_utcnow())


async def flushed() -> None:
    """Wait until what commits so far handed to the relay was sent (or left waiting)."""
    await current_relay().flushed()
