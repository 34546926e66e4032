"""uvicorn's sans-I/O WebSocket protocol, plus a way to write a ready text frame to a socket.

Live updates send one event's same text to thousands of sockets. Through ASGI each send is a
``websocket.send`` message through Starlette, the middlewares and uvicorn, framed by
``websockets`` and written, plus a task switch into the subscriber's own task: most of the
server's time per delivery (bench/bench_subscriptions.py, profiled). ``LiveWebSocketProtocol``
puts a ``FrameWriter`` in each socket's ASGI scope (``scope["extensions"][FRAMES]``), with which
the live dispatcher writes a text frame to the socket's transport at once, framed by
``websockets`` once per distinct text rather than once per socket.

The writer only writes when the ASGI path would have written at once too: the handshake is
done, no close was sent or received, and the transport is not applying back-pressure (uvicorn's
``writable`` is set). Otherwise it refuses, and the caller sends through ASGI as before, which
waits for the socket. Each write is one whole frame, so frames written here and through ASGI
never interleave. A server without this protocol (another ASGI server, a test transport) has no
writer in the scope and every message goes through ASGI.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.protocol import State

FRAMES = "helpdesk.frames"  # the scope extension's key


def text_frame(data: bytes) -> bytes:
    """``data`` as one unmasked text frame (what a server sends), without extensions."""
    return Frame(Opcode.TEXT, data).serialize(mask=False)


class FrameWriter:
    """Writes whole text frames to one socket's transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def write_text(self, data: bytes, frame: bytes) -> bool:
        """Send ``data`` (UTF-8 text; ``frame`` is ``text_frame(data)``) now, if the socket can
        take it without waiting; False if not (closing, closed, or its buffer is full)."""
        protocol = self._protocol
        conn = protocol.conn
        if (
            protocol.close_sent
            or protocol.disconnected
            or not protocol.handshake_complete
            or not protocol.writable.is_set()
            or conn.state is not State.OPEN
            or protocol.transport.is_closing()
        ):
            return False
        if conn.extensions:  # permessage-deflate: the library frames (and compresses) it
            try:
                conn.send_text(data)
            except InvalidState:
                return False
            protocol.transport.write(b"".join(conn.data_to_send()))
        else:
            protocol.transport.write(frame)
        return True


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol with a ``FrameWriter`` in the ASGI scope."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent if the handshake was refused
        if scope is not None:
            scope["extensions"][FRAMES] = FrameWriter(self)
