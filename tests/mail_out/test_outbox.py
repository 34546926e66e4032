"""The outbox: events commit or roll back with their change, wait while Redis is away and go out
in order when it is back, and each is its own event (two identical changes mail twice)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from arq.connections import create_pool
from mailout_support import deliver
from redis_server import RedisServer
from tortoise.transactions import in_transaction

from app import events
from app.config import Settings, get_settings
from app.events import TICKETS_CHANNEL, EventType, TicketEvent, event_for
from app.infra.pubsub import Hub, Resync
from app.infra.redis import arq_settings
from app.models import OutboxEvent, Ticket
from app.models.enums import TicketStatus
from app.services import messages, tickets
from app.workers.queue import ArqJobQueue


async def open_ticket(world) -> Ticket:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="VPN",
        body="Down",
        settings=get_settings(),
    )
    return opened.ticket


async def test_events_of_a_change_that_rolls_back_are_never_sent(world, recorder):
    ticket = await open_ticket(world)
    await recorder.take()
    with pytest.raises(RuntimeError):
        async with in_transaction() as connection:
            await events.emit(connection, event_for(ticket, EventType.UPDATED, changes=("x",)))
            raise RuntimeError("the change failed")
    assert await recorder.take() == []
    assert await OutboxEvent.filter(sent_at=None).count() == 0


async def test_closing_twice_is_two_events_and_two_mails(world, smtp, recorder, job_ctx):
    ticket = await open_ticket(world)
    await recorder.take()
    staff = world.staff_x.actor
    await tickets.close_ticket(actor=staff, number=ticket.number)
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Again", settings=get_settings()
    )  # reopens it
    await tickets.close_ticket(actor=staff, number=ticket.number)
    sent = await recorder.take()
    closed = [e for e in sent if e.type is EventType.CLOSED]
    assert len(closed) == 2 and closed[0].key != closed[1].key  # job ids differ
    recorder.events.extend(closed)
    await deliver(recorder, job_ctx)
    assert smtp.recipients().count("alice@example.com") == 2


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent meanwhile (Tortoise logs each one at DEBUG)."""
    logger, handler = logging.getLogger("tortoise.db_client"), _Statements()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler.texts
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_a_reply_reopening_a_ticket_writes_it_and_its_two_events_together(world, recorder):
    """The reply's ticket update rides the outbox's insert (PostgreSQL: one statement): the
    ticket is changed, both events are written in order, sent in order and marked sent."""
    ticket = await open_ticket(world)
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    await recorder.take()
    with statements() as sent:
        await messages.reply_to_ticket(
            actor=world.client_a.actor, number=ticket.number, body="Back", settings=get_settings()
        )
        taken = await recorder.take()
    reopened = await Ticket.get(id=ticket.id)
    assert reopened.status is TicketStatus.CUSTOMER_REPLY and reopened.closed_at is None
    assert reopened.version == ticket.version + 2  # closed, then the reply
    assert [e.type for e in taken] == [EventType.MESSAGE_ADDED, EventType.REOPENED]
    assert taken[0].event_id is not None and taken[1].event_id is not None
    assert taken[0].event_id < taken[1].event_id
    assert await OutboxEvent.filter(sent_at=None).count() == 0
    rows = await OutboxEvent.filter(id__in=[e.event_id for e in taken]).order_by("id")
    assert [TicketEvent.from_json(r.payload).type for r in rows] == [
        EventType.MESSAGE_ADDED,
        EventType.REOPENED,
    ]
    writes = [t for t in sent if t.startswith(("INSERT", "UPDATE", "WITH"))]
    if reopened._meta.db.capabilities.dialect == "postgres":
        # The ticket's row and both outbox rows in one statement, nothing of them after it.
        together = [
            i for i, w in enumerate(writes) if w.startswith('WITH along AS (UPDATE "tickets"')
        ]
        assert len(together) == 1, writes
        assert 'INSERT INTO "outbox"' in writes[together[0]]
        assert not any(w.startswith('INSERT INTO "outbox"') for w in writes)
        assert not any(w.startswith('UPDATE "tickets"') for w in writes[together[0] :])


