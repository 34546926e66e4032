"""What the transactional outbox costs: replies per second with and without it, and the relay's
latency from commit to delivery on Redis pub/sub.

Replies go through the service (``messages.reply_to_ticket``), in one process, on a real
database (SQLite in a temp dir, or --database) and the product's redis-server. "Without" runs
the same replies with ``emit`` replaced by a publish + enqueue right after the commit, as before
the outbox: no outbox row, nothing to mark; the ticket's ``UPDATE`` that the outbox's ``INSERT``
carries on PostgreSQL (``along``) is sent on its own, as it would be without an outbox. Rounds alternate so that the machine's load hits
both alike; the figures are medians of the rounds.

Latency: replies paced at --rate per second, each timed from the reply's return (its
transaction has committed) to the moment a pub/sub subscriber on Redis receives its event.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import PrivateRedis, percentile


async def replies(
    tickets: list[Any], actor: Any, count: int, concurrency: int
) -> tuple[float, float]:
    """Post ``count`` replies from ``concurrency`` loops; returns replies per second (until the
    last event is out) and this process's CPU milliseconds per reply (all its threads: the
    event loop and aiosqlite's), which a busy machine disturbs far less than the rate."""
    from app import events
    from app.config import get_settings
    from app.services import messages

    settings = get_settings()
    per_loop = count // concurrency

    async def loop(offset: int) -> None:
        for i in range(per_loop):
            ticket = tickets[(offset + i * concurrency) % len(tickets)]
            await messages.reply_to_ticket(
                actor=actor, number=ticket.number, body=f"bench {i}", settings=settings
            )

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(loop(k) for k in range(concurrency)))
    await events.flushed()
    await DIRECT.drain()
    done = per_loop * concurrency
    return done / (time.perf_counter() - started), 1000 * (time.process_time() - cpu) / done


class Direct:
    """``emit`` without the outbox: publish + enqueue right after the commit, nothing in the
    database (what the outbox adds is its row and marking it sent)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    async def emit(self, connection: Any, *items: Any, along: Any = None) -> None:
        if along is not None:  # the change's own write, which the outbox would carry
            await connection.execute_query(along.sql, along.values)
        commit = connection.commit

        async def commit_then_send() -> None:
            await commit()
            task = asyncio.get_running_loop().create_task(self.send(items))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        connection.commit = commit_then_send

    async def send(self, items: Any) -> None:
        from app import events
        from app.events import TICKETS_CHANNEL

        for event in items:
            assert events.sinks.publisher is not None and events.sinks.jobs is not None
            await events.sinks.publisher.publish(TICKETS_CHANNEL, event.to_json())
            await events.sinks.jobs.enqueue_event(event)

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*self.tasks)


DIRECT = Direct()


async def latencies(
    tickets: list[Any], actor: Any, count: int, rate: float, url: str
) -> list[float]:
    from app.config import get_settings
    from app.events import TICKETS_CHANNEL, TicketEvent
    from app.infra.pubsub import Hub, Resync
    from app.services import messages

    settings = get_settings()
    returned: dict[int, float] = {}
    received: dict[int, float] = {}
    async with Hub(url) as hub, hub.subscribe(TICKETS_CHANNEL) as subscription:

        async def listen() -> None:
            async for item in subscription:
                if isinstance(item, Resync):
                    continue
                event = TicketEvent.from_json(item.message)
                if event.message is not None:
                    received[event.message] = time.perf_counter()
                if len(received) >= count:
                    return

        listener = asyncio.create_task(listen())
        for i in range(count):
            ticket = tickets[i % len(tickets)]
            posted = await messages.reply_to_ticket(
                actor=actor, number=ticket.number, body=f"latency {i}", settings=settings
            )
            returned[posted.message.id] = time.perf_counter()
            await asyncio.sleep(1 / rate)  # pacing the load, not waiting for a result
        await asyncio.wait_for(listener, 30)
    return [(received[m] - returned[m]) * 1000 for m in returned]


async def main_async(args: argparse.Namespace, redis_url: str) -> None:
    from arq import create_pool
    from seeding import answered_tickets

    from app import events
    from app.auth.actor import actor_for
    from app.config import get_settings
    from app.infra import db
    from app.infra.pubsub import Hub
    from app.infra.redis import arq_settings
    from app.models import OutboxEvent, User
    from app.services import ticket_changes
    from app.workers.queue import ArqJobQueue

    settings = get_settings()
    if settings.db_url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(settings.db_url.replace("postgres://", "postgresql://", 1))
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await conn.close()
    await db.migrate(settings)
    await db.connect(settings)
    rows = await answered_tickets(args.tickets)
    tickets = [r.ticket for r in rows]
    actor = await actor_for(await User.get(email="sam@bench.test"))
    pool = await create_pool(arq_settings(settings))
    outbox_emit = ticket_changes.emit
    results: dict[str, list[float]] = {"without": [], "with": []}
    cpu_ms: dict[str, list[float]] = {"without": [], "with": []}
    async with Hub(redis_url) as hub:
        events.configure(publisher=hub, jobs=ArqJobQueue(pool))
        await replies(tickets, actor, 50, args.concurrency)  # warm up
        for round_ in range(args.rounds):
            for side in ("without", "with"):
                ticket_changes.emit = DIRECT.emit if side == "without" else outbox_emit  # type: ignore[assignment]
                rate, cpu = await replies(tickets, actor, args.n, args.concurrency)
                results[side].append(rate)
                cpu_ms[side].append(cpu)
                print(
                    f"  round {round_ + 1} {side:<8} {rate:7.0f} replies/s  {cpu:.2f} CPU ms each",
                    flush=True,
                )
                await pool.flushdb()  # the jobs are not the subject here
        ticket_changes.emit = outbox_emit  # type: ignore[assignment]
        lat = await latencies(tickets, actor, args.latency_n, args.rate, redis_url)
        await events.flushed()  # the last rows' marks
        events.configure(publisher=None, jobs=None)
    unsent = await OutboxEvent.filter(sent_at=None).count()
    await pool.aclose()
    await db.disconnect()

    without, with_ = statistics.median(results["without"]), statistics.median(results["with"])
    print(f"database              {settings.db_url.split(':')[0]}")
    print(f"load average          {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"replies/s without     {without:.0f}  (median of {args.rounds} rounds)")
    print(f"replies/s with outbox {with_:.0f}")
    print(f"outbox cost           {100 * (1 - with_ / without):.1f} %  (target <= 10 %)")
    cpu_without, cpu_with = statistics.median(cpu_ms["without"]), statistics.median(cpu_ms["with"])
    print(
        f"CPU per reply         {cpu_without:.2f} ms without, {cpu_with:.2f} ms with:"
        f" {100 * (cpu_with / cpu_without - 1):.1f} % more (this process, all threads)"
    )
    print(
        f"relay latency         p50 {percentile(lat, 0.5):.1f} ms, p99 {percentile(lat, 0.99):.1f}"
        f" ms  ({len(lat)} replies at {args.rate:.0f}/s, commit to pub/sub delivery)"
    )
    if unsent:
        raise SystemExit(f"{unsent} outbox rows were left unsent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=400, help="replies per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--latency-n", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="paced replies/s for latency")
    parser.add_argument("--database", help="DATABASE_URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        redis = PrivateRedis(var)
        try:
            os.environ.update(
                HELPDESK_VAR=str(var),
                SECRET_KEY="bench",
                DATABASE_URL=args.database or f"sqlite://{var}/bench.sqlite3",
                REDIS_URL=redis.url,
                MAIL_DOMAIN="bench.test",
            )
            asyncio.run(main_async(args, redis.url))
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
