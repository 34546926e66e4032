"""Benchmark: server memory while a 10 MB attachment is uploaded, then downloaded.

A real server process (uvicorn running ``create_app`` by bench/attachments_server.py, or
``helpdesk serve`` with --helpdesk-serve; SQLite under a temporary var/, a real Redis) is
measured from outside through /proc: its resident memory when idle (after one small warm-up
upload, so lazy imports are paid), then its peak resident memory (VmHWM, reset before each
phase) while a file is uploaded by the GraphQL multipart request spec and while it is
downloaded. Target: the peak adds less than twice the file size over the idle server.

    .venv/bin/python bench/bench_attachments.py [--mb 10] [--redis redis://127.0.0.1:6379/13]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MB = 1024 * 1024

OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) { __typename
  ... on Ticket { messages { edges { node { attachments { url size } } } } }
  ... on Error { message } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: ``echo 5 > /proc/PID/clear_refs``)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


async def seed() -> tuple[int, str]:
    """A department and a client with a bearer token; returns (department id, token)."""
    from app.auth.tokens import issue_token
    from app.config import get_settings
    from app.infra import db
    from app.infra.clock import now
    from app.models import Department, Role, TokenKind, User

    settings = get_settings()
    await db.migrate(settings)
    await db.connect(settings)
    try:
        department = await Department.create(name="Support", created_at=now())
        client = await User.create(
            name="Client", email="client@bench.test", role=Role.CLIENT, created_at=now()
        )
        token, _ = await issue_token(client, TokenKind.SESSION)
        return department.id, token
    finally:
        await db.disconnect()


def payload(size: int) -> bytes:
    """``size`` incompressible bytes that are a gzip archive by their first bytes."""
    head = b"\x1f\x8b\x08\x00"
    return head + os.urandom(size - len(head))


async def upload(http: httpx.AsyncClient, base: str, token: str, dept: int, data: bytes) -> str:
    variables = {
        "input": {
            "departmentId": str(dept),
            "subject": "Bench",
            "body": "File",
            "attachments": [None],
        }
    }
    response = await http.post(
        f"{base}/graphql",
        data={
            "operations": json.dumps({"query": OPEN, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.attachments.0"]}),
        },
        files=[("0", ("dump.gz", data, "application/gzip"))],
        headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
    )
    if response.status_code != 200:
        raise SystemExit(f"upload failed: {response.status_code} {response.text[:500]}")
    result = response.json()["data"]["openTicket"]
    assert result["__typename"] == "Ticket", result
    attachment = result["messages"]["edges"][0]["node"]["attachments"][0]
    assert attachment["size"] == len(data)
    return str(attachment["url"])


async def download(http: httpx.AsyncClient, url: str, token: str) -> str:
    digest = hashlib.sha256()
    async with http.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status_code == 200, response.status_code
        async for chunk in response.aiter_bytes():
            digest.update(chunk)
    return digest.hexdigest()


async def wait_healthy(
    http: httpx.AsyncClient, base: str, server: asyncio.subprocess.Process
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.returncode is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            if (await http.get(f"{base}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("server did not become healthy in 30 s")


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as var:
        port = free_port()
        os.environ.update(
            HELPDESK_VAR=var,
            DATABASE_URL=f"sqlite://{var}/bench.sqlite3",
            REDIS_URL=args.redis,
            SECRET_KEY="bench-secret",
            PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        if args.mb > 10:  # raise the limits so a larger file shows how memory scales
            os.environ["MAX_FILE_BYTES"] = os.environ["MAX_MESSAGE_BYTES"] = str(args.mb * MB)
        dept, token = await seed()
        if args.helpdesk_serve:
            command = [str(Path(sys.executable).with_name("helpdesk")), "serve"]
            command += ["--port", str(port)]
        else:
            command = [sys.executable, str(ROOT / "bench" / "attachments_server.py"), str(port)]
        server = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=None if args.verbose else subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(timeout=120) as http:
                await wait_healthy(http, base, server)
                cold = status_kb(server.pid, "VmRSS")
                warm_url = await upload(http, base, token, dept, payload(64 * 1024))
                await download(http, warm_url, token)
                idle = status_kb(server.pid, "VmRSS")

                data = payload(args.mb * MB)
                peak_reset = reset_peak(server.pid)
                started = time.perf_counter()
                url = await upload(http, base, token, dept, data)
                upload_s = time.perf_counter() - started
                upload_peak = status_kb(server.pid, "VmHWM")

                reset_peak(server.pid)
                started = time.perf_counter()
                assert await download(http, url, token) == hashlib.sha256(data).hexdigest()
                download_s = time.perf_counter() - started
                download_peak = status_kb(server.pid, "VmHWM")
        finally:
            server.terminate()
            await asyncio.wait_for(server.wait(), timeout=10)

    size_kb = len(data) / 1024
    kind = "helpdesk serve" if args.helpdesk_serve else "uvicorn + create_app"
    print(f"file: {args.mb} MB; server: {kind} (one process), SQLite, Redis")
    if not peak_reset:
        print("note: /proc/PID/clear_refs not writable; peaks are since server start")
    print(f"idle RSS:      cold {cold / 1024:7.1f} MB   after warm-up {idle / 1024:7.1f} MB")
    for phase, peak, seconds in (
        ("upload", upload_peak, upload_s),
        ("download", download_peak, download_s),
    ):
        added = peak - idle
        print(
            f"{phase:<9} peak RSS {peak / 1024:7.1f} MB   added {added / 1024:6.1f} MB   "
            f"= {added / size_kb:4.2f}x file size   ({args.mb / seconds:6.1f} MB/s)"
        )
    worst = max(upload_peak, download_peak) - idle
    verdict = "PASS" if worst < 2 * size_kb else "FAIL"
    print(f"target: added < 2.00x file size -> {verdict} ({worst / size_kb:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=10, help="file size in MB")
    parser.add_argument("--verbose", action="store_true", help="show the server's log")
    parser.add_argument(
        "--helpdesk-serve",
        action="store_true",
        help="measure `helpdesk serve` instead of bench/attachments_server.py (uvicorn + create_app)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="a Redis for the server (its events and notification jobs land there)",
    )
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
