"""Benchmark: the admin ticket list (50 tickets, every column) through the real HTTP stack.

1. Requests per second of the real app (SQLite) against the same app with its data layer
   answered from memory, same query, same run: the ratio is the database's share.
2. SQL statements per list request at page sizes 10, 50 and 100 (must be constant).

    .venv/bin/python bench/bench_list.py [--seconds 5] [--concurrency 8] [--tickets 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import httpx

from app.config import get_settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERY = """query($first: Int) { tickets(first: $first) { totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node { number subject status priority lastActivityAt
    client { name } department { name } assignee { name } } } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seed(count: int) -> str:
    """Departments, staff, clients and ``count`` tickets; returns an admin bearer token."""
    from app.auth.actor import actor_for
    from app.auth.tokens import issue_token
    from app.infra import db
    from app.infra.clock import now
    from app.models import Department, Role, TicketPriority, TokenKind, User
    from app.services import tickets

    settings = get_settings()
    await db.migrate(settings)
    await db.connect(settings)
    departments = [await Department.create(name=f"Dept {i}", created_at=now()) for i in range(3)]
    admin = await User.create(name="Admin", email="admin@b.test", role=Role.ADMIN, created_at=now())
    staff = []
    for i in range(6):
        user = await User.create(
            name=f"Staff {i}", email=f"s{i}@b.test", role=Role.STAFF, created_at=now()
        )
        await user.departments.add(departments[i % 3])
        staff.append(user)
    clients = [
        await actor_for(
            await User.create(
                name=f"Client {i}", email=f"c{i}@b.test", role=Role.CLIENT, created_at=now()
            )
        )
        for i in range(40)
    ]
    admin_actor = await actor_for(admin)
    for i in range(count):
        department = departments[i % 3]
        opened = await tickets.open_ticket(
            actor=clients[i % 40],
            department_id=department.id,
            subject=f"Ticket {i}",
            body="body",
            priority=list(TicketPriority)[i % 4],
            settings=get_settings(),
        )
        if i % 2:
            await tickets.update_ticket(
                actor=admin_actor,
                number=opened.ticket.number,
                assignee_id=staff[i % 3 + (0 if i % 3 else 3)].id if staff[i % 3].id else None,
            )
    token, _ = await issue_token(admin, TokenKind.SESSION)
    await db.disconnect()
    return token


async def load(url: str, token: str, seconds: float, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    payload = {"query": QUERY, "variables": {"first": 50}}
    done = 0
    async with httpx.AsyncClient(
        timeout=30, limits=httpx.Limits(max_connections=concurrency)
    ) as http:
        for _ in range(20):  # warm up
            response = await http.post(url, json=payload, headers=headers)
            body = response.json()
            assert "errors" not in body and len(body["data"]["tickets"]["edges"]) == 50, body
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await http.post(url, json=payload, headers=headers)
                response.raise_for_status()
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - start)


def start_server(mode: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "list_server.py"), mode, str(port)],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{mode} server did not start")


async def statements_per_page(token: str) -> dict[int, int]:
    """Run the list query in-process against the real app and count SQL statements."""
    from app.infra import db
    from app.main import create_app

    counts: dict[int, int] = {}
    app = create_app(get_settings(), manage_db=False)
    await db.connect(get_settings())

    class Counter(logging.Handler):
        n = 0

        def emit(self, record: logging.LogRecord) -> None:
            Counter.n += 1

    logger = logging.getLogger("tortoise.db_client")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(Counter())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as http,
    ):
        await http.post(
            "/graphql",
            json={"query": QUERY, "variables": {"first": 1}},
            headers={"Authorization": f"Bearer {token}"},
        )  # connect first
        for size in (10, 50, 100):
            Counter.n = 0
            response = await http.post(
                "/graphql",
                json={"query": QUERY, "variables": {"first": size}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert len(response.json()["data"]["tickets"]["edges"]) == size
            counts[size] = Counter.n
    await db.disconnect()
    return counts


def main() -> None:
    warnings.filterwarnings("ignore", message=".*different event loop.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="bench-list-")
    env = {
        **os.environ,
        "HELPDESK_VAR": var,
        "DATABASE_URL": f"sqlite://{var}/bench.sqlite3",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"),
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    token = asyncio.run(seed(args.tickets))
    results: dict[str, list[float]] = {"real": [], "memory": []}
    for _ in range(args.rounds):
        for mode in ("real", "memory"):
            process, url = start_server(mode, env)
            try:
                results[mode].append(asyncio.run(load(url, token, args.seconds, args.concurrency)))
            finally:
                process.terminate()
                process.wait()
    real, memory = max(results["real"]), max(results["memory"])
    print(
        f"admin list, 50 tickets x every column, {args.concurrency} concurrent clients, "
        f"best of {args.rounds} x {args.seconds:.0f}s"
    )
    print(
        f"  real (SQLite)     {real:8.1f} req/s   runs: {', '.join(f'{r:.1f}' for r in results['real'])}"
    )
    print(
        f"  in-memory data    {memory:8.1f} req/s   runs: {', '.join(f'{r:.1f}' for r in results['memory'])}"
    )
    print(f"  ratio real/memory {real / memory:8.2f}   (target >= 0.80)")
    counts = asyncio.run(statements_per_page(token))
    print(
        "SQL statements per list request: "
        + ", ".join(f"first={k}: {v}" for k, v in counts.items())
    )
    print(f"  constant: {len(set(counts.values())) == 1}")


if __name__ == "__main__":
    main()
