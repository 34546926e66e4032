"""The transactional outbox: events are rows written with the change they describe; a relay in
every server and worker process sends them on.

Services call ``emit`` (ticket events) or ``emit_session_change`` inside their transaction and
nothing else: the rows commit or roll back with the change, so a reply that was saved always has
its event, and an event never describes a change that was not saved.

Sending a row: publish it on its channel (live updates) and, for ticket events, enqueue the
notification job with the row's identity, its id and when it was written (``row_stamp``), as
the job id; then mark it sent. The job's "handled" mark matches the row by both too: ids start
again after a database restore while Redis keeps its jobs and their results (arq ignores an
enqueue while it holds either under the job's id), so an id alone would name an older row.

Right after the commit the writing process publishes the rows it wrote, from memory and outside
any database transaction (as Zulip's ``send_event_on_commit``), in commit order; it marks them
sent a moment later, many rows in one ``UPDATE`` (``MARK_DELAY``). A new row is left to its
writer for ``GRACE_MS``: no other relay takes it meanwhile, so publishing it without a lock sends
it once. A background loop (every ``POLL`` seconds) takes the rest from the database: rows past
their writer's grace (the writer died, or could not mark them) and rows this process left there
(Redis was away). It takes them in id order inside a transaction that holds them while they are
published and marks them sent as it commits (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so relays
of other processes skip them; SQLite writes one transaction at a time). While rows this process
left wait, its new rows wait behind them, so they go out in order when Redis returns.

The process's memory of its rows is keyed by (id, created_at), never by id alone: a row deleted
and another written with the same id (tests empty the table between them) is another row.
Delivery is at least once: a row may go out twice if a relay dies between publishing it and
marking it; subscribers refetch what an event names and notifications dedupe per event and
recipient, so a repeat costs nothing visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from prometheus_client import Counter
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.events.signals import (
    ACCOUNT_MAIL_CHANNEL,
    SESSIONS_CHANNEL,
    TICKETS_CHANNEL,
    AccountMail,
    SessionReason,
    SessionSignal,
    TicketEvent,
)
from app.infra import actor_generation, metrics
from app.models import OutboxEvent

log = logging.getLogger("app.events.outbox")

BATCH = 100
GRACE_MS = 3_000
"""A new row is left to the process that wrote it (which publishes it right after its commit and
marks it sent a moment later) for this long before other processes' relays take it: so it goes
out once, and fewer writers contend for the database (SQLite has one writer at a time)."""
MARK_DELAY = 0.1
"""Seconds a published row waits to be marked sent, with the others published meanwhile: one
``UPDATE`` for many rows. Far below ``GRACE_MS``, so no other relay takes the row first."""
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
BACKLOG_TIMEOUT = 2.0
"""How long a scrape waits for the outbox's backlog before leaving its gauges as they were."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class Publisher(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...


class JobQueue(Protocol):
    async def enqueue_event(self, event: TicketEvent) -> None: ...


class AccountMailQueue(Protocol):
    async def enqueue_account_mail(self, mail: AccountMail) -> None: ...


class _Sinks:
    publisher: Publisher | None = None
    jobs: JobQueue | None = None


sinks = _Sinks()


def configure(*, publisher: Publisher | None, jobs: JobQueue | None) -> None:
    """Where this process's relay sends rows (none: rows wait for another process)."""
    sinks.publisher = publisher
    sinks.jobs = jobs


def _can_send() -> bool:
    return sinks.publisher is not None or sinks.jobs is not None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _now_ms() -> int:
    return int(time.time() * 1000)


Key = tuple[int, int]


