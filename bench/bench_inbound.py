"""Benchmark: inbound messages processed per second by one arq worker.

Seeds N tickets (each with a client and a staff reply), builds N replies by mail in the shapes
of real clients (Gmail, Outlook, Apple Mail, Thunderbird, HTML-only, ISO-8859-1), each with
the quoted notification below it and addressed to its ticket's reply address; stores them as a
transport would (timed: the store-before-acknowledge rate), queues the N
``process_inbound_mail`` jobs, then runs one worker (the production start-up) and times it
until no message is left unprocessed. Every message is checked: N inbound mails PROCESSED and
N new replies in status Customer Reply. Target: >= 50 messages/s on SQLite.

    .venv/bin/python bench/bench_inbound.py [-n 1000] [--database postgres://...]
        [--redis redis://127.0.0.1:6379/13]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUOTED = (
    "##- Please type your reply above this line -##\n\nSam Staff replied to your ticket.\n\n"
    "Have you tried turning it off and on again?\n\n-- \nYou get this mail because you opened "
    "this ticket."
)


def build_replies(numbers: list[int], user_ids: list[int]) -> list[bytes]:
    from mail import fixtures

    from app.config import get_settings
    from app.mail import tokens

    shapes = [
        fixtures.gmail_reply,
        fixtures.outlook_reply,
        fixtures.apple_reply,
        fixtures.thunderbird_reply,
        fixtures.html_only_reply,
        fixtures.latin1_reply,
    ]
    replies = []
    for i, (number, user_id) in enumerate(zip(numbers, user_ids, strict=True)):
        shape = shapes[i % len(shapes)]
        kwargs: dict[str, object] = {
            "from_addr": f"client{i}@bench.test",
            "message_id": f"<bench.{i}@mail.bench.test>",
            "in_reply_to": tokens.message_id(number, f"m{i}", settings=get_settings()),
        }
        if shape is not fixtures.latin1_reply:
            kwargs["quoted"] = QUOTED
        replies.append(
            shape(tokens.reply_address(number, user_id, settings=get_settings()), **kwargs)
        )
    return replies


async def seed(n: int) -> tuple[list[int], list[int]]:
    from seeding import answered_tickets

    rows = await answered_tickets(n)
    return [r.ticket.number for r in rows], [r.client.id for r in rows]


async def main_async(args: argparse.Namespace) -> None:
    from arq import create_pool
    from arq.worker import Worker
    from tortoise.exceptions import ConfigurationError

    from app.config import get_settings
    from app.infra import db
    from app.infra.redis import arq_settings
    from app.mail.inbound.intake import enqueue
    from app.mail.inbound.store import store_message
    from app.models import InboundMail, InboundStatus, Message, MessageSource, Ticket, TicketStatus
    from app.workers import inbound
    from app.workers.settings import worker_settings

    settings = get_settings()
    if settings.db_url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(settings.db_url.replace("postgres://", "postgresql://", 1))
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await conn.close()
    await db.migrate(settings)
    await db.connect(settings)
    numbers, user_ids = await seed(args.n)
    replies = build_replies(numbers, user_ids)
    pool = await create_pool(arq_settings(settings))
    await pool.flushdb()
    started = time.perf_counter()
    stored = [
        await store_message(raw, transport="bench", settings=get_settings()) for raw in replies
    ]
    store_elapsed = time.perf_counter() - started
    for item in stored:
        await enqueue(pool, item.id)
    await pool.aclose()
    await db.disconnect()

    config = worker_settings(settings)  # what `helpdesk worker` runs: its start-up publishes events
    worker = Worker(
        functions=inbound.FUNCTIONS,  # notifications of the new replies stay queued
        on_startup=config.on_startup,
        on_shutdown=config.on_shutdown,
        redis_settings=config.redis_settings,
        handle_signals=False,
        poll_delay=0.05,
    )
    started = time.perf_counter()
    running = asyncio.create_task(worker.main())
    deadline = started + args.timeout
    left = args.n
    while left:  # the worker's start-up connects the database in this process
        await asyncio.sleep(0.1)
        if running.done():
            running.result()
        if time.perf_counter() > deadline:
            raise SystemExit(f"gave up after {args.timeout} s with {left} messages unprocessed")
        with contextlib.suppress(ConfigurationError):  # not connected yet
            left = await InboundMail.filter(status=InboundStatus.RECEIVED).count()
    elapsed = time.perf_counter() - started
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    await worker.close()

    await db.connect(settings)
    processed = await InboundMail.filter(status=InboundStatus.PROCESSED).count()
    outcomes = await InboundMail.exclude(status=InboundStatus.PROCESSED).values_list(
        "status", "reason"
    )
    replies_added = await Message.filter(source=MessageSource.EMAIL).count()
    customer_reply = await Ticket.filter(status=TicketStatus.CUSTOMER_REPLY).count()
    await db.disconnect()
    print(f"database            {settings.db_url.split(':')[0]}")
    print(f"worker max_jobs     {worker.max_jobs}")
    print(
        f"jobs                {worker.jobs_complete} complete, {worker.jobs_retried} retried "
        f"({worker.jobs_failed} notification jobs skipped: not run by this benchmark)"
    )
    print(f"messages            {args.n} (6 client shapes, quoted history below each)")
    print(f"stored              {args.n / store_elapsed:.0f} messages/s (store before ack)")
    print(f"processed           {processed} PROCESSED, {len(outcomes)} other {outcomes[:3]}")
    print(f"replies on tickets  {replies_added} (Customer Reply: {customer_reply})")
    print(f"elapsed             {elapsed:.2f} s")
    print(f"throughput          {processed / elapsed:.0f} messages/s by one worker (target >= 50)")
    if processed != args.n or replies_added != args.n or customer_reply != args.n:
        raise SystemExit("not every message became a reply")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("arq").setLevel(logging.ERROR)  # queued notifications have no handler here
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="messages to process")
    parser.add_argument("--database", help="DATABASE_URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis", help="REDIS_URL (default: a private redis-server)")
    parser.add_argument("--timeout", type=float, default=600, help="give up after SECONDS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        os.environ.update(
            HELPDESK_VAR=str(var),
            SECRET_KEY="bench",
            MAIL_DOMAIN="bench.test",
            DATABASE_URL=args.database or f"sqlite://{var}/bench.sqlite3",
        )
        if args.redis:
            os.environ["REDIS_URL"] = args.redis
        else:
            os.environ.pop("REDIS_URL", None)
        private_redis = None
        try:
            from app.config import get_settings

            get_settings.cache_clear()
            if not args.redis:
                from app.infra.embedded import PrivateRedis

                private_redis = PrivateRedis(get_settings())
                private_redis.start()
                asyncio.run(private_redis.wait_ready())
            asyncio.run(main_async(args))
        finally:
            if private_redis is not None:
                private_redis.stop()


if __name__ == "__main__":
    main()
