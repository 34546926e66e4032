"""Stopping on SIGINT (Ctrl+C) and SIGTERM (systemd, docker): one line, work finished, exit 0.

Every long-running command runs through ``run_until_signal``: the first signal prints
``helpdesk <command>: stopping on SIGTERM`` and sets an event the command's parts watch; each part
then finishes what it is doing (bounded) and returns, so the command exits 0 without a traceback.
A second signal while stopping is ignored (the parts' own bounds keep the stop short).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine, Generator
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.infra.logs import say

log = logging.getLogger("app.stop")

SIGNALS = (signal.SIGINT, signal.SIGTERM)
GOING_AWAY = 1001  # RFC 6455: the server is going down; clients reconnect elsewhere or later


def uvloop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (what uvicorn's ``loop="auto"`` picks when
    uvicorn runs the loop itself; here ``run_until_signal`` does), else None: asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return None
    return uvloop.new_event_loop


def run_until_signal(
    command: str,
    main: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    *,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> None:
    """Run ``main(stop)`` until it returns; SIGINT/SIGTERM set ``stop`` (said once on stderr).
    ``loop_factory``: the event loop to run on (by default uvloop where installed: every
    command ran on asyncio's own loop once ``asyncio.run`` replaced uvicorn's own loop set-up)."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            if not stop.is_set():
                name = signal.Signals(signum).name
                say(log, f"helpdesk {command}: stopping on {name}")
            stop.set()

        for signum in SIGNALS:
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            await main(stop)
        finally:
            for signum in SIGNALS:
                loop.remove_signal_handler(signum)

    with asyncio.Runner(loop_factory=loop_factory or uvloop_factory()) as running:
        running.run(runner())


class GracefulServer(uvicorn.Server):
    """uvicorn's server, stopped by an event instead of its own signal handlers (which, after
    shutting down, raise the signal again: a KeyboardInterrupt traceback and exit 1), and saying
    1001 "going away" to open WebSockets where uvicorn says 1012 "service restart"."""

    def __init__(self, config: uvicorn.Config, stop: asyncio.Event, grace: float) -> None:
        # In-flight requests get ``grace`` seconds once the server stops accepting.
        config.timeout_graceful_shutdown = max(1, round(grace))
        super().__init__(config)
        self.stop = stop

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # run_until_signal owns the signals

    async def on_tick(self, counter: int) -> bool:
        if self.stop.is_set():
            return True
        return await super().on_tick(counter)

    async def shutdown(self, sockets: Any = None) -> None:
        for connection in list(self.server_state.connections):
            if isinstance(connection, WebSocketsSansIOProtocol):
                _going_away(connection)
        await super().shutdown(sockets)


def _going_away(socket: WebSocketsSansIOProtocol) -> None:
    """Close an open socket with 1001 (uvicorn's own shutdown then just drops the transport)."""
    if not socket.handshake_complete or socket.close_sent or socket.transport.is_closing():
        return
    socket.queue.put_nowait({"type": "websocket.disconnect", "code": GOING_AWAY})
    socket.conn.send_close(GOING_AWAY, "server stopping")
    socket.transport.write(b"".join(socket.conn.data_to_send()))
    socket.close_sent = True
