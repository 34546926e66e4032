"""Sending a subscriber the text another subscriber's execution already produced.

Subscribers that would render an event identically share one GraphQL execution
(``app.schema.core.renders``). Even so, each of them used to take the whole per-event pipeline
(graphql-core's per-event executor, Strawberry's result handling and extension hooks, encoding
the message as JSON): most of the server's time per delivery at a few thousand sockets
(bench/bench_subscriptions.py, profiled with py-spy). A ``PreparedSender`` sends the shared
execution's payload, serialised once, framed with the subscriber's own operation id: the same
text Strawberry would have sent. Anything else (the group's first execution, an answer with
errors, a viewer whose answer depends on who they are) takes the full pipeline as before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable
from contextvars import ContextVar
from typing import Any, Protocol

from app.infra.websocket import FRAMES, FrameWriter
from app.live.connections import LiveConnection
from app.schema.core.renders import SharedRenders, render_key


class _Operation(Protocol):
    """Strawberry's graphql-transport-ws ``Operation`` (what of it is read here)."""

    id: str
    completed: bool
    handler: Any  # its socket handler: ``operations`` maps the ids still running


class _TextSocket(Protocol):
    async def send_text(self, data: str) -> None: ...


# The graphql-transport-ws operation whose task is running: set by the socket handler at the
# top of each operation's task, read by that operation's subscription resolver.
current_operation: ContextVar[Any] = ContextVar("current_operation", default=None)


class PreparedSender:
    """One subscription's way of sending a prepared render."""

    __slots__ = ("_connection", "_operation", "_operation_key", "_socket", "prefix", "writer")

    def __init__(
        self,
        operation: _Operation,
        socket: _TextSocket,
        connection: LiveConnection,
        operation_key: Hashable,
    ) -> None:
        self._operation = operation
        self._socket = socket
        self._connection = connection
        self._operation_key = operation_key
        # Strawberry's ``next`` message, {"id","type","payload"} in its order and separators.
        # Subscribers with the same operation id share one framed text (the dispatcher).
        self.prefix = f'{{"id":{json.dumps(operation.id)},"type":"next","payload":'
        # Set when the server writes frames for the dispatcher (app.infra.websocket).
        scope = getattr(socket, "scope", None) or {}
        self.writer: FrameWriter | None = scope.get("extensions", {}).get(FRAMES)

    def render_key(self, payload_key: Hashable) -> Hashable:
        return render_key(self._operation_key, payload_key, self._connection.actor.access)

    @property
    def completed(self) -> bool:
        """Nothing more may be sent for it: it ended, or the client sent ``complete`` (the
        handler forgets the id at once and cancels the task later; a client may then reuse
        the id for another operation)."""
        operation = self._operation
        return (
            operation.completed or operation.handler.operations.get(operation.id) is not operation
        )

    def frame_text(self, payload: str) -> str:
        return self.prefix + payload + "}"

    @classmethod
    def for_subscription(
        cls, socket: Any, connection: LiveConnection, operation_key: Hashable
    ) -> PreparedSender | None:
        """None outside a graphql-transport-ws operation task (then everything takes the full
        pipeline)."""
        operation = current_operation.get()
        if operation is None or operation_key is None or not hasattr(socket, "send_text"):
            return None
        return cls(operation, socket, connection, operation_key)

    async def send(self, renders: SharedRenders, payload_key: Hashable) -> bool:
        """Send this subscriber its group's prepared render of the event; False if there is
        none to send (the caller then yields the event to the full pipeline)."""
        render = renders.results.get(self.render_key(payload_key))
        if render is None or render.pending:
            return False  # nobody executes it yet: this subscriber will
        if not render.done.is_set():
            await render.done.wait()
        payload = render.payload_json()
        if payload is None:
            return False
        if self.completed or self._connection.closing:
            return True  # nothing more goes to this subscriber, as in the full pipeline
        try:
            await self._socket.send_text(self.frame_text(payload))
        except Exception:
            # The socket is gone: close it the usual way, which ends this operation's task.
            self._connection.resync()
            await asyncio.Event().wait()
        renders.prepared_sends += 1
        return True