def row_stamp(created_at: datetime) -> int:
    """When a row was written, in microseconds since the epoch: with its id, the row's
    identity (in this process's memory, in job ids and in the "handled" mark)."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return (created_at - _EPOCH) // _MICROSECOND


def _key(row_id: int, created_at: datetime) -> Key:
    """A row's identity in this process's memory: its id and when it was written (to the
    microsecond), so that a row deleted and another written with the same id never mix."""
    return row_id, row_stamp(created_at)


@dataclass(frozen=True, slots=True)
class _Row:
    """A row this process wrote, as committed."""

    id: int
    created_at: datetime
    channel: str
    payload: str
    notify: bool
    hold_until_ms: int
    # The ticket event the payload describes, kept so the writer's publish need not parse it.
    event: TicketEvent | None = None

    @property
    def key(self) -> Key:
        return _key(self.id, self.created_at)


_COLUMNS = ("channel", "payload", "notify", "created_at", "hold_until_ms")


@dataclass(frozen=True, slots=True)
class Along:
    """A write of the change that the outbox's ``INSERT`` carries (PostgreSQL: an ``UPDATE``
    with ``$n`` parameters and no ``RETURNING``). On PostgreSQL the two are one statement, the
    write a data-modifying ``WITH`` of the insert, so the outbox costs the change no round trip of
    its own; it runs to completion whether or not the insert reads it."""

    sql: str
    values: list[object]


@functools.lru_cache(maxsize=64)
def _insert_sql(dialect: str, rows: int = 1, along: str | None = None, after: int = 0) -> str:
    """The outbox's ``INSERT`` of ``rows`` rows (PostgreSQL: as the main statement of ``along``,
    whose ``after`` parameters come first)."""
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    if dialect == "sqlite":
        return f'INSERT INTO "outbox" ({columns}) VALUES (?, ?, ?, ?, ?)'
    first = 1 + after
    width = len(_COLUMNS)
    tuples = ", ".join(
        "(" + ", ".join(f"${first + r * width + c}" for c in range(width)) + ")"
        for r in range(rows)
    )
    insert = f'INSERT INTO "outbox" ({columns}) VALUES {tuples} RETURNING "id"'
    return insert if along is None else f"WITH along AS ({along}) {insert}"


async def _write(
    connection: BaseDBAsyncClient,
    channel: str,
    payloads: list[str],
    *,
    notify: bool,
    events: list[TicketEvent] | None = None,
    along: Along | None = None,
) -> list[_Row]:
    """Rows in one plain ``INSERT`` (the model's ``create`` costs a third more of the change's
    time, measured on SQLite); their ids come back with it. PostgreSQL: every row and ``along``
    in one statement; SQLite: ``along``, then one ``INSERT`` per row."""
    stamp, grace = _utcnow(), _now_ms() + GRACE_MS
    dialect = connection.capabilities.dialect
    if dialect == "sqlite":
        if along is not None:
            await connection.execute_query(along.sql, along.values)
        fields = OutboxEvent._meta.fields_map
        ids = []
        for payload in payloads:
            values = [
                fields[name].to_db_value(value, OutboxEvent)
                for name, value in zip(
                    _COLUMNS, (channel, payload, notify, stamp, grace), strict=True
                )
            ]
            ids.append(await connection.execute_insert(_insert_sql(dialect), values))
    else:
        # asyncpg takes the values as they are (an aware datetime for timestamptz).
        values = [] if along is None else list(along.values)
        for payload in payloads:
            values += (channel, payload, notify, stamp, grace)
        sql = (
            _insert_sql(dialect, len(payloads))
            if along is None
            else _insert_sql(dialect, len(payloads), along.sql, len(along.values))
        )
        returned = await connection.execute_query_dict(sql, values)
        # Ids are drawn in the order of the VALUES; RETURNING's order is not promised.
        ids = sorted(row["id"] for row in returned)
    return [
        _Row(row_id, stamp, channel, payload, notify, grace, events[i] if events else None)
        for i, (row_id, payload) in enumerate(zip(ids, payloads, strict=True))
    ]


async def emit(
    connection: BaseDBAsyncClient, *events: TicketEvent, along: Along | None = None
) -> None:
    """Write ``events`` to the outbox in the caller's transaction (``connection``); they are
    published and their notifications enqueued once it commits. ``along``: a write of the
    change to send with them (see ``Along``)."""
    if not events:
        if along is not None:
            await connection.execute_query(along.sql, along.values)
        return
    rows = await _write(
        connection,
        TICKETS_CHANNEL,
        [e.to_json() for e in events],
        notify=True,
        events=list(events),
        along=along,
    )
    _send_after_commit(connection, rows)


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
    rows = await _write(connection, SESSIONS_CHANNEL, [signal.to_json()], notify=False)
    _send_after_commit(connection, rows)
    # Every process's cached actors go stale as the transaction commits.
    actor_generation.bump_after_commit(connection)


async def emit_account_mail(connection: BaseDBAsyncClient, mail: AccountMail) -> None:
    """Write an account mail (reset, invitation, verification) in the caller's transaction;
    the account-mail job is enqueued once it commits. Its row is never published; like a ticket
    event's it is enqueued again until its job says it is handled (``notify``)."""
    rows = await _write(connection, ACCOUNT_MAIL_CHANNEL, [mail.to_json()], notify=True)
    _send_after_commit(connection, rows)