@pytest.fixture
async def away_redis(tmp_path: Path, settings: Settings) -> AsyncIterator[RedisServer]:
    """A Redis of the test's own that the relay of this process sends to."""
    server = RedisServer(tmp_path / "redis")
    await asyncio.to_thread(server.start)
    saved = events.sinks.publisher, events.sinks.jobs
    # The background loop (running if the suite's server started earlier in this event loop)
    # would send the waiting rows on its own as Redis returns, maybe before the test listens:
    # the test drives the relay itself.
    relay = events.current_relay()
    was_running = relay.running
    await relay.stop()
    pool = await create_pool(arq_settings(settings.model_copy(update={"redis_url": server.url})))
    async with Hub(server.url) as hub:
        events.configure(publisher=hub, jobs=ArqJobQueue(pool))
        try:
            yield server
        finally:
            await events.flushed()
            events.configure(publisher=saved[0], jobs=saved[1])
            await pool.aclose()
            await asyncio.to_thread(server.stop)
            if was_running:
                relay.start()


async def test_events_wait_while_redis_is_away_and_go_out_in_order(world, away_redis):
    ticket = await open_ticket(world)
    await events.flushed()
    relay = events.current_relay()
    await asyncio.to_thread(away_redis.stop, kill=True)
    for body in ("one", "two", "three"):
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, number=ticket.number, body=body, settings=get_settings()
        )  # answers success: nothing here needs Redis
    await events.flushed()
    assert relay.away
    assert await OutboxEvent.filter(sent_at=None).count() == 3

    await asyncio.to_thread(away_redis.start)
    async with Hub(away_redis.url) as listener, listener.subscribe(TICKETS_CHANNEL) as sub:
        assert await relay.flush(fresh=True) == 3
        heard: list[int | None] = []
        async with asyncio.timeout(10):
            async for item in sub:
                if not isinstance(item, Resync):
                    heard.append(TicketEvent.from_json(item.message).event_id)
                if len(heard) == 3:
                    break
    rows = await OutboxEvent.filter(sent_at__not_isnull=True).order_by("id")
    assert heard == [r.id for r in rows][-3:]
    assert not relay.away
    pool = await create_pool(
        arq_settings(get_settings().model_copy(update={"redis_url": away_redis.url}))
    )
    try:
        queued = await pool.zrange("arq:queue", 0, -1)
    finally:
        await pool.aclose()
    assert sorted(queued) == sorted(
        f"notify:e{r.id}.{events.row_stamp(r.created_at)}".encode() for r in rows[-3:]
    )


class GatedPublisher:
    """Publishes to ``recorder`` once ``gate`` opens: a Redis that answers slowly."""

    def __init__(self, recorder) -> None:
        self.recorder = recorder
        self.gate, self.entered = asyncio.Event(), asyncio.Event()

    async def publish(self, channel: str, message: str) -> None:
        self.entered.set()
        await self.gate.wait()
        await self.recorder.publish(channel, message)

    async def enqueue_event(self, event: TicketEvent) -> None:
        await self.recorder.enqueue_event(event)


@pytest.fixture
async def only_this_relay():
    """The relay under test is the only one: a background loop an earlier test started in this
    event loop would take the same rows into a batch the gate never lets finish, and hold the
    SQLite connection with it."""
    relay = events.current_relay()
    running = relay.running
    await relay.stop()
    yield
    if running:
        relay.start()


