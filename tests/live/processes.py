"""``helpdesk serve`` and ``helpdesk worker`` as separate processes, for the scale-out tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from app.config import Settings

START_TIMEOUT = 60.0  # a cold interpreter importing the app on a busy 2-core machine


def process_env(settings: Settings, **overrides: str) -> dict[str, str]:
    """The test run's configuration (same database, Redis, secret) plus ``overrides``."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": settings.db_url,
            "REDIS_URL": settings.redis_url or "",
            "SECRET_KEY": settings.secret_key or "",
            "PUBLIC_URL": settings.public_url,
            "HELPDESK_VAR": str(settings.var_dir),
            "MAIL_DOMAIN": settings.mail_domain,
            "SMTP_URL": settings.smtp,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


class HelpdeskProcess:
    """One ``helpdesk <command>`` child process, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[2],
            )

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)

    def send(self, signum: int) -> None:
        assert self._process is not None
        self._process.send_signal(signum)

    async def exit_code(self, within: float) -> int:
        """The exit code, once the process has exited (at most ``within`` seconds)."""
        assert self._process is not None
        process = self._process
        return await asyncio.to_thread(process.wait, within)

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(15)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class ServerProcess(HelpdeskProcess):
    def __init__(self, port: int, env: dict[str, str], log: Path) -> None:
        super().__init__(["serve", "--port", str(port)], env, log)
        self.base = f"http://127.0.0.1:{port}"

    async def wait_ready(self) -> None:
        """Until /healthz says the live machinery runs (bounded)."""

        async def poll() -> None:
            async with httpx.AsyncClient(timeout=2) as http:
                while True:
                    if not self.alive():
                        raise RuntimeError(f"server exited:\n{self.log_tail()}")
                    try:
                        response = await http.get(f"{self.base}/healthz")
                        if response.status_code == 200 and response.json()["live"]["running"]:
                            return
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)

        try:
            await asyncio.wait_for(poll(), START_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(f"server did not start:\n{self.log_tail()}") from None