def _send_after_commit(connection: BaseDBAsyncClient, rows: list[_Row]) -> None:
    """Hand ``rows`` to the relay once ``connection``'s transaction commits (at once without
    one). Tortoise has no commit hook, so the transaction's own ``commit`` is wrapped, once. (A
    savepoint's rows are not handed over: the background loop sends them after their grace.)"""
    if not isinstance(connection, TransactionalDBClient) or connection._finalized:
        current_relay().committed(rows)
        return
    written: list[_Row] | None = getattr(connection, "_outbox_rows", None)
    if written is not None:
        written.extend(rows)
        return
    written = list(rows)
    commit = connection.commit

    async def commit_then_send() -> None:
        await commit()
        current_relay().committed(written)

    setattr(connection, "commit", commit_then_send)  # noqa: B010  (an instance attribute)
    setattr(connection, "_outbox_rows", written)  # noqa: B010


class RedisAway(Exception):
    """Publishing or enqueueing failed: the row waits for the next try."""


class Relay:
    """This process's relay (one per event loop): publishes the rows this process commits,
    marks them sent in batches, and sends what waits in the database; one sender at a time."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inline: asyncio.Task[None] | None = None  # sending after commits
        self._again = False
        self._queue: list[_Row] = []  # committed here, to publish now
        self._published: list[_Row] = []  # published, to mark sent
        self._marker: asyncio.Task[None] | None = None
        self._hurry = asyncio.Event()
        # Rows written here that wait in the database (Redis was away, nothing to send to),
        # with the end of their grace: only this process takes them before it.
        self._left: dict[Key, int] = {}
        # Rows written here wait in the database: new ones go out after them, in id order.
        self._behind = False
        self.away = False
        self._last_purge = 0.0
        self._last_resend = time.monotonic()

    # -- after a commit ---------------------------------------------------------------------

    def committed(self, rows: Iterable[_Row]) -> None:
        """A transaction wrote ``rows`` and committed: publish them now, without making the
        caller wait for Redis (while Redis is away the background loop tries on its own)."""
        if self.away or not _can_send():
            self._leave(rows)
            self._wake.set()
            return
        if self._behind:
            self._leave(rows)
        else:
            self._queue.extend(rows)
        if self._inline is not None and not self._inline.done():
            self._again = True  # the running send goes round once more
            return
        # A fresh context: this runs inside the transaction's commit, whose connection is
        # still the current one in the caller's context.
        self._inline = asyncio.get_running_loop().create_task(
            self._send_committed(), context=contextvars.Context()
        )

    def _leave(self, rows: Iterable[_Row]) -> None:
        for row in rows:
            self._left[row.key] = row.hold_until_ms
        self._behind = True

    async def _send_committed(self) -> None:
        while True:
            self._again = False
            try:
                async with self._lock:
                    await self._send_queue()
                    if self._behind and not self.away:
                        await self._send_stored(fresh=False)
            except Exception:
                log.exception("could not send the outbox after a commit; the relay loop will")
                return
            finally:
                self._schedule_mark()
            if not self._again:
                return

    async def flushed(self) -> None:
        """Wait for the sends started by commits so far, and their marks (tests, benchmarks)."""
        while self._inline is not None and not self._inline.done():
            await asyncio.gather(self._inline, return_exceptions=True)
        if self._marker is not None and not self._marker.done():
            self._hurry.set()
            await asyncio.gather(self._marker, return_exceptions=True)
        elif self._published:
            try:
                await self._mark()
            except Exception:
                log.exception("could not mark published outbox rows sent")

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
        """Send what waits: rows just committed here, then, in id order, rows in the database
        past their writer's grace and rows this process left there (``fresh``: every unsent
        row). Returns how many were sent."""
        if not _can_send():
            return 0
        async with self._lock:
            sent = await self._send_queue()
            return sent + await self._send_stored(fresh=fresh)

    async def _send_queue(self) -> int:
        """Publish the rows committed here, in id order, outside any transaction; they are
        marked sent by the next mark."""
        sent = 0
        while self._queue:
            batch, self._queue = sorted(self._queue, key=lambda r: r.id), []
            for i, row in enumerate(batch):
                try:
                    await _send(
                        row.id,
                        row.created_at,
                        row.channel,
                        row.payload,
                        notify=row.notify,
                        event=row.event,
                    )
                except RedisAway as exc:
                    self._went_away(exc)
                    self._leave([*batch[i:], *self._queue])
                    self._queue = []
                    self._wake.set()
                    return sent
                self._published.append(row)
                sent += 1
        return sent

    async def _send_stored(self, *, fresh: bool) -> int:
        """Send rows waiting in the database (see ``flush``), one transaction per batch: the
        rows stay locked (PostgreSQL: other relays skip them) while they are published, and are
        marked sent when it commits; a relay that dies meanwhile leaves them waiting."""
        await self._mark()  # what was published here is not sent again
        sent = 0
        while True:
            now = _now_ms()
            self._left = {k: hold for k, hold in self._left.items() if hold >= now}
            own = dict(self._left)
            async with in_transaction() as connection:
                rows = await _waiting(connection, BATCH, fresh=fresh, own=[k[0] for k in own])
                published = {r.key for r in self._published}
                done: list[int] = []
                keys: set[Key] = set()
                failed = False
                try:
                    for row in rows:
                        key = _key(row.id, row.created_at)
                        held = row.hold_until_ms is not None and row.hold_until_ms >= now
                        if key in published or (held and not fresh and key not in own):
                            continue  # sent already; or another row with an id one of ours had
                        await _send(
                            row.id, row.created_at, row.channel, row.payload, notify=row.notify
                        )
                        done.append(row.id)
                        keys.add(key)
                except RedisAway as exc:
                    self._went_away(exc)
                    failed = True
                if done:
                    await (
                        OutboxEvent.filter(id__in=done)
                        .using_db(connection)
                        .update(sent_at=_utcnow())
                    )
            for key in keys:
                self._left.pop(key, None)
            if keys:
                self._queue = [r for r in self._queue if r.key not in keys]
            sent += len(done)
            if failed:
                return sent  # Redis is away
            if done and self.away:
                log.info("Redis is back; events left in the outbox are going out")
                self.away = False
            if len(rows) < BATCH:
                # Every row of ours still unsent was among these (or is held by another relay,
                # which sends it): the rest of what we remembered is gone.
                for key in own:
                    self._left.pop(key, None)
                self._behind = bool(self._left)
                return sent
            if not done:
                return sent

    def _went_away(self, exc: RedisAway) -> None:
        if not self.away:
            log.warning("Redis is away (%s); events wait in the outbox", exc)
        self.away = True

    # -- marking sent -----------------------------------------------------------------------

    def _schedule_mark(self) -> None:
        if self._published and (self._marker is None or self._marker.done()):
            self._marker = asyncio.get_running_loop().create_task(
                self._mark_soon(), context=contextvars.Context()
            )

    async def _mark_soon(self) -> None:
        """Mark what was published, ``MARK_DELAY`` after it (at once when hurried)."""
        while self._published:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), MARK_DELAY)
            self._hurry.clear()
            try:
                await self._mark()
            except Exception:
                log.exception("could not mark published outbox rows sent; the relay loop will")
                return

    async def _mark(self) -> None:
        """Mark the published rows sent: one ``UPDATE``, matching each row by its id and when
        it was written; a row not there any more (or already marked) is left alone."""
        rows, self._published = self._published, []
        if not rows:
            return
        try:
            await _mark_sent(rows)
        except BaseException:
            self._published[:0] = rows
            raise

    # -- housekeeping -----------------------------------------------------------------------

    async def _resend_unhandled(self) -> None:
        if self.away or sinks.jobs is None or time.monotonic() - self._last_resend < RESEND_EVERY:
            return
        self._last_resend = time.monotonic()
        await resend_unhandled(sent_before=_utcnow() - RESEND_AFTER)

    async def _purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = time.monotonic()
        await OutboxEvent.filter(
            Q(notify=False) | Q(handled_at__not_isnull=True), sent_at__lt=_utcnow() - KEEP_SENT
        ).delete()


MARK_CHUNK = 400
"""Rows per marking ``UPDATE`` (two parameters each, well under either database's limit)."""


async def _mark_sent(rows: list[_Row]) -> None:
    """Mark ``rows`` sent with hand-written SQL (Tortoise's query builder cost more than the
    statement for a long ``OR`` of (id, created_at) pairs, on the event loop that serves the
    replies). PostgreSQL: one statement text whatever the count, the pairs as two arrays, so
    asyncpg prepares it once. SQLite: one ``UPDATE`` per ``MARK_CHUNK`` rows."""
    client = OutboxEvent._meta.db
    stamp = _utcnow()
    if client.capabilities.dialect != "sqlite":
        await client.execute_query(
            _MARK_POSTGRES,
            [stamp, [row.id for row in rows], [_aware(row.created_at) for row in rows]],
        )
        return
    fields = OutboxEvent._meta.fields_map
    sent_at = fields["sent_at"].to_db_value(stamp, OutboxEvent)
    for start in range(0, len(rows), MARK_CHUNK):
        chunk = rows[start : start + MARK_CHUNK]
        values: list[object] = [sent_at]
        for row in chunk:
            values += [row.id, fields["created_at"].to_db_value(row.created_at, OutboxEvent)]
        await client.execute_query(_mark_sqlite(len(chunk)), values)


_MARK_POSTGRES = (
    'UPDATE "outbox" AS o SET "sent_at" = $1'
    " FROM unnest($2::bigint[], $3::timestamptz[]) AS m(id, created_at)"
    ' WHERE o."id" = m.id AND o."created_at" = m.created_at AND o."sent_at" IS NULL'
)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=64)
def _mark_sqlite(count: int) -> str:
    pairs = " OR ".join(['("id" = ? AND "created_at" = ?)'] * count)
    return f'UPDATE "outbox" SET "sent_at" = ? WHERE "sent_at" IS NULL AND ({pairs})'


