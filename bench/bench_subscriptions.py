"""Benchmark: live updates to N WebSocket subscribers of ``ticketListEvents``.

One ``helpdesk serve`` process, or ``--servers 2`` of them behind the same Redis (the
subscribers split evenly between them; replies are posted to the first, so the second's
events come through Redis). A fresh SQLite database under a temporary directory (or the
PostgreSQL database of ``--database-url``, emptied first); a private redis-server (the binary
the product ships) on a spare port unless REDIS_URL is set. N graphql-transport-ws clients,
signed in as staff of the ticket's department, subscribe to ``ticketListEvents`` with the
dashboard's fields, from ``--client-processes`` processes (so that one Python process is not
the bottleneck of the load); this process then posts ``--replies`` replies over HTTP (at least
20, so one slow event cannot decide p99 alone), one every ``--interval`` seconds. Printed per
run: delivery latency (POST sent -> event received, every subscriber; one monotonic clock for
all processes) p50/p99/max overall and per server, events lost, sockets closed, and the
servers' resident memory per connection (RSS growth from before connecting to after one event
reached every subscriber, divided by N), the servers' CPU per event, and how long servers and
clients waited for a CPU (the machine's other load) and how busy each client process was (a
client process near one core would make the load generator the bottleneck).

    .venv/bin/python bench/bench_subscriptions.py                    # 1,000 subscribers
    .venv/bin/python bench/bench_subscriptions.py --sweep 1000,2000,3000,4000
    .venv/bin/python bench/bench_subscriptions.py --subscribers 5000 --client-processes 2
    .venv/bin/python bench/bench_subscriptions.py --servers 2 --subscribers 10000 \\
        --client-processes 2                                        # 5,000 on each server
    .venv/bin/python bench/bench_subscriptions.py --compression      # as browsers negotiate

Everything runs on the same machine: on 2 cores the clients compete with the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import (  # noqa: E402
    VENV_BIN,
    PrivateRedis,
    ServerProcess,
    cpu_seconds,
    helpdesk_serve,
    percentile,
    rss_kib,
)

SUBSCRIPTION = """subscription { ticketListEvents { type
  ticket { number subject status priority lastActivityAt
    department { name } client { name } assignee { name } }
  message { id body author { name } } } }"""
REPLY = """mutation($n: Int!, $body: String!) { replyToTicket(input: {number: $n, body: $body}) {
  __typename } }"""
STAFF_ACCOUNTS = 20  # subscribers sign in as these, round robin
MIN_REPLIES = 20


async def seed() -> tuple[list[str], str, int]:
    """A department, staff in it and a client with one ticket: (staff tokens, client token,
    ticket number)."""
    from ceiling_seed import reset_postgres

    from app.auth.actor import actor_for
    from app.auth.tokens import issue_token
    from app.config import get_settings
    from app.infra import db
    from app.infra.clock import now
    from app.models import Department, Role, TokenKind, User
    from app.services import tickets

    settings = get_settings()
    if settings.db_url.startswith("postgres"):
        await reset_postgres(settings.db_url)
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
            settings=settings,
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
    server: int
    received: dict[int, float] = field(default_factory=dict)  # reply sequence -> arrival
    close_code: int | None = None
    task: asyncio.Task[None] | None = None


async def subscribe(
    url: str, server: int, token: str, compression: bool, ready: asyncio.Event
) -> Subscriber:
    """Open a socket, subscribe, then record every reply's arrival until the socket closes."""
    subscriber = Subscriber(server=server)

    async def run() -> None:
        try:
            async with websockets.connect(
                url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                compression="deflate" if compression else None,
                ping_interval=None,
                open_timeout=120,
                max_size=None,
            ) as ws:
                auth = {"authorization": f"Bearer {token}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                subscribe_message = {"id": "1", "type": "subscribe"}
                await ws.send(json.dumps({**subscribe_message, "payload": {"query": SUBSCRIPTION}}))
                ready.set()
                async for raw in ws:
                    arrived = time.monotonic()
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


async def open_subscribers(
    urls: list[str], tokens: list[str], count: int, offset: int, compression: bool
) -> list[Subscriber]:
    """``count`` subscribers, 100 at a time; the i-th (from ``offset``) on server i mod len."""
    subscribers: list[Subscriber] = []
    for batch in range(0, count, 100):
        ready = [asyncio.Event() for _ in range(min(100, count - batch))]
        for i, event in enumerate(ready):
            n = offset + batch + i
            server = n % len(urls)
            subscribers.append(
                await subscribe(urls[server], server, tokens[n % len(tokens)], compression, event)
            )
        await asyncio.gather(*(event.wait() for event in ready))
    return subscribers


async def until(condition: Callable[[], bool], limit: float) -> None:
    """Poll ``condition`` until it holds or ``limit`` seconds passed (stragglers count as lost)."""
    deadline = time.monotonic() + limit
    while True:
        if condition() or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.02)


