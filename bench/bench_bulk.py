"""Benchmark: a bulk action on 1,000 tickets, and a merge of two long threads.

Each ticket of a bulk action is its own locked, audited transaction (as a single update), so
the figure is per ticket times 1,000. Runs the services on a fresh database:

    .venv/bin/python bench/bench_bulk.py                      # SQLite in a temporary directory
    .venv/bin/python bench/bench_bulk.py --url postgres://postgres@127.0.0.1:5432/helpdesk_bench

A PostgreSQL database named in the URL is dropped and created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import machine_lines, recreate_database  # noqa: E402

TICKETS = 1_000
THREAD = 500  # messages on each side of the merge


async def run(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    from tortoise import Tortoise

    from app.auth.actor import actor_for
    from app.config import get_settings
    from app.infra import db
    from app.infra.clock import now
    from app.models import Department, Message, MessageSource, Role, Ticket, User
    from app.services import bulk, merge

    get_settings.cache_clear()
    settings = get_settings()
    await db.migrate(settings)
    await db.connect(settings)
    try:
        stamp = now()
        dept = await Department.create(name="Support", email="s@bench.test", created_at=stamp)
        staff = await User.create(
            name="Staff", email="st@b.test", role=Role.STAFF, created_at=stamp
        )
        await staff.departments.add(dept)
        client = await User.create(name="C", email="c@b.test", role=Role.CLIENT, created_at=stamp)
        await Ticket.bulk_create(
            [
                Ticket(
                    number=1000 + i,
                    subject=f"Ticket {i}",
                    department_id=dept.id,
                    client_id=client.id,
                    created_at=stamp,
                    last_activity_at=stamp,
                )
                for i in range(TICKETS + 2)
            ]
        )
        actor = await actor_for(staff)
        numbers = list(range(1000, 1000 + TICKETS))
        started = time.perf_counter()
        outcomes = await bulk.bulk_update_tickets(
            actor=actor,
            change=bulk.BulkChange(status=None, priority=None, assignee_id=staff.id),
            numbers=numbers,
        )
        bulk_seconds = time.perf_counter() - started
        assert all(o.error is None for o in outcomes), outcomes[:3]

        source, target = 1000 + TICKETS, 1000 + TICKETS + 1
        ids = {t.number: t.id for t in await Ticket.filter(number__in=[source, target])}
        await Message.bulk_create(
            [
                Message(
                    ticket_id=ids[number],
                    body=f"message {i}",
                    source=MessageSource.WEB,
                    created_at=stamp,
                )
                for number in (source, target)
                for i in range(THREAD)
            ]
        )
        started = time.perf_counter()
        await merge.merge_tickets(actor=actor, source=source, target=target)
        merge_seconds = time.perf_counter() - started

        print(f"database: {url.split('://')[0]}")
        for line in machine_lines():
            print(line)
        print(
            f"bulkUpdateTickets, {TICKETS} tickets (assign): {bulk_seconds:.2f} s "
            f"({bulk_seconds / TICKETS * 1000:.1f} ms a ticket)"
        )
        print(f"mergeTickets, {THREAD} + {THREAD} messages: {merge_seconds * 1000:.0f} ms")
    finally:
        await Tortoise.close_connections()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("HELPDESK_VAR", tmp)
        url = args.url or f"sqlite://{tmp}/bench.sqlite3"
        if url.startswith("postgres"):
            asyncio.run(recreate_database(url))
        asyncio.run(run(url))


if __name__ == "__main__":
    main()