async def _waiting(
    connection: BaseDBAsyncClient, limit: int, *, fresh: bool, own: list[int]
) -> list[OutboxEvent]:
    """Up to ``limit`` unsent rows, oldest first, locked for this transaction (PostgreSQL skips
    rows another relay holds; SQLite writes one transaction at a time). Unless ``fresh``, rows
    still left to their writer are not taken, except this process's ``own`` (ids)."""
    query = OutboxEvent.filter(sent_at=None)
    if not fresh:
        waited = Q(hold_until_ms=None) | Q(hold_until_ms__lt=_now_ms())
        query = query.filter(waited | Q(id__in=own) if own else waited)
    return await (
        query.order_by("id").limit(limit).select_for_update(skip_locked=True).using_db(connection)
    )


async def _send(
    row_id: int,
    created_at: datetime,
    channel: str,
    payload: str,
    *,
    notify: bool,
    event: TicketEvent | None = None,
) -> None:
    if channel == ACCOUNT_MAIL_CHANNEL:
        await _send_account_mail(row_id, created_at, payload)
        return
    if channel == TICKETS_CHANNEL:
        try:
            event = replace(
                event or TicketEvent.from_json(payload),
                event_id=row_id,
                event_at=row_stamp(created_at),
            )
        except (ValueError, TypeError, KeyError):
            log.error("dropping a malformed outbox row %s: %r", row_id, payload[:200])
            return
        payload = event.to_json()
    try:
        if sinks.publisher is not None:
            await sinks.publisher.publish(channel, payload)
        if event is not None and notify and sinks.jobs is not None:
            await sinks.jobs.enqueue_event(event)
        # Again with the signal: makes up for a bump after the commit that Redis missed.
        if (
            channel == SESSIONS_CHANNEL
            and actor_generation.configured() is not None
            and not await actor_generation.bump()
        ):
            raise RuntimeError("the actor generation was not bumped")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise RedisAway(f"{type(exc).__name__}: {exc}") from exc
    _published_counter(channel).inc()


