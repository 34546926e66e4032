"""Benchmark: ticket-list and ticket-page latency on PostgreSQL with 10,000 and with 1,000,000
tickets.

The list must not slow down as the table grows (the right indexes, keyset pagination and a
capped count). Measures p50/p95 of the list service for: an admin's default sort, a staff
member's department (their scope), and the admin list filtered by department; and of the staff
ticket page: the web UI's whole ``StaffTicket`` document (the ticket, 50 messages with authors
and attachments, its audit trail, departments, admins) through the real app in this process
(an in-process ASGI transport, a private redis-server), every ticket having a message of its
own so the messages table grows with the tickets.

    .venv/bin/python bench/bench_list_scale.py [--url postgres://postgres@127.0.0.1:5432/helpdesk_bench]
        [--large 1000000] [--runs 500] [--page-runs 200]

Creates (and drops) the database named in the URL. Target: p95(large) / p95(10k) <= 1.5.
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
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import PrivateRedis, recreate_database  # noqa: E402
from ceiling_documents import STAFF_TICKET  # noqa: E402

DEPARTMENTS = 10
CLIENTS = 2000
PAGE_TICKET = 1005  # the ticket page's number: 50 messages with attachments, 8 audit entries
PAGE_MESSAGES = 50


async def insert_messages(url: str, first: int, last: int) -> None:
    """One message from its client on each ticket numbered ``1000 + first`` .. ``1000 + last``."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(
            f"""
            INSERT INTO messages (ticket_id, author_id, body, internal, source, created_at)
            SELECT id, client_id, 'Message on ' || subject, false, 'web', created_at
            FROM tickets WHERE number >= {1000 + first} AND number < {1000 + last}
            """
        )
        await conn.execute("VACUUM ANALYZE messages")
    finally:
        await conn.close()


async def seed_page_ticket(url: str) -> None:
    """The page's ticket gets a thread of PAGE_MESSAGES (client and admin by turns, each with an
    attachment) and an audit trail of 8 entries."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        ticket = f"(SELECT id FROM tickets WHERE number = {PAGE_TICKET})"
        client = f"(SELECT client_id FROM tickets WHERE number = {PAGE_TICKET})"
        await conn.execute(
            f"""
            INSERT INTO messages (ticket_id, author_id, body, internal, source, created_at)
            SELECT {ticket}, CASE WHEN g % 2 = 0 THEN {client} ELSE 1 END,
                   'Reply ' || g || ': the printer on the third floor still jams.',
                   false, 'web', now() - ((100 - g) || ' minutes')::interval
            FROM generate_series(1, {PAGE_MESSAGES}) AS g
            """
        )
        await conn.execute(
            f"""
            INSERT INTO attachments (public_id, message_id, filename, content_type, size, sha256,
                                     created_at)
            SELECT 'bench' || m.id, m.id, 'screenshot-' || m.id || '.png', 'image/png', 12345,
                   repeat('0', 64), m.created_at
            FROM messages m WHERE m.ticket_id = {ticket} AND m.body LIKE 'Reply %'
            """
        )
        await conn.execute(
            f"""
            INSERT INTO audit_entries (ticket_id, actor_id, field, old_value, new_value, created_at)
            SELECT {ticket}, 1, 'status', 'open', 'in_progress', now() - (g || ' minutes')::interval
            FROM generate_series(1, 8) AS g
            """
        )
    finally:
        await conn.close()


async def measure_page(runs: int) -> tuple[float, float]:
    """p50/p95 of the StaffTicket document as the admin, through the app in this process."""
    from sql_count import counting_app

    from app.auth.tokens import issue_token
    from app.models import TokenKind, User

    payload = {"query": STAFF_TICKET, "variables": {"number": PAGE_TICKET, "isAdmin": True}}
    async with counting_app() as app:
        token, _ = await issue_token(await User.get(email="admin@b.test"), TokenKind.SESSION)
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(10):
            answer, _ = await app.post(payload, headers)
            assert "errors" not in answer, answer
            assert len(answer["data"]["ticket"]["messages"]["edges"]) == PAGE_MESSAGES + 1
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            answer, _ = await app.post(payload, headers)
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


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
    parser.add_argument("--page-runs", type=int, default=200)
    args = parser.parse_args()
    redis = PrivateRedis(Path("/tmp"))
    os.environ.update(
        {
            "DATABASE_URL": args.url,
            "SECRET_KEY": "bench",
            "HELPDESK_VAR": "/tmp/helpdesk-bench-scale",
            "REDIS_URL": redis.url,
        }
    )
    try:
        await run(args)
    finally:
        redis.stop()


async def run(args: argparse.Namespace) -> None:
    from app.config import get_settings
    from app.infra import db

    get_settings.cache_clear()
    await recreate_database(args.url)
    await db.migrate(get_settings())
    await seed_people(args.url)
    await insert_tickets(args.url, 0, 10_000)
    await insert_messages(args.url, 0, 10_000)
    await seed_page_ticket(args.url)
    await db.connect(get_settings())
    small = await measure(args.runs)
    await db.disconnect()
    small["staff ticket page (HTTP)"] = await measure_page(args.page_runs)
    started = time.perf_counter()
    await insert_tickets(args.url, 10_000, args.large)
    await insert_messages(args.url, 10_000, args.large)
    print(
        f"(inserted {args.large - 10_000:,} more tickets and as many messages in "
        f"{time.perf_counter() - started:.0f}s)"
    )
    await db.connect(get_settings())
    large = await measure(args.runs)
    await db.disconnect()
    large["staff ticket page (HTTP)"] = await measure_page(args.page_runs)
    big = f"{args.large // 1000}k" if args.large < 1_000_000 else f"{args.large // 1_000_000}M"
    print(
        f"ticket list (service) on PostgreSQL, first=50, {args.runs} requests per scenario; "
        f"staff ticket page, {args.page_runs} requests (ms)"
    )
    print(
        f"  {'scenario':<26} {'10k p50':>8} {'10k p95':>8} {big + ' p50':>8} {big + ' p95':>8}"
        f" {'p95 ratio':>10}"
    )
    for name in small:
        s50, s95 = small[name]
        l50, l95 = large[name]
        print(f"  {name:<26} {s50:8.2f} {s95:8.2f} {l50:8.2f} {l95:8.2f} {l95 / s95:10.2f}")
    print("  target: p95 ratio <= 1.5")


if __name__ == "__main__":
    asyncio.run(main())
