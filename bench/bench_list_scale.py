"""Benchmark: ticket-list latency on PostgreSQL with 10,000 and with 1,000,000 tickets.

The list must not slow down as the table grows (the right indexes, keyset pagination and a
capped count). Measures p50/p95 of the list service for: an admin's default sort, a staff
member's department (their scope), and the admin list filtered by department.

    .venv/bin/python bench/bench_list_scale.py [--url postgres://postgres@127.0.0.1:5432/helpdesk_bench]

Creates (and drops) the database named in the URL. Target: p95(1M) / p95(10k) <= 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import recreate_database  # noqa: E402

DEPARTMENTS = 10
CLIENTS = 2000


async def insert_tickets(url: str, first: int, last: int) -> None:
    """Bulk insert with generate_series: spread over departments, clients, statuses, time."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(
            f"""
            INSERT INTO tickets (number, subject, status, priority, department_id, client_id,
                                 created_at, last_activity_at)
            SELECT 1000 + g, 'Ticket ' || g,
                   (ARRAY['open','answered','customer_reply','in_progress','on_hold','closed'])[1 + g % 6],
                   1 + g % 4,
                   1 + g % {DEPARTMENTS},
                   3 + g % {CLIENTS},
                   now() - (g || ' seconds')::interval,
                   now() - ((g::bigint * 7919) % 31536000 || ' seconds')::interval
            FROM generate_series({first}, {last - 1}) AS g
            """
        )
        await conn.execute("VACUUM ANALYZE tickets")  # as autovacuum would after a bulk load
    finally:
        await conn.close()


async def seed_people(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(
            f"INSERT INTO departments (name, created_at) SELECT 'Dept ' || g, now() "
            f"FROM generate_series(1, {DEPARTMENTS}) g"
        )
        await conn.execute(
            "INSERT INTO users (email, name, role, active, created_at) VALUES "
            "('admin@b.test', 'Admin', 'admin', true, now())"
        )
        await conn.execute(
            "INSERT INTO users (email, name, role, active, created_at) VALUES "
            "('staff@b.test', 'Staff', 'staff', true, now())"
        )
        await conn.execute("INSERT INTO department_staff (users_id, department_id) VALUES (2, 3)")
        await conn.execute(
            f"INSERT INTO users (email, name, role, active, created_at) SELECT "
            f"'c' || g || '@b.test', 'Client ' || g, 'client', true, now() "
            f"FROM generate_series(1, {CLIENTS}) g"
        )
    finally:
        await conn.close()


async def measure(runs: int) -> dict[str, tuple[float, float]]:
    from app.auth.actor import actor_for
    from app.models import User
    from app.services.ticket_list import TicketFilter, list_tickets

    admin = await actor_for(await User.get(email="admin@b.test"))
    staff = await actor_for(await User.get(email="staff@b.test"))
    scenarios = {
        "admin, default sort": (admin, TicketFilter()),
        "staff, own department": (staff, TicketFilter()),
        "admin, department filter": (admin, TicketFilter(department_id=5)),
    }
    results = {}
    for name, (actor, flt) in scenarios.items():
        for _ in range(10):
            await list_tickets(actor=actor, flt=flt, first=50)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            page = await list_tickets(actor=actor, flt=flt, first=50)
            samples.append((time.perf_counter() - start) * 1000)
            assert len(page.tickets) == 50
        samples.sort()
        results[name] = (statistics.median(samples), samples[int(len(samples) * 0.95) - 1])
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/helpdesk_bench")
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.url,
            "SECRET_KEY": "bench",
            "HELPDESK_VAR": "/tmp/helpdesk-bench-scale",
        }
    )
    from app.config import get_settings
    from app.infra import db

    get_settings.cache_clear()
    await recreate_database(args.url)
    await db.migrate(get_settings())
    await seed_people(args.url)
    await insert_tickets(args.url, 0, 10_000)
    await db.connect(get_settings())
    small = await measure(args.runs)
    await db.disconnect()
    started = time.perf_counter()
    await insert_tickets(args.url, 10_000, args.large)
    print(
        f"(inserted {args.large - 10_000:,} more tickets in {time.perf_counter() - started:.0f}s)"
    )
    await db.connect(get_settings())
    large = await measure(args.runs)
    await db.disconnect()
    print(f"ticket list on PostgreSQL, first=50, {args.runs} requests per scenario (ms)")
    print(
        f"  {'scenario':<26} {'10k p50':>8} {'10k p95':>8} {'1M p50':>8} {'1M p95':>8} {'p95 ratio':>10}"
    )
    for name in small:
        s50, s95 = small[name]
        l50, l95 = large[name]
        print(f"  {name:<26} {s50:8.2f} {s95:8.2f} {l50:8.2f} {l95:8.2f} {l95 / s95:10.2f}")
    print("  target: p95 ratio <= 1.5")


if __name__ == "__main__":
    asyncio.run(main())
