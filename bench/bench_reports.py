"""Benchmark: report latency on PostgreSQL with 1,000,000 tickets.

Seeds once (COPY through asyncpg, not the ORM) 10 departments, 20 staff, 20,000 clients and
the tickets of three years (about 900 a day, numbered in the order they were opened), most answered and closed with their status
changes in the audit trail and SLA due times, then times each report kind through the service
(as the GraphQL query and the CSV route call it) for a 90-day span ending at the newest ticket,
for an admin (every department) and a staff member of one department.

    .venv/bin/python bench/bench_reports.py [--tickets 1000000] [--url postgres://...] [--reuse]

--reuse measures an already seeded database (seed once, measure many times).
Target: p95 <= 500 ms for every kind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import load_average, machine_lines, p95, recreate_database  # noqa: E402

DEPARTMENTS = 10
STAFF = 20
CLIENTS = 20_000
DAYS = 3 * 365
END = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=90)


async def seed(url: str, tickets: int) -> None:
    rng = random.Random(5)
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.copy_records_to_table(
            "departments",
            records=[(f"Dept {d}", END) for d in range(1, DEPARTMENTS + 1)],
            columns=["name", "created_at"],
        )
        people = [("admin@b.test", "Admin", "admin")]
        people += [(f"staff{i}@b.test", f"Staff {i}", "staff") for i in range(STAFF)]
        people += [(f"client{i}@b.test", f"Client {i}", "client") for i in range(CLIENTS)]
        await conn.copy_records_to_table(
            "users",
            records=[(e, n, r, True, END) for e, n, r in people],
            columns=["email", "name", "role", "active", "created_at"],
        )
        # Staff i (user 2 + i) works in department 1 + i % 10.
        await conn.executemany(
            "INSERT INTO department_staff (users_id, department_id) VALUES ($1, $2)",
            [(2 + i, 1 + i % DEPARTMENTS) for i in range(STAFF)],
        )
        first_client = 2 + STAFF
        started = time.perf_counter()
        batch = 50_000
        for first in range(0, tickets, batch):
            rows, changes = [], []
            for t in range(first, min(first + batch, tickets)):
                # Numbers go up with time, as tickets are opened (rows in opening order).
                offset = (tickets - t) * DAYS * 86400 // tickets
                created = END - timedelta(seconds=offset - rng.randrange(60))
                dept = 1 + t % DEPARTMENTS
                assignee = 2 + dept - 1 + DEPARTMENTS * rng.randrange(2) if t % 5 else None
                due = created + timedelta(hours=4)
                answered = created + timedelta(seconds=int(rng.expovariate(1 / 7200)))
                closed = answered + timedelta(seconds=int(rng.expovariate(1 / 86400)))
                resolution_due = created + timedelta(days=2)
                if closed < END and rng.random() < 0.9:
                    status, first_response, closed_at = "closed", answered, closed
                elif answered < END:
                    status, first_response, closed_at = "answered", answered, None
                else:
                    status, first_response, closed_at = "open", None, None
                rows.append(
                    (1000 + t, f"Ticket {t}", status, 1 + t % 4, dept,
                     first_client + rng.randrange(CLIENTS), assignee, created, created,
                     closed_at, first_response, due, resolution_due, True)
                )  # fmt: skip
                if first_response is not None:
                    changes.append((t, "OPEN", "ANSWERED", first_response))
                if closed_at is not None:
                    changes.append((t, "ANSWERED", "CLOSED", closed_at))
            await conn.copy_records_to_table(
                "tickets",
                records=rows,
                columns=[
                    "number", "subject", "status", "priority", "department_id", "client_id",
                    "assignee_id", "created_at", "last_activity_at", "closed_at",
                    "first_response_at", "first_response_due_at", "resolution_due_at",
                    "sla_active",
                ],
            )  # fmt: skip
            ids = dict(
                await conn.fetch(
                    "SELECT number, id FROM tickets WHERE number >= $1 AND number < $2",
                    1000 + first,
                    1000 + first + batch,
                )
            )
            await conn.copy_records_to_table(
                "audit_entries",
                records=[(ids[1000 + t], "status", o, n, at) for t, o, n, at in changes],
                columns=["ticket_id", "field", "old_value", "new_value", "created_at"],
            )
            done = first + len(rows)
            print(
                f"  tickets {done:,}/{tickets:,} ({time.perf_counter() - started:.0f}s)", flush=True
            )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def measure(runs: int) -> dict[str, dict[str, list[float]]]:
    from app.auth.actor import actor_for
    from app.models import User
    from app.services.reports import Granularity, ReportKind, report

    who = {
        "admin": await actor_for(await User.get(email="admin@b.test")),
        "staff, 1 of 10 departments": await actor_for(await User.get(email="staff0@b.test")),
    }
    results: dict[str, dict[str, list[float]]] = {}
    for name, actor in who.items():
        results[name] = {}
        for kind in ReportKind:
            samples = []
            for i in range(runs + 2):
                # Spans ending 0..runs days before the newest ticket: not one cached answer.
                end = END - timedelta(days=i % runs)
                start = time.perf_counter()
                await report(
                    actor=actor, kind=kind, start=end - SPAN, end=end, granularity=Granularity.DAY
                )
                if i >= 2:  # two warm-ups
                    samples.append((time.perf_counter() - start) * 1000)
            results[name][kind.name] = samples
            print(
                f"  {name:<28} {kind.name:<16} p50 {statistics.median(samples):7.1f}  "
                f"p95 {p95(samples):7.1f}  (load {load_average()})",
                flush=True,
            )
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/bench_reports_1m")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="requests per kind and person")
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.url,
            "SECRET_KEY": "bench",
            "HELPDESK_VAR": "/tmp/helpdesk-bench-reports",
        }
    )
    from app.config import get_settings
    from app.infra import db

    get_settings.cache_clear()
    if not args.reuse:
        await recreate_database(args.url)
        await db.migrate(get_settings())
        started = time.perf_counter()
        await seed(args.url, args.tickets)
        print(f"(seeded {args.tickets:,} tickets in {time.perf_counter() - started:.0f}s)")
    await db.connect(get_settings())
    results = await measure(args.runs)
    await db.disconnect()
    print("\n".join(machine_lines()))
    print(f"reports on PostgreSQL, {args.tickets:,} tickets over 3 years, 90-day span, per day, "
          f"{args.runs} requests per kind (ms)")  # fmt: skip
    for name, kinds in results.items():
        print(f"  {name}")
        for kind, samples in kinds.items():
            print(f"    {kind:<16} p50 {statistics.median(samples):7.1f}  p95 {p95(samples):7.1f}")
    print("  target: p95 <= 500 ms for every kind")


if __name__ == "__main__":
    asyncio.run(main())