@functools.cache
def _published_counter(channel: str) -> Counter:
    """The channel's child of ``EVENTS_PUBLISHED`` (``labels`` costs more than the count)."""
    return metrics.EVENTS_PUBLISHED.labels(channel)


async def _send_account_mail(row_id: int, created_at: datetime, payload: str) -> None:
    try:
        mail = replace(
            AccountMail.from_json(payload), mail_id=row_id, mail_at=row_stamp(created_at)
        )
    except (ValueError, TypeError, KeyError):
        log.error("dropping a malformed account mail row %s", row_id)
        return
    try:
        await _enqueue_account_mail(mail)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise RedisAway(f"{type(exc).__name__}: {exc}") from exc


async def _enqueue_account_mail(mail: AccountMail) -> None:
    queue = getattr(sinks.jobs, "enqueue_account_mail", None)
    if queue is None:  # a job queue of its own (tests) that takes ticket events only
        log.warning("no account-mail queue in this process; account mail %s dropped", mail.mail_id)
        return
    await queue(mail)


async def resend_unhandled(*, sent_before: datetime) -> int:
    """Enqueue again the jobs (notifications, account mail) of rows sent before ``sent_before``
    whose job has not said it finished: Redis may have lost them (killed before it wrote its
    queue to disk). While arq still holds a job, enqueueing it again is a no-op (same job id,
    made of the row's id and when it was written). Answers how many were enqueued."""
    jobs = sinks.jobs
    if jobs is None:
        return 0
    rows = await OutboxEvent.filter(notify=True, handled_at=None, sent_at__lt=sent_before).order_by(
        "id"
    )
    enqueued = 0
    for row in rows:
        stamp = row_stamp(row.created_at)
        try:
            if row.channel == ACCOUNT_MAIL_CHANNEL:
                await _enqueue_account_mail(
                    replace(AccountMail.from_json(row.payload), mail_id=row.id, mail_at=stamp)
                )
            else:
                await jobs.enqueue_event(
                    replace(TicketEvent.from_json(row.payload), event_id=row.id, event_at=stamp)
                )
            enqueued += 1
        except (ValueError, TypeError, KeyError):
            await mark_handled(row.id, stamp)
        except Exception as exc:
            log.warning("could not enqueue unfinished jobs again: %s", exc)
            break
    return enqueued


