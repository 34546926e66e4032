"""Benchmark: full-text search latency on PostgreSQL with 1,000,000 messages.

Seeds (COPY through asyncpg, not the ORM) departments, clients with names and addresses,
tickets and their messages (a tenth of them internal notes) written from a Zipf-distributed
vocabulary, then times the ticket-list service searching by relevance, first page of 25, for
an admin and for a staff member of one department (of 10). Queries cycle through kinds: a
common word, a mid-frequency word, a rare word, two words, a phrase, a ticket number, a client
surname and an email fragment.

    .venv/bin/python bench/bench_search.py [--messages 1000000] [--url postgres://...]
    .venv/bin/python bench/bench_search.py --reuse --explain 5 [--verbose]

``--explain N`` times nothing: it runs each kind's first N queries once per searcher, then
``EXPLAIN (ANALYZE, BUFFERS)`` every statement that search sent (the page's tickets and
highlights too) and prints, per kind, the median over the N searches of the sums: statements,
buffers (shared hit + read, execution and planning), planning and execution ms. Buffers do
not depend on the machine's load; times do. ``--verbose`` prints each statement's figures.

Creates (and leaves, for inspection; --drop drops it) the database named in the URL.
Target: p95 <= 50 ms for both searchers. The database is set to max_parallel_workers_per_gather
= 0 (see the README's figures).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import p95, recreate_database  # noqa: E402

DEPARTMENTS = 10
MESSAGES_PER_TICKET = 5
CLIENTS = 20_000
VOCABULARY = 20_000
SUPPORT_WORDS = [
    "printer",
    "invoice",
    "password",
    "refund",
    "shipping",
    "delivery",
    "login",
    "account",
    "laptop",
    "monitor",
    "keyboard",
    "network",
    "router",
    "wifi",
    "license",
    "upgrade",
    "payment",
    "receipt",
    "subscription",
    "cancel",
    "crash",
    "error",
    "install",
    "update",
    "backup",
    "server",
    "email",
    "calendar",
    "meeting",
    "phone",
    "battery",
    "charger",
    "screen",
]
FIRST = [
    "Alice",
    "Bob",
    "Carol",
    "Dave",
    "Erin",
    "Frank",
    "Grace",
    "Heidi",
    "Ivan",
    "Judy",
    "Mallory",
    "Niaj",
    "Olivia",
    "Peggy",
]
LAST = [
    f"{a}{b}"
    for a in ("Mor", "Hal", "Ken", "Bra", "Sto", "Lin", "Fer")
    for b in ("ton", "ley", "sen", "dez", "wick", "gard")
]


def words() -> tuple[list[str], list[float]]:
    """A vocabulary of made-up words (and some support words) with Zipf weights."""
    rng = random.Random(7)
    syllables = [
        "ka",
        "lo",
        "ri",
        "men",
        "tas",
        "po",
        "vi",
        "dun",
        "sel",
        "ar",
        "bo",
        "qui",
        "zen",
        "fa",
    ]
    made: set[str] = set()
    while len(made) < VOCABULARY - len(SUPPORT_WORDS):
        made.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    vocab = sorted(made)
    rng.shuffle(vocab)
    # Support words sit at ranks 20..(20 + n): common, not the most common.
    vocab[20:20] = SUPPORT_WORDS
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    return vocab, weights


async def seed(url: str, messages: int) -> dict[str, list[str]]:
    """Everything, by COPY; returns sample queries of each kind."""
    rng = random.Random(11)
    vocab, weights = words()
    cumulative = list(itertools.accumulate(weights))
    tickets = messages // MESSAGES_PER_TICKET
    now = datetime(2026, 1, 1, tzinfo=UTC)
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        await conn.copy_records_to_table(
            "departments",
            records=[(f"Dept {d}", now) for d in range(1, DEPARTMENTS + 1)],
            columns=["name", "created_at"],
        )
        people = [("admin@b.test", "Admin", "admin"), ("staff@b.test", "Staff", "staff")]
        clients = [
            (
                f"{rng.choice(FIRST).lower()}.{i}@client{i % 97}.test",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "client",
            )
            for i in range(CLIENTS)
        ]
        await conn.copy_records_to_table(
            "users",
            records=[(e, n, r, True, now) for e, n, r in people + clients],
            columns=["email", "name", "role", "active", "created_at"],
        )
        await conn.execute("INSERT INTO department_staff (users_id, department_id) VALUES (2, 1)")
        # Bulk load as a restore would: indexes built once after the rows are in.
        await conn.execute("DROP INDEX messages_search_vector_idx, tickets_search_vector_idx")

        def text(n: int) -> str:
            return " ".join(rng.choices(vocab, cum_weights=cumulative, k=n))

        statuses = ["open", "answered", "customer_reply", "in_progress", "on_hold", "closed"]
        batch = 50_000
        started = time.perf_counter()
        for first in range(0, tickets, batch):
            rows = []
            for t in range(first, min(first + batch, tickets)):
                at = now - timedelta(seconds=(t * 7919) % 31_536_000)
                rows.append(
                    (
                        1000 + t,
                        text(rng.randint(3, 7)).capitalize(),
                        statuses[t % 6],
                        1 + t % 4,
                        1 + t % DEPARTMENTS,
                        3 + rng.randrange(CLIENTS),
                        at,
                        at,
                    )
                )
            await conn.copy_records_to_table(
                "tickets",
                records=rows,
                columns=[
                    "number",
                    "subject",
                    "status",
                    "priority",
                    "department_id",
                    "client_id",
                    "created_at",
                    "last_activity_at",
                ],
            )
            print(
                f"  tickets {first + len(rows):,}/{tickets:,} ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM tickets ORDER BY id")]
        written = 0
        for chunk in range(0, len(ids), batch // MESSAGES_PER_TICKET):
            rows = []
            for ticket_id in ids[chunk : chunk + batch // MESSAGES_PER_TICKET]:
                for m in range(MESSAGES_PER_TICKET):
                    rows.append(
                        (
                            ticket_id,
                            text(rng.randint(10, 60)),
                            m == 3 and rng.random() < 0.5,
                            "web",
                            now,
                        )
                    )
            await conn.copy_records_to_table(
                "messages",
                records=rows,
                columns=["ticket_id", "body", "internal", "source", "created_at"],
            )
            written += len(rows)
            print(
                f"  messages {written:,}/{messages:,} ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
        started = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute(
            "CREATE INDEX messages_search_vector_idx ON messages USING GIN (search_vector)"
        )
        await conn.execute(
            "CREATE INDEX tickets_search_vector_idx ON tickets USING GIN (search_vector)"
        )
        await conn.execute("VACUUM ANALYZE")
        # Short OLTP queries: starting parallel workers costs more than it saves (README).
        name = url.rsplit("/", 1)[1]
        await conn.execute(f'ALTER DATABASE "{name}" SET max_parallel_workers_per_gather = 0')
        print(
            f"  GIN indexes and VACUUM ANALYZE in {time.perf_counter() - started:.0f}s", flush=True
        )
    finally:
        await conn.close()
    return seed_queries_only(messages, vocab)


async def measure(queries: dict[str, list[str]], runs: int) -> dict[str, dict[str, list[float]]]:
    from app.auth.actor import actor_for
    from app.config import get_settings
    from app.models import User
    from app.services.ticket_list import SortField, TicketFilter, TicketSort, list_tickets

    language = get_settings().search_language
    sort = TicketSort(field=SortField.RELEVANCE)
    searchers = {
        "admin": await actor_for(await User.get(email="admin@b.test")),
        "staff, 1 of 10 departments": await actor_for(await User.get(email="staff@b.test")),
    }
    results: dict[str, dict[str, list[float]]] = {}
    for who, actor in searchers.items():
        results[who] = {}
        for kind, texts in queries.items():
            for text in texts[:5]:  # warm up
                await list_tickets(
                    actor=actor, flt=TicketFilter(search=text), sort=sort, search_language=language
                )
            samples = []
            for i in range(runs):
                text = texts[i % len(texts)]
                start = time.perf_counter()
                await list_tickets(
                    actor=actor,
                    flt=TicketFilter(search=text),
                    sort=sort,
                    first=25,
                    search_language=language,
                )
                samples.append((time.perf_counter() - start) * 1000)
            results[who][kind] = samples
            print(
                f"  {who:<28} {kind:<28} p50 {statistics.median(samples):7.1f}  p95 {p95(samples):7.1f}",
                flush=True,
            )
    return results


class _Statements(logging.Handler):
    """Every statement Tortoise sends (its DEBUG log carries the SQL and its values)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            self.sent.append((args[0], list(args[1] or [])))