async def _client_main(
    pipe: Connection, urls: list[str], tokens: list[str], count: int, offset: int, compression: bool
) -> None:
    loop = asyncio.get_running_loop()
    subscribers = await open_subscribers(urls, tokens, count, offset, compression)
    pipe.send(("ready", len(subscribers)))
    try:
        while True:
            command, *params = await loop.run_in_executor(None, pipe.recv)
            if command == "wait":  # until every open subscriber has these replies
                wanted: list[int] = params[0]

                def arrived(wanted: list[int] = wanted) -> bool:
                    return all(
                        all(seq in sub.received for seq in wanted)
                        for sub in subscribers
                        if sub.close_code is None
                    )

                await until(arrived, params[1])
                pipe.send(("waited",))
            elif command == "results":
                pipe.send(("results", [(s.server, s.received, s.close_code) for s in subscribers]))
                return
    finally:
        for subscriber in subscribers:
            if subscriber.task is not None:
                subscriber.task.cancel()
        await asyncio.gather(*(s.task for s in subscribers if s.task), return_exceptions=True)


def client_process(
    pipe: Connection, urls: list[str], tokens: list[str], count: int, offset: int, compression: bool
) -> None:
    """A process of subscribers, driven by the benchmark over ``pipe``."""
    asyncio.run(_client_main(pipe, urls, tokens, count, offset, compression))