_RELAYS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay] = weakref.WeakKeyDictionary()


def current_relay() -> Relay:
    """This event loop's relay."""
    loop = asyncio.get_running_loop()
    relay = _RELAYS.get(loop)
    if relay is None:
        relay = _RELAYS[loop] = Relay()
    return relay


async def backlog() -> tuple[int, float]:
    """How many rows wait to be published, and the age in seconds of the oldest (0: none)."""
    waiting = OutboxEvent.filter(sent_at=None)
    depth = await waiting.count()
    oldest = await waiting.order_by("id").first().values_list("created_at", flat=True)
    age = (_utcnow() - oldest).total_seconds() if isinstance(oldest, datetime) else 0.0
    return depth, max(age, 0.0)


async def record_backlog() -> None:
    """Set the outbox gauges for a scrape; left as they were while the database is away."""
    try:
        async with asyncio.timeout(BACKLOG_TIMEOUT):
            depth, age = await backlog()
    except Exception as exc:
        log.warning("metrics: could not read the outbox backlog: %s", type(exc).__name__)
        return
    metrics.OUTBOX_DEPTH.set(depth)
    metrics.OUTBOX_OLDEST_AGE.set(age)


async def mark_handled(row_id: int | None, stamp: int | None = None) -> None:
    """The job of outbox row ``row_id`` written at ``stamp`` (``row_stamp``) finished
    (notifications sent, account mail sent or given up): the relay stops enqueueing it again.
    A row with that id written at another moment (ids start again after a restore) is another
    row, left alone. Without ``stamp`` (a job enqueued before jobs carried it, still in Redis
    after an upgrade) the row is matched by its id alone, as it was then."""
    if row_id is None:
        return
    rows = OutboxEvent.filter(id=row_id, handled_at=None)
    if stamp is not None:
        rows = rows.filter(created_at=_EPOCH + timedelta(microseconds=stamp))
    await rows.update(handled_at=_utcnow())


async def handled(event: TicketEvent) -> None:
    """The notification job finished with ``event``."""
    await mark_handled(event.event_id, event.event_at)


async def flushed() -> None:
    """Wait until what commits so far handed to the relay was sent (or left waiting) and marked."""
    await current_relay().flushed()
