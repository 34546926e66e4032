"""Pieces the HTTP benchmarks share: ports, a private Redis, server processes, the machine."""

from __future__ import annotations

import datetime
import os
import platform
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class PrivateRedis:
    """The redis-server binary the product ships (``app.infra.embedded``), on a spare TCP port of the
    loopback interface, without persistence."""

    def __init__(self, workdir: Path) -> None:
        from app.infra.embedded import redis_server_binary

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                str(redis_server_binary()),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.025)
        self.stop()
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        stop_process(self.process)


class ServerProcess:
    """A web server child process whose output goes to ``log``; ``wait_ready`` polls ``probe``."""

    def __init__(
        self, name: str, argv: list[str], *, env: dict[str, str], port: int, log: Path
    ) -> None:
        self.name, self.port, self.log = name, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/graphql"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, probe: str = "/healthz", limit: float = 180) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; its log: {self.log}")
            try:
                if httpx.get(self.base + probe, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer within {limit}s; its log: {self.log}")

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def helpdesk_serve(
    env: dict[str, str], workdir: Path, *, name: str = "product", log_name: str | None = None
) -> ServerProcess:
    """``helpdesk serve`` from this virtualenv, as an operator runs it."""
    port = free_port()
    return ServerProcess(
        name,
        [str(VENV_BIN / "helpdesk"), "serve", "--port", str(port)],
        env=env,
        port=port,
        log=workdir / (log_name or f"{name}.log"),
    )


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_lines(extra_tools: dict[str, str] | None = None) -> list[str]:
    """The machine, the date and the versions that decide a figure, for the report's head."""
    packages = [
        "strawberry-graphql",
        "graphql-core",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "tortoise-orm",
        "aiosqlite",
        "asyncpg",
    ]
    versions = []
    for package in packages:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    lines = [
        f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {os.cpu_count()} cores, {cpu_model()}, load average {load_average()}",
        f"python: {platform.python_version()} ({platform.python_implementation()})",
        "versions: " + ", ".join(versions),
    ]
    for tool, version in (extra_tools or {}).items():
        lines.append(f"{tool}: {version}")
    return lines


async def recreate_database(url: str, *, create: bool = True) -> None:
    """Drop the PostgreSQL database ``url`` names (it is a scratch one) and create it empty."""
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(
        url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