class Clients:
    """The subscriber processes, and asking all of them the same thing."""

    def __init__(self, args: argparse.Namespace, urls: list[str], tokens: list[str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        share, extra = divmod(args.subscribers, args.client_processes)
        offset = 0
        for i in range(args.client_processes):
            count = share + (1 if i < extra else 0)
            parent, child = context.Pipe()
            process = context.Process(
                target=client_process,
                args=(child, urls, tokens, count, offset, args.compression),
                daemon=True,
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
            offset += count

    async def ask(self, *message: Any, limit: float) -> list[Any]:
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            if message:
                pipe.send(message)

        def receive(pipe: Connection) -> Any:
            if not pipe.poll(limit):
                raise RuntimeError(f"a client process did not answer {message} in {limit}s")
            return pipe.recv()

        return await asyncio.gather(
            *(loop.run_in_executor(None, receive, pipe) for pipe in self.pipes)
        )

    def stop(self) -> None:
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
                process.join()


def run_queue_seconds(pid: int) -> float:
    """Time the process's main thread spent runnable but waiting for a CPU (other processes
    had it): /proc/PID/schedstat, second field, in nanoseconds."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def system_seconds(pid: int) -> float:
    """CPU time the process spent in the kernel (socket writes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[12]) / os.sysconf("SC_CLK_TCK")


def usage(pids: list[int]) -> list[tuple[float, float]]:
    """(CPU seconds used, seconds waiting for a CPU) of each process so far."""
    return [(cpu_seconds(pid), run_queue_seconds(pid)) for pid in pids]


async def live_status(http: httpx.AsyncClient, server: ServerProcess) -> dict[str, Any]:
    return (await http.get(f"{server.base}/healthz")).json()["live"]


async def wait_for_subscriptions(
    http: httpx.AsyncClient, servers: list[ServerProcess], expected: int, limit: float
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            statuses = [await live_status(http, s) for s in servers]
            if (
                all(s["running"] for s in statuses)
                and sum(s["subscriptions"] for s in statuses) >= expected
            ):
                return
        except httpx.HTTPError:
            pass
        for server in servers:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited; its log: {server.log}")
        await asyncio.sleep(0.1)
    raise RuntimeError(f"not {expected} subscriptions after {limit}s")


async def post_reply(http: httpx.AsyncClient, base: str, token: str, n: int, body: str) -> None:
    response = await http.post(
        f"{base}/graphql",
        json={"query": REPLY, "variables": {"n": n, "body": body}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["data"]["replyToTicket"]["__typename"] == "Message", response.text


def start_profile(
    args: argparse.Namespace, server: ServerProcess, workdir: Path
) -> subprocess.Popen[bytes]:
    """py-spy on the (first) server for the replies' duration."""
    py_spy = VENV_BIN / "py-spy"
    if not py_spy.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install -e '.[dev]'")
    spy = subprocess.Popen(
        [
            str(py_spy),
            *("record", "--pid", str(server.pid), "--rate", "200"),
            *("--format", "raw", "--threads", "--output", str(workdir / "profile.stacks")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1)  # py-spy attaches
    return spy


def finish_profile(spy: subprocess.Popen[bytes], args: argparse.Namespace, count: int) -> str:
    from profile_summary import parse, render

    spy.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
    _, err = spy.communicate(timeout=120)
    stacks = Path(spy.args[-1])  # type: ignore[index]
    if spy.returncode != 0 or not stacks.exists():
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')}")
    if args.profile_out:
        shutil.copyfile(stacks, args.profile_out)
    if args.profile == "connect":
        title = (
            f"py-spy profile of `helpdesk serve` while {count} subscribers connect, sign in "
            "(connection_init) and subscribe to ticketListEvents (200 samples/s)"
        )
    else:
        title = (
            f"py-spy profile of `helpdesk serve` delivering {args.replies} replies at one "
            f"every {args.interval:g}s to {count} ticketListEvents subscribers (200 samples/s)"
        )
    with stacks.open() as file:
        return render(parse(file), top=20, title=title)


def latency_figures(latencies: list[float]) -> dict[str, float | None]:
    if not latencies:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    count = args.subscribers
    env = dict(os.environ)
    env["DATABASE_URL"] = args.database_url or f"sqlite://{workdir / 'bench.sqlite3'}"
    env.update(HELPDESK_VAR=str(workdir), SECRET_KEY="bench", SMTP_URL="smtp://127.0.0.1:1")
    env["REDIS_URL"] = args.redis_url
    os.environ.update(env)
    from app.config import get_settings

    get_settings.cache_clear()
    tokens, client_token, number = await seed()
    servers = [
        helpdesk_serve(env, workdir, name=f"server {i + 1}", log_name=f"server{i + 1}.log")
        for i in range(args.servers)
    ]
    urls = [s.url.replace("http://", "ws://") for s in servers]
    warm: list[Subscriber] = []
    clients: Clients | None = None
    sent: dict[int, float] = {}
    profile: str | None = None
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            await wait_for_subscriptions(http, servers, 0, 60)
            # Warm the code paths with one subscriber per server and one event, then measure.
            for i, url in enumerate(urls):
                ready = asyncio.Event()
                warm.append(await subscribe(url, i, tokens[0], args.compression, ready))
                await ready.wait()
            await wait_for_subscriptions(http, servers, len(servers), 30)
            await post_reply(http, servers[0].base, client_token, number, "bench 0 warm-up")
            await until(lambda: all(0 in w.received for w in warm), 30)
            rss_before = [rss_kib(s.pid) for s in servers]

            spy = start_profile(args, servers[0], workdir) if args.profile == "connect" else None
            started = time.monotonic()
            connect_cpu = sum(cpu_seconds(s.pid) for s in servers)
            clients = Clients(args, urls, tokens)
            # Each says ("ready", n); on a busy machine connecting takes a while.
            await clients.ask(limit=max(600.0, count * 0.2))
            await wait_for_subscriptions(http, servers, count + len(servers), 120)
            connect_seconds = time.monotonic() - started
            connect_cpu = sum(cpu_seconds(s.pid) for s in servers) - connect_cpu
            if spy is not None:
                profile = finish_profile(spy, args, count)

            await post_reply(http, servers[0].base, client_token, number, "bench 1 fill-buffers")
            await clients.ask("wait", [1], 60, limit=120)
            rss_after = [rss_kib(s.pid) for s in servers]

            server_pids = [s.pid for s in servers]
            client_pids = [p.pid for p in clients.processes if p.pid is not None]
            spy = start_profile(args, servers[0], workdir) if args.profile == "replies" else None
            load_before = os.getloadavg()[0]
            before = usage(server_pids), usage(client_pids), time.monotonic()
            kernel = sum(system_seconds(pid) for pid in server_pids)
            for seq in range(2, 2 + args.replies):
                sent[seq] = time.monotonic()
                await post_reply(http, servers[0].base, client_token, number, f"bench {seq}")
                await asyncio.sleep(max(0.0, sent[seq] + args.interval - time.monotonic()))
            await clients.ask("wait", list(sent), args.grace, limit=args.grace + 60)
            wall = time.monotonic() - before[2]
            load_after = os.getloadavg()[0]
            if spy is not None:
                profile = finish_profile(spy, args, count)
            server_use = [
                (c - c0, w - w0)
                for (c, w), (c0, w0) in zip(usage(server_pids), before[0], strict=True)
            ]
            client_use = [
                (c - c0, w - w0)
                for (c, w), (c0, w0) in zip(usage(client_pids), before[1], strict=True)
            ]
            server_cpu = [c for c, _ in server_use]
            kernel = sum(system_seconds(pid) for pid in server_pids) - kernel
            rss_end = [rss_kib(s.pid) for s in servers]
            answers = await clients.ask("results", limit=120)
    finally:
        for subscriber in warm:
            if subscriber.task is not None:
                subscriber.task.cancel()
        await asyncio.gather(*(s.task for s in warm if s.task), return_exceptions=True)
        if clients is not None:
            clients.stop()
        for server in servers:
            server.stop()
    subscribers = [
        Subscriber(server=server, received=received, close_code=code)
        for _, results in answers
        for server, received, code in results
    ]
    latencies: list[list[float]] = [[] for _ in servers]
    for s in subscribers:
        latencies[s.server].extend(
            s.received[seq] - t for seq, t in sent.items() if seq in s.received
        )
    delivered = sum(len(s.received.keys() & sent.keys()) for s in subscribers)
    result: dict[str, Any] = {
        "subscribers": count,
        # The machine's 1-minute load average when the replies started and when all arrived.
        "load": [round(load_before, 1), round(load_after, 1)],
        "servers": len(servers),
        "client_processes": args.client_processes,
        "replies": len(sent),
        "interval_s": args.interval,
        "connect_s": round(connect_seconds, 1),
        # Server CPU per socket opened: handshake, connection_init (the token), subscribe.
        "server_cpu_ms_per_connect": round(connect_cpu / count * 1000, 2),
        **latency_figures([x for per_server in latencies for x in per_server]),
        "lost": sum(1 for s in subscribers for seq in sent if seq not in s.received),
        "closed": sum(1 for s in subscribers if s.close_code is not None),
        # Why (1011: a keepalive ping not answered in time, 4205: a subscriber fell behind).
        "close_codes": dict(Counter(s.close_code for s in subscribers if s.close_code is not None)),
        "server_cpu_ms_per_event": round(sum(server_cpu) / len(sent) * 1000),
        # What a delivery costs the servers whatever the machine's load: CPU ms for one event
        # delivered to 1,000 subscribers (server CPU over the replies / deliveries x 1e6).
        "server_cpu_ms_per_event_per_1000": round(sum(server_cpu) / max(delivered, 1) * 1e6, 1),
        # Waiting for a CPU while runnable (other processes on the machine had it), per event.
        # Of the servers' CPU, the kernel's share (mostly writing to the sockets).
        "server_kernel_share": round(kernel / max(sum(server_cpu), 1e-9), 2),
        "server_cpu_wait_ms_per_event": round(sum(w for _, w in server_use) / len(sent) * 1000),
        # Each client process's share of one core over the replies (1.0: saturated), and its
        # wait for a CPU: a client near 1.0 would be the bottleneck, not the server.
        "client_busy": [round(c / wall, 2) for c, _ in client_use],
        "client_cpu_wait_ms_per_event": round(sum(w for _, w in client_use) / len(sent) * 1000),
        "kib_per_connection": round((sum(rss_after) - sum(rss_before)) / count, 1),
        "server_rss_mib": [round(r / 1024, 1) for r in rss_after],
        "server_rss_end_mib": [round(r / 1024, 1) for r in rss_end],
    }
    if profile is not None:
        result["profile"] = profile
    if len(servers) > 1:
        result["per_server"] = [
            {"subscribers": sum(1 for s in subscribers if s.server == i), **latency_figures(x)}
            for i, x in enumerate(latencies)
        ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=1000, help="in all, over the servers")
    parser.add_argument("--sweep", help="comma-separated subscriber counts, one run each")
    parser.add_argument("--servers", type=int, default=1, choices=(1, 2))
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--replies", type=int, default=40, help=f"at least {MIN_REPLIES}")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between replies")
    parser.add_argument("--grace", type=float, default=15, help="wait for stragglers (s)")
    parser.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    parser.add_argument("--database-url", help="a PostgreSQL database to EMPTY and use")
    parser.add_argument(
        "--profile",
        choices=("replies", "connect"),
        help="py-spy the (first) server while the replies are delivered, or while the "
        "subscribers connect and subscribe",
    )
    parser.add_argument("--profile-out", type=Path, help="keep py-spy's raw stacks here")
    args = parser.parse_args()
    if args.replies < MIN_REPLIES:
        parser.error(
            f"--replies must be at least {MIN_REPLIES}: one slow event must not decide p99"
        )
    if args.client_processes < 1:
        parser.error("--client-processes must be at least 1")
    counts = [int(c) for c in args.sweep.split(",")] if args.sweep else [args.subscribers]
    print(
        f"cores: {os.cpu_count()}  servers: {args.servers}  client processes: "
        f"{args.client_processes}  compression: {args.compression}"
    )
    external_redis = os.environ.get("REDIS_URL")  # each run below sets REDIS_URL for itself
    for count in counts:
        args.subscribers = count
        workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
        redis = None
        try:
            if external_redis:
                args.redis_url = external_redis
            else:
                redis = PrivateRedis(workdir)
                args.redis_url = redis.url
            result = asyncio.run(run(args, workdir))
            profile = result.pop("profile", None)
            print(json.dumps(result), flush=True)
            if profile:
                print(profile, flush=True)
            shutil.rmtree(workdir, ignore_errors=True)  # kept, with the servers' logs, on failure
        finally:
            if redis is not None:
                redis.stop()


if __name__ == "__main__":
    main()
