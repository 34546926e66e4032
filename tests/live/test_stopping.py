"""Stopping cleanly, on real processes: ``helpdesk run``, ``serve`` and ``worker``, sent SIGINT
(Ctrl+C) or SIGTERM (systemd, docker), exit 0 with one "stopping" line and no traceback, having
finished what they were doing: a request in flight is answered, open WebSockets are told 1001,
a job in progress finishes or goes back to the queue, the private Redis and the mail listeners
of ``run`` are gone. And ``/readyz``, the load balancer's question. Every wait is bounded."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import websockets
from mail_out.mailout_support import SmtpServer
from ops import open_ticket
from processes import START_TIMEOUT, HelpdeskProcess, ServerProcess, process_env
from redis.asyncio import Redis
from redis_server import free_port
from websockets.exceptions import ConnectionClosed
from wsclient import close_code

from app import events
from app.config import Settings

pytestmark = pytest.mark.slow

SIGNALS = [signal.SIGINT, signal.SIGTERM]
STOP_WITHIN = 30.0  # seconds from the signal to the exit (the grace is set lower below)


def signal_ids(signum: signal.Signals) -> str:
    return signum.name


async def until(
    condition: Callable[[], Awaitable[bool] | bool], seconds: float, what: Callable[[], str]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what()}")
        await asyncio.sleep(0.05)


async def stop_with(process: HelpdeskProcess, signum: signal.Signals) -> str:
    process.send(signum)
    return await stopped_cleanly(process, signum)


async def stopped_cleanly(process: HelpdeskProcess, signum: signal.Signals) -> str:
    """The process exits 0 in time, having said "stopping" once, and no traceback."""
    code = await process.exit_code(STOP_WITHIN)
    text = process.log.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    said = [line for line in text.splitlines() if "stopping" in line or "stopped" in line]
    assert said == [f"helpdesk {process.args[0]}: stopping on {signum.name}"], said
    return text


@pytest.fixture
async def sink() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    await server.start()
    yield server
    await server.stop()


# -- helpdesk serve ----------------------------------------------------------------------------


@pytest.mark.parametrize("signum", SIGNALS, ids=signal_ids)
async def test_serve_answers_the_request_in_flight_and_closes_sockets_with_1001(
    start, signum: signal.Signals
):
    server = start("serve")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    first_part_sent, gate = asyncio.Event(), asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typ'
        first_part_sent.set()
        await gate.wait()  # the rest of the upload comes after the signal
        yield b'ename }"}'

    async with (
        httpx.AsyncClient(timeout=STOP_WITHIN) as http,
        websockets.connect(
            server.base.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]
        ) as socket_,
    ):
        request = asyncio.create_task(
            http.post(
                f"{server.base}/graphql",
                content=slow_body(),
                headers={"Content-Type": "application/json"},
            )
        )
        await asyncio.wait_for(first_part_sent.wait(), 10)
        # A round trip on another connection: the server has read the request's head by then
        # (its bytes were in the socket before this request was sent).
        assert (await http.get(f"{server.base}/healthz")).status_code == 200
        server.send(signum)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket_.recv(), 10)
        assert close_code(closed.value) == 1001
        gate.set()
        response = await request
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    await stopped_cleanly(server, signum)


# -- helpdesk worker ---------------------------------------------------------------------------


async def notify_jobs_left(redis_url: str) -> int:
    client = Redis.from_url(redis_url)
    try:
        jobs = await client.zrange("arq:queue", 0, -1)
    finally:
        await client.aclose()
    return sum(1 for job in jobs if job.startswith(b"notify:"))


@pytest.mark.parametrize("signum", SIGNALS, ids=signal_ids)
async def test_worker_hands_back_the_job_it_could_not_finish_and_another_worker_runs_it(
    start, world, sink: SmtpServer, private_redis, signum: signal.Signals
):
    await open_ticket(world.client_a, world.dept_x, "Printer")  # mails alice an acknowledgement
    await events.flushed()
    assert await notify_jobs_left(private_redis.url) == 1
    sink.gate = asyncio.Event()  # the mail waits at RCPT: the job is in progress
    worker = start("worker", SMTP_URL=sink.url, STOP_GRACE_SECONDS="1")
    await until(lambda: sink.waiting >= 1, START_TIMEOUT, worker.log_tail)
    text = await stop_with(worker, signum)
    assert "will be run again" in text  # arq's word for a job handed back
    assert await notify_jobs_left(private_redis.url) == 1
    assert sink.to("alice@example.com") == []
    sink.gate.set()

    again = start("worker", SMTP_URL=sink.url)

    async def mailed() -> bool:
        return await notify_jobs_left(private_redis.url) == 0 and bool(sink.to("alice@example.com"))

    await until(mailed, 60, again.log_tail)
    assert len(sink.to("alice@example.com")) == 1


async def test_worker_finishes_the_job_in_progress_before_it_exits(
    start, world, sink: SmtpServer, private_redis
):
    await open_ticket(world.client_a, world.dept_x, "Printer")
    await events.flushed()
    sink.gate = asyncio.Event()
    worker = start("worker", SMTP_URL=sink.url)  # the default grace: 20 s
    await until(lambda: sink.waiting >= 1, START_TIMEOUT, worker.log_tail)
    worker.send(signal.SIGTERM)
    await until(lambda: "stopping on SIGTERM" in worker.log.read_text(), 10, worker.log_tail)
    sink.gate.set()  # the mail goes through while the worker is stopping
    text = await stopped_cleanly(worker, signal.SIGTERM)
    assert "will be run again" not in text
    assert len(sink.to("alice@example.com")) == 1
    assert await notify_jobs_left(private_redis.url) == 0


# -- helpdesk run ------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_text():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("signum", SIGNALS, ids=signal_ids)
async def test_run_stops_its_private_redis_and_mail_listener_and_leaves_nothing_behind(
    settings: Settings, world, tmp_path: Path, signum: signal.Signals
):
    var = Path(tempfile.mkdtemp(prefix="hd-", dir="/tmp"))  # short: a unix socket path
    port, smtp_port = free_port(), free_port()
    env = process_env(
        settings,
        REDIS_URL="",
        HELPDESK_VAR=str(var),
        SMTP_LISTEN_PORT=str(smtp_port),
        PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    run = ServerProcess(port, env, tmp_path / "run.log")
    run.args = ["run", "--port", str(port)]
    run.start()
    saved = events.sinks.publisher, events.sinks.jobs
    events.configure(publisher=None, jobs=None)  # the test's own rows go out through `run`
    try:
        await run.wait_ready()
        await until(lambda: _accepts(smtp_port), 10, run.log_tail)
        redis_pids = [pid for pid in _children(run.pid) if "redis-server" in _cmdline(pid)]
        assert len(redis_pids) == 1, run.log_tail()
        assert (var / "redis.sock").exists()
        await stop_with(run, signum)
        assert _cmdline(redis_pids[0]) == ""  # gone
        assert not (var / "redis.sock").exists()
        assert not _accepts(smtp_port)
        assert not _accepts(port)
        assert _processes_mentioning(str(var)) == []  # no orphan
    finally:
        events.configure(publisher=saved[0], jobs=saved[1])
        run.stop()
        for pid in _processes_mentioning(str(var)):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(var, ignore_errors=True)


# -- /readyz -----------------------------------------------------------------------------------


async def test_readyz_answers_200_when_the_database_redis_and_migrations_are_in_order(
    live_server: str,
):
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{live_server}/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"database": "ok", "redis": "ok", "migrations": "ok"},
        "failed": [],
    }


async def test_readyz_answers_503_naming_redis_when_redis_is_down(start, private_redis):
    server = start("serve")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    await asyncio.to_thread(private_redis.stop)
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{server.base}/readyz")
        alive = await http.get(f"{server.base}/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert response.json()["checks"]["redis"] == "unreachable"
    assert "redis://" not in response.text and "unix://" not in response.text  # no addresses
    assert alive.status_code == 200  # the process itself lives: not a reason to restart it


async def test_readyz_answers_503_naming_migrations_on_a_database_never_migrated(
    start, tmp_path: Path
):
    server = start("serve", DATABASE_URL=f"sqlite://{tmp_path}/empty.sqlite3")
    assert isinstance(server, ServerProcess)
    await server.wait_ready()
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{server.base}/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
    assert body["checks"]["migrations"].endswith(" pending")

    migrate = HelpdeskProcess(["migrate"], server.env, tmp_path / "migrate.log")
    migrate.start()
    assert await migrate.exit_code(START_TIMEOUT) == 0, migrate.log_tail()
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{server.base}/readyz")
    assert response.status_code == 200, response.text  # ready once migrated, no restart