async def explain(
    url: str, queries: dict[str, list[str]], n: int, verbose: bool
) -> dict[str, dict[str, dict[str, float]]]:
    from app.auth.actor import actor_for
    from app.config import get_settings
    from app.models import User
    from app.services.ticket_list import SortField, TicketFilter, TicketSort, list_tickets

    language = get_settings().search_language
    sort = TicketSort(field=SortField.RELEVANCE)
    searchers = {
        "admin": await actor_for(await User.get(email="admin@b.test")),
        "staff, 1 of 10 departments": await actor_for(await User.get(email="staff@b.test")),
    }
    log = _Statements()
    logger = logging.getLogger("tortoise.db_client")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(log)
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    out: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for who, actor in searchers.items():
            out[who] = {}
            for kind, texts in queries.items():
                sums: list[tuple[float, float, float, float]] = []
                for text in texts[:n]:
                    log.sent = []
                    await list_tickets(
                        actor=actor,
                        flt=TicketFilter(search=text),
                        sort=sort,
                        first=25,
                        search_language=language,
                    )
                    total = [0.0, 0.0, 0.0, 0.0]  # statements, buffers, planning, execution
                    for statement, values in log.sent:
                        plan = await conn.fetchval(
                            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", *values
                        )
                        top = json.loads(plan)[0]
                        node, planning = top["Plan"], top.get("Planning", {})
                        buffers = sum(
                            d.get(k, 0)
                            for d in (node, planning)
                            for k in ("Shared Hit Blocks", "Shared Read Blocks")
                        )
                        figures = (1.0, buffers, top["Planning Time"], top["Execution Time"])
                        total = [a + b for a, b in zip(total, figures, strict=True)]
                        if verbose:
                            print(
                                f"      {text[:24]:<24} {buffers:7.0f} buf "
                                f"{top['Planning Time']:6.2f} plan {top['Execution Time']:7.2f} "
                                f"exec  {' '.join(statement.split())[:110]}",
                                flush=True,
                            )
                    sums.append((total[0], total[1], total[2], total[3]))
                    if verbose:
                        print(f"    {text}: {total[1]:.0f} buffers, {total[3]:.1f} ms", flush=True)
                med = {
                    name: statistics.median(s[i] for s in sums)
                    for i, name in enumerate(("statements", "buffers", "planning", "execution"))
                }
                out[who][kind] = med
                print(
                    f"  {who:<28} {kind:<28} statements {med['statements']:4.0f}  buffers "
                    f"{med['buffers']:7.0f}  planning {med['planning']:6.1f}  execution "
                    f"{med['execution']:6.1f} ms",
                    flush=True,
                )
    finally:
        await conn.close()
        logger.removeHandler(log)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/helpdesk_bench_search")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60, help="requests per query kind and searcher")
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument(
        "--explain", type=int, default=0, help="EXPLAIN each statement of N searches per kind"
    )
    parser.add_argument("--verbose", action="store_true", help="with --explain: per statement")
    parser.add_argument("--kinds", default="", help="only the kinds whose names contain this")
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.url,
            "SECRET_KEY": "bench",
            "HELPDESK_VAR": "/tmp/helpdesk-bench-search",
        }
    )
    from app.config import get_settings
    from app.infra import db

    get_settings.cache_clear()
    if args.reuse:
        # Migrations added since the seed (e.g. 0012's message departments) apply in place.
        await db.migrate(get_settings())
        vocab, _ = words()
        queries = seed_queries_only(args.messages, vocab)
    else:
        await recreate_database(args.url)
        await db.migrate(get_settings())
        started = time.perf_counter()
        queries = await seed(args.url, args.messages)
        print(f"(seeded {args.messages:,} messages in {time.perf_counter() - started:.0f}s)")
    queries = {k: v for k, v in queries.items() if args.kinds in k}
    await db.connect(get_settings())
    if args.explain:
        print(f"load average {os.getloadavg()[0]:.1f}")
        await explain(args.url, queries, args.explain, args.verbose)
        await db.disconnect()
        return
    print(f"load average {os.getloadavg()[0]:.1f}")
    results = await measure(queries, args.runs)
    await db.disconnect()
    if args.drop:
        await recreate_database(args.url, create=False)
    print(
        f"search on PostgreSQL, {args.messages:,} messages, sort by relevance, first=25, {args.runs} requests per kind (ms)"
    )
    for who, kinds in results.items():
        every = [s for samples in kinds.values() for s in samples]
        print(f"  {who}: all kinds p50 {statistics.median(every):.1f}, p95 {p95(every):.1f}")
        for kind, samples in kinds.items():
            print(f"    {kind:<28} p50 {statistics.median(samples):7.1f}  p95 {p95(samples):7.1f}")
    print(f"  target: p95 <= 50 ms for each searcher (load average {os.getloadavg()[0]:.1f})")


def seed_queries_only(messages: int, vocab: list[str]) -> dict[str, list[str]]:
    q = random.Random(3)
    tickets = messages // MESSAGES_PER_TICKET
    return {
        "common word (rank ~20-50)": vocab[20:50],
        "mid word (rank ~500)": vocab[450:550],
        "rare word (rank ~10k)": vocab[10_000:10_100],
        "two words": [f"{q.choice(vocab[20:200])} {q.choice(vocab[200:2000])}" for _ in range(100)],
        'phrase "a b"': [
            f'"{q.choice(vocab[20:200])} {q.choice(vocab[20:200])}"' for _ in range(100)
        ],
        "ticket number": [f"#{1000 + q.randrange(tickets)}" for _ in range(100)],
        "client surname": LAST,
        "email fragment": [
            f"{q.choice(FIRST).lower()}.{q.randrange(CLIENTS)}@" for _ in range(100)
        ],
    }


if __name__ == "__main__":
    asyncio.run(main())
