"""Benchmark: does the time of a failed sign-in tell whether the account exists?

Starts the product as a person would run it split up: a private Redis (the embedded binary),
SQLite under a temporary var/, ``helpdesk migrate``, ``helpdesk create-admin`` and one
``helpdesk serve`` process. Then sends ``login`` over HTTP with a wrong password for the known
account and for an unknown one, interleaved (so both see the same machine noise), and prints the
median and 90th percentile latency of each and the ratio unknown / known; a right password is
timed too. LOGIN_ATTEMPTS is raised so the limiter never answers instead of the password check.
Target: ratio 1.0 within noise (before the fix: 127 ms known vs 23 ms unknown, ratio 0.18).

    .venv/bin/python bench/bench_login.py [-n 200] [--warmup 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Error { code } } }"""
KNOWN, UNKNOWN, PASSWORD = "known@example.com", "unknown@example.com", "bench-password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def helpdesk(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT, check=True)


async def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError("helpdesk serve exited")
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("helpdesk serve did not start")


async def measure(base: str, n: int, warmup: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"known, wrong password": [], "unknown account": []}
    timings["known, right password"] = []
    cases = [
        ("known, wrong password", KNOWN, "wrong-password", "PermissionDenied"),
        ("unknown account", UNKNOWN, "wrong-password", "PermissionDenied"),
        ("known, right password", KNOWN, PASSWORD, "Session"),
    ]
    async with httpx.AsyncClient(timeout=30) as http:
        for i in range(warmup + n):
            for name, email, password, expected in cases:
                started = time.perf_counter()
                response = await http.post(
                    f"{base}/graphql",
                    json={"query": LOGIN, "variables": {"e": email, "p": password}},
                )
                elapsed = (time.perf_counter() - started) * 1000
                answer = response.json()["data"]["login"]["__typename"]
                assert answer == expected, (name, response.text)
                if i >= warmup:
                    timings[name].append(elapsed)
            http.cookies.clear()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="logins timed per case")
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    from app.config import get_settings
    from app.infra.embedded import PrivateRedis

    with tempfile.TemporaryDirectory(prefix="bench-login-") as var:
        port = free_port()
        env = {
            **os.environ,
            "HELPDESK_VAR": var,
            "DATABASE_URL": f"sqlite://{var}/helpdesk.sqlite3",
            "SECRET_KEY": "bench-secret",
            "LOGIN_ATTEMPTS": "1000000",
            "SMTP_URL": "smtp://127.0.0.1:1",
        }
        env.pop("REDIS_URL", None)  # the private Redis on var/redis.sock, as `helpdesk run`
        os.environ.update({k: env[k] for k in ("HELPDESK_VAR", "DATABASE_URL")})
        get_settings.cache_clear()
        redis = PrivateRedis(get_settings())
        redis.start()
        server: subprocess.Popen[bytes] | None = None
        try:
            asyncio.run(redis.wait_ready())
            helpdesk(env, "migrate")
            helpdesk(env, "create-admin", "--email", KNOWN, "--password", PASSWORD, "--name", "K")
            server = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base, server))
            timings = asyncio.run(measure(base, args.n, args.warmup))
        finally:
            if server is not None:
                server.terminate()
                server.wait(15)
            redis.stop()

    print(f"login latency over HTTP, one `helpdesk serve`, {args.n} each, interleaved")
    print(f"{'case':<24} {'median ms':>10} {'p90 ms':>8}")
    medians = {}
    for name, values in timings.items():
        medians[name] = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<24} {medians[name]:>10.1f} {p90:>8.1f}")
    ratio = medians["unknown account"] / medians["known, wrong password"]
    print(f"ratio unknown / known (median): {ratio:.2f}  (1.00 = indistinguishable)")


if __name__ == "__main__":
    main()