async def _rows_left_by_a_dead_writer(world, recorder) -> list[int]:
    """Three waiting rows the background loop may take at once (their writer's grace over)."""
    events.configure(publisher=None, jobs=None)  # nothing sends after the commits
    ticket = await open_ticket(world)
    for body in ("one", "two"):
        await messages.reply_to_ticket(
            actor=world.staff_x.actor, number=ticket.number, body=body, settings=get_settings()
        )
    await OutboxEvent.filter(sent_at=None).update(hold_until_ms=0)
    return sorted(await OutboxEvent.filter(sent_at=None).values_list("id", flat=True))


async def test_a_relay_stopped_mid_batch_sends_the_whole_batch_and_marks_it_sent(
    world, recorder, only_this_relay
):
    waiting = await _rows_left_by_a_dead_writer(world, recorder)
    assert len(waiting) == 3
    gated = GatedPublisher(recorder)
    events.configure(publisher=gated, jobs=gated)
    relay = events.Relay()
    relay.start()
    async with asyncio.timeout(10):
        await gated.entered.wait()  # the background loop is in the middle of its batch
    stopping = asyncio.create_task(relay.stop())
    gated.gate.set()
    async with asyncio.timeout(15):
        await stopping
    assert await OutboxEvent.filter(id__in=waiting, sent_at=None).count() == 0
    assert len(recorder.published) == 3


async def test_a_relay_whose_batch_outlasts_the_stop_leaves_all_of_it_waiting(
    world, recorder, monkeypatch, only_this_relay
):
    waiting = await _rows_left_by_a_dead_writer(world, recorder)
    gated = GatedPublisher(recorder)  # never opens
    events.configure(publisher=gated, jobs=gated)
    monkeypatch.setattr("app.events.outbox.STOP_WAIT", 0.2)
    relay = events.Relay()
    relay.start()
    async with asyncio.timeout(10):
        await gated.entered.wait()
        await relay.stop()
    # Cancelled mid-batch: the transaction rolled back, no row of it marked sent.
    assert await OutboxEvent.filter(id__in=waiting, sent_at=None).count() == 3


class SignallingRecorder:
    """Records like ``recorder`` and says when a job was enqueued."""

    def __init__(self, recorder) -> None:
        self.recorder = recorder
        self.enqueued = asyncio.Event()

    async def publish(self, channel: str, message: str) -> None:
        await self.recorder.publish(channel, message)

    async def enqueue_event(self, event: TicketEvent) -> None:
        await self.recorder.enqueue_event(event)
        self.enqueued.set()


async def test_rows_are_marked_sent_after_publishing_by_id_and_time_never_by_id_alone(
    world, recorder, monkeypatch, only_this_relay
):
    """The writer publishes its rows after the commit and marks them sent a moment later; a
    row deleted meanwhile and another written with the same id (as the tests' cleaner does) is
    another row: it stays unsent, and goes out."""
    await open_ticket(world)
    await events.flushed()
    assert await OutboxEvent.filter(sent_at=None).count() == 0  # published and marked

    monkeypatch.setattr("app.events.outbox.MARK_DELAY", 60.0)  # the mark waits until flushed
    signalling = SignallingRecorder(recorder)
    events.configure(publisher=signalling, jobs=signalling)
    ticket = await Ticket.get(subject="VPN")
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    async with asyncio.timeout(10):
        await signalling.enqueued.wait()  # published; not marked yet
    row = await OutboxEvent.get(sent_at=None)
    await row.delete()
    other = await OutboxEvent.create(
        id=row.id,
        channel=TICKETS_CHANNEL,
        payload=row.payload,
        notify=True,
        created_at=row.created_at + timedelta(seconds=1),
        hold_until_ms=row.hold_until_ms,
    )
    await events.flushed()
    assert await OutboxEvent.get(id=other.id, sent_at=None)  # not taken for the deleted row
    assert [e.type for e in recorder.events].count(EventType.CLOSED) == 1
    await OutboxEvent.filter(id=other.id).update(hold_until_ms=0)  # its writer is gone
    assert await events.current_relay().flush() == 1
    assert [e.type for e in recorder.events].count(EventType.CLOSED) == 2
