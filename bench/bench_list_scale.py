"""Benchmark: ticket-list and ticket-page latency on PostgreSQL with 10,000 and with 1,000,000
tickets.

The list must not slow down as the table grows (the right indexes, keyset pagination and a
capped count). Measures p50/p95 of the list service for: an admin's default sort, a staff
member's department (their scope), and the admin list filtered by department; and of the staff
ticket page: the web UI's whole ``StaffTicket`` document (the ticket, 50 messages with authors
and attachments, its audit trail, departments, admins) through the real app in this process
(an in-process ASGI transport, a private redis-server), every ticket having a message of its
own so the messages table grows with the tickets. The two sizes live in two databases and are
measured in alternating rounds, so the machine's load falls on both alike.

    .venv/bin/python bench/bench_list_scale.py [--url postgres://postgres@127.0.0.1:5432/helpdesk_bench]
        [--large 1000000] [--runs 500] [--page-runs 200] [--rounds 4] [--reuse]

Creates (drops first) the databases ``<url>_small`` and ``<url>_large`` unless ``--reuse``.
Target: p95(large) / p95(10k) <= 1.5.
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


async def measure_page(runs: int) -> list[float]:
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
        return samples


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


async def measure(runs: int) -> dict[str, list[float]]:
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
    results: dict[str, list[float]] = {}
    for name, (actor, flt) in scenarios.items():
        for _ in range(10):
            await list_tickets(actor=actor, flt=flt, first=50)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            page = await list_tickets(actor=actor, flt=flt, first=50)
            samples.append((time.perf_counter() - start) * 1000)
            assert len(page.tickets) == 50
        results[name] = samples
    return results


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url",
        default="postgres://postgres@127.0.0.1:5432/helpdesk_bench",
        help="base name: the databases are <url>_small and <url>_large",
    )
    parser.add_argument("--runs", type=int, default=500, help="list requests per scenario and size")
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--page-runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two sizes")
    parser.add_argument("--reuse", action="store_true", help="measure databases seeded before")
    args = parser.parse_args()
    redis = PrivateRedis(Path("/tmp"))
    os.environ.update(
        {"SECRET_KEY": "bench", "HELPDESK_VAR": "/tmp/helpdesk-bench-scale", "REDIS_URL": redis.url}
    )
    try:
        await run(args)
    finally:
        redis.stop()


def use(url: str) -> None:
    from app.config import get_settings

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()


async def seed(url: str, tickets: int) -> None:
    from app.config import get_settings
    from app.infra import db

    use(url)
    await recreate_database(url)
    await db.migrate(get_settings())
    await seed_people(url)
    started = time.perf_counter()
    await insert_tickets(url, 0, tickets)
    await insert_messages(url, 0, tickets)
    await seed_page_ticket(url)
    print(
        f"(seeded {tickets:,} tickets and as many messages in {time.perf_counter() - started:.0f}s)"
    )


async def measure_round(url: str, runs: int, page_runs: int) -> dict[str, list[float]]:
    from app.config import get_settings
    from app.infra import db

    use(url)
    await db.connect(get_settings())
    try:
        samples = await measure(runs)
    finally:
        await db.disconnect()
    samples["staff ticket page (HTTP)"] = await measure_page(page_runs)
    return samples


async def run(args: argparse.Namespace) -> None:
    """Both sizes in databases of their own, measured in alternation (swapping which goes first
    each round), so a change in the machine's load falls on both alike."""
    small_url, large_url = f"{args.url}_small", f"{args.url}_large"
    if not args.reuse:
        await seed(small_url, 10_000)
        await seed(large_url, args.large)
    small: dict[str, list[float]] = {}
    large: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    runs = max(args.runs // args.rounds, 20)
    page_runs = max(args.page_runs // args.rounds, 20)
    for index in range(args.rounds):
        order = [(small_url, small), (large_url, large)]
        got: dict[str, dict[str, list[float]]] = {}
        for url, into in order if index % 2 == 0 else order[::-1]:
            got[url] = await measure_round(url, runs, page_runs)
            for name, samples in got[url].items():
                into.setdefault(name, []).extend(samples)
        for name in got[small_url]:
            ratios.setdefault(name, []).append(
                p50_p95(got[large_url][name])[1] / p50_p95(got[small_url][name])[1]
            )
    big = f"{args.large // 1000}k" if args.large < 1_000_000 else f"{args.large // 1_000_000}M"
    load = os.getloadavg()[0]
    print(
        f"ticket list (service) on PostgreSQL, first=50, {runs * args.rounds} requests per "
        f"scenario and size; staff ticket page, {page_runs * args.rounds} requests (ms); "
        f"{args.rounds} rounds alternating the sizes; load {load:.1f}"
    )
    print(
        f"  {'scenario':<26} {'10k p50':>8} {'10k p95':>8} {big + ' p50':>8} {big + ' p95':>8}"
        f" {'p95 ratio':>10}  per round"
    )
    for name in small:
        s50, s95 = p50_p95(small[name])
        l50, l95 = p50_p95(large[name])
        spread = f"{min(ratios[name]):.2f}-{max(ratios[name]):.2f}"
        print(
            f"  {name:<26} {s50:8.2f} {s95:8.2f} {l50:8.2f} {l95:8.2f} {l95 / s95:10.2f}  {spread}"
        )
    print("  target: p95 ratio <= 1.5")


if __name__ == "__main__":
    asyncio.run(main())
